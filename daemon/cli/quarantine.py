"""``afilia quarantine``: mails that failed while being decided, and trying them again."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from daemon.bootstrap import App


def register(main: click.Group) -> None:
    main.add_command(quarantine)


@click.group()
def quarantine() -> None:
    """Mails that raised while being decided (kept whole, moved out of the inbox)."""


@quarantine.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Also those already retried.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def quarantine_list(app: App, include_resolved: bool, as_json: bool) -> None:
    """Quarantined mails, oldest first: id, when, sender, error class and reason."""
    from daemon.services import quarantine as shunt
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    tz = app.settings.tz
    with transaction(app.sessions) as session:
        found = shunt.listed(session, include_resolved=include_resolved)
    from daemon.cli.columns import table, wall_clock

    shown = []
    for item in found:
        row = {
            "id": item.id,
            "quarantined_at": item.quarantined_at.astimezone(tz).isoformat(timespec="minutes"),
            "sender": item.sender,
            "subject": item.subject,
            "error_class": item.error_class,
            "reason": item.reason,
            "attempts": item.attempts,
            "resolved": item.resolved_at is not None,
        }
        if as_json:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            shown.append(
                {
                    **row,
                    "quarantined_at": wall_clock(row["quarantined_at"]),
                    "resolved": "yes" if row["resolved"] else "no",
                    "reason": f"{item.error_class}: {item.reason}",
                }
            )
    if as_json:
        return
    if not shown:
        click.echo("no mail was ever quarantined" if include_resolved else "no mail in quarantine")
        return
    spec = [("id", "ID"), ("quarantined_at", "QUARANTINED"), ("attempts", "ATTEMPTS")]
    if include_resolved:
        spec.append(("resolved", "RETRIED"))
    spec += [("sender", "SENDER"), ("reason", "ERROR")]
    click.echo(table(shown, spec))


@quarantine.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.pass_obj
def quarantine_retry(app: App, ids: tuple[int, ...]) -> None:
    """Decide quarantined mails again from their kept bytes (after an upgrade that fixes
    the cause). The reply is queued; the running daemon (or the next 'afilia run --once')
    sends it. Exit status 1 when a mail failed again (it stays in quarantine)."""
    from daemon.logging_setup import configure_logging
    from daemon.services import quarantine as shunt
    from daemon.services.ingest import ingest_one
    from daemon.store.db import require_current_schema, transaction

    settings = app.settings
    configure_logging(settings.logging.level, settings.logging.format)
    require_current_schema(app.engine)
    intake = app.intake(lambda: datetime.now(UTC))
    failed = False
    try:
        for quarantine_id in ids:
            with transaction(app.sessions) as session:
                fetched = shunt.retry_fetched(session, app.blobs, quarantine_id)
            if fetched is None:
                click.echo(f"quarantine #{quarantine_id}: no such mail", err=True)
                failed = True
                continue
            try:
                outcome, message_pk = ingest_one(fetched, intake)
            except Exception as err:  # the same shunt as the intake: record it, go on
                shunt.mark_failed_again(app.sessions, quarantine_id, err)
                error_class, reason = shunt.short_reason(err)
                click.echo(f"quarantine #{quarantine_id}: failed again: {error_class}: {reason}")
                failed = True
                continue
            shunt.mark_resolved(app.sessions, quarantine_id, message_pk, intake.clock())
            click.echo(f"quarantine #{quarantine_id}: decided {outcome or 'already'}")
    finally:
        intake.reader.close()
    if failed:
        sys.exit(1)
