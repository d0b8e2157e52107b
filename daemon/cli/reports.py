"""Printable records from the command line: the term report for Rectoría and the FOR-24-02
delivery log of a credential batch (``afilia credenciales log``), both as XLSX files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from daemon.cli.moment import acting_moment

if TYPE_CHECKING:
    from daemon.bootstrap import App

_NOW = click.option("--now", metavar="DATETIME", help="Act as of this moment (ISO; tests).")
_OUT = click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The XLSX file to write (readable by you only).",
)


def register(main: click.Group) -> None:
    """Add ``report`` to ``afilia`` and ``log`` to ``afilia credenciales``."""
    from daemon.cli.procedure import credenciales

    main.add_command(report)
    credenciales.add_command(credenciales_log)
    credenciales.add_command(credenciales_batches)


@click.group()
def report() -> None:
    """Reports for the school's management (PAB-24 paso 12)."""


@report.command("term")
@click.option("--term", "term_name", metavar="NAME", help="Default: the term running today.")
@_OUT
@_NOW
@click.pass_obj
def report_term(app: App, term_name: str | None, out: Path, now: str | None) -> None:
    """Term report for Rectoría: altas and credentials in time and late, the salidas no
    conformes with their corrective actions, and the section 6 indicator."""
    from daemon.domain.calendar import local_date
    from daemon.services.calendar_settings import business_calendar
    from daemon.services.term_report import build_term_report, write_term_report
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        found = build_term_report(
            session,
            term_name=term_name,
            today=local_date(moment, app.settings.tz),
            policy=app.policy,
            calendar=business_calendar(app.settings, moment),
            tz=app.settings.tz,
        )
    write_term_report(found, out, policy=app.policy)
    click.echo(
        f"term {found.term.name}: altas {found.altas.in_time} in time, "
        f"{found.altas.late + found.altas.late_open} late; credentials "
        f"{found.credentials.in_time} in time, "
        f"{found.credentials.late + found.credentials.late_open} late; "
        f"{len(found.salidas)} salidas no conformes -> {out}"
    )


@click.command("log")
@click.argument("batch_id", type=int)
@_OUT
@_NOW
@click.pass_obj
def credenciales_log(app: App, batch_id: int, out: Path, now: str | None) -> None:
    """Print the FOR-24-02 delivery log of a printed batch, to sign at the counter."""
    from daemon.domain.calendar import local_date
    from daemon.services.delivery_log import load_delivery_log, write_delivery_log
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        log = load_delivery_log(
            session,
            batch_id,
            policy=app.policy,
            tz=app.settings.tz,
            today=local_date(moment, app.settings.tz),
        )
    write_delivery_log(log, out, retention_years=app.policy.retention.delivery_log_years)
    click.echo(f"batch {batch_id}: {len(log.rows)} credentials, {log.delivered} delivered -> {out}")


@click.command("batches")
@click.pass_obj
def credenciales_batches(app: App) -> None:
    """Printed batches (id, printed, pickup days, place, cards, delivered): the ids that
    'afilia credenciales log' takes."""
    from daemon.services.delivery_log import list_batches
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        batches = list_batches(session, app.settings.tz)
    from daemon.cli.columns import table

    if not batches:
        click.echo("no printed batches yet")
        return
    rows = [
        {
            "id": batch.batch_id,
            "printed": f"{batch.printed_on:%d/%m/%Y}",
            "pickup": f"{batch.pickup_from:%d/%m/%Y}..{batch.pickup_until:%d/%m/%Y}",
            "cards": cards,
            "delivered": delivered,
            "place": batch.place,
        }
        for batch, cards, delivered in batches
    ]
    spec = (
        ("id", "ID"),
        ("printed", "PRINTED"),
        ("pickup", "PICKUP"),
        ("cards", "CARDS"),
        ("delivered", "DELIVERED"),
        ("place", "PLACE"),
    )
    click.echo(table(rows, spec))
