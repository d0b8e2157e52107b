"""Intake commands: run the daemon, manage the schema, inspect decisions and the outbox."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from daemon.cli.columns import table, wall_clock

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.mail.ports import Shard


def register(main: click.Group) -> None:
    main.add_command(run)
    main.add_command(db)
    main.add_command(decisions)
    main.add_command(outbox)


def _shard(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Shard | None:
    from daemon.mail.ports import Shard

    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValueError:
        raise click.BadParameter(
            "use K/N with 0 <= K < N, e.g. 0/2", param_hint="--shard"
        ) from None


@click.command()
@click.option("--once", is_flag=True, help="One full pass (fetch, decide, send), then exit 0.")
@click.option(
    "--shard",
    metavar="K/N",
    callback=_shard,
    help="Take only share K of N of each mailbox, so N processes split a backlog across "
    "cores (start one per share; periodic jobs run in share 0).",
)
@click.pass_obj
def run(app: App, once: bool, shard: Shard | None) -> None:
    """Run the daemon: read the mailboxes, answer students, send reminders and the digest.

    Without --once it runs until SIGTERM/SIGINT (systemd stop). SIGHUP reloads rules and
    templates. Refuses to start on an out-of-date database schema. With --once the exit
    status is 0 when every mailbox was read (every mail decided or quarantined: see
    'afilia quarantine list'), 1 when one could not be (the others still were), 2 for a
    configuration or schema problem.
    """
    from daemon.logging_setup import configure_logging

    settings = app.settings
    configure_logging(settings.logging.level, settings.logging.format)
    if once:
        from daemon.app import run_once

        report = run_once(app, shard=shard)
        summary = {
            name: {
                "processed": r.processed,
                "already_done": r.already_done,
                "quarantined": r.quarantined,
                **r.outcomes,
            }
            for name, r in report.intake.items()
        }
        click.echo(
            f"pass done: {json.dumps(summary, ensure_ascii=False)}; "
            f"sent {report.sent}, failed {report.failed}, retry later {report.pending_retry}",
            err=True,
        )
        for name, error in report.failed_mailboxes.items():
            click.echo(f"afilia: mailbox {name} could not be read: {error}", err=True)
        if report.failed_mailboxes:
            sys.exit(1)
        return
    from daemon.app import Daemon

    Daemon(app, shard=shard).run()


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(app: App) -> None:
    """Bring the schema to this version of afilia. Safe on a live database."""
    from daemon.store.db import current_revision, upgrade

    before = current_revision(app.engine)
    upgrade(app.engine)
    after = current_revision(app.engine)
    click.echo(f"schema {before or 'empty'} -> {after}" if before != after else f"schema {after}")


@db.command("current")
@click.pass_obj
def db_current(app: App) -> None:
    """Print the schema revision of the database and the one this afilia needs."""
    from daemon.store.db import current_revision, head_revision

    click.echo(f"database: {current_revision(app.engine) or 'empty'}; needed: {head_revision()}")


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date, e.g. 2026-11-20", param_hint="--since") from None
    return parsed


@click.command()
@click.option("--since", metavar="DATE", help="Only decisions on or after DATE (school time).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def decisions(app: App, since: str | None, as_json: bool) -> None:
    """What afilia decided about each received document, with reasons and reply status.

    Times are the school's (its [school] timezone). --json keeps every field, one object
    per line, for scripts.
    """
    from daemon.services import reports
    from daemon.store.db import transaction

    moment = _parse_since(since)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=app.settings.tz)
    with transaction(app.sessions) as session:
        rows = list(reports.decisions(session, moment, tz=app.settings.tz))
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        click.echo(f"no decisions since {since}" if since else "no decisions yet")
        return
    shown = [{**row, "received_at": wall_clock(row["received_at"])} for row in rows]
    click.echo(
        table(
            shown,
            (
                ("received_at", "RECEIVED"),
                ("sender", "SENDER"),
                ("matricula", "MATRÍCULA"),
                ("outcome", "OUTCOME"),
                ("reply_status", "REPLY"),
                ("reasons", "REASONS"),
            ),
        )
    )


@click.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), help="Only these.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def outbox(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """Outgoing mail: replies, reminders, digests, with delivery status and errors.

    Without a subcommand, lists them (school time); 'afilia outbox show ID' prints one mail
    decoded.
    """
    from daemon.services import reports
    from daemon.store.db import transaction

    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    with transaction(app.sessions) as session:
        rows = list(reports.outbox(session, status, tz=app.settings.tz))
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        click.echo(f"no {status} mail in the outbox" if status else "the outbox is empty")
        return
    shown = [{**row, "created_at": wall_clock(row["created_at"])} for row in rows]
    click.echo(
        table(
            shown,
            (
                ("id", "ID"),
                ("created_at", "QUEUED"),
                ("status", "STATUS"),
                ("template", "TEMPLATE"),
                ("recipient", "TO"),
                ("subject", "SUBJECT"),
            ),
        )
    )


@outbox.command("show")
@click.argument("mail_id", metavar="ID", type=int)
@click.pass_obj
def outbox_show(app: App, mail_id: int) -> None:
    """One queued or sent mail, decoded: headers, delivery state, text part, attachments."""
    from daemon.services import reports
    from daemon.store.db import transaction

    with transaction(app.sessions) as session:
        found = reports.outbox_mail(session, mail_id, tz=app.settings.tz)
    if found is None:
        raise click.ClickException(f"no mail {mail_id} in the outbox (see 'afilia outbox')")
    click.echo(found)
