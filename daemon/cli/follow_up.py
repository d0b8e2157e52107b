"""Following up the procedure from the command line: corrective actions on salidas no
conformes (PAB-24 paso 12) and returners who did not re-stamp their card (paso 9)."""

from __future__ import annotations

import getpass
import json
import os
from typing import TYPE_CHECKING

import click

from daemon.cli.moment import acting_moment
from daemon.domain.digest import OverdueKind

if TYPE_CHECKING:
    from daemon.bootstrap import App

_NOW = click.option("--now", metavar="DATETIME", help="Act as of this moment (ISO; tests).")


def register(main: click.Group) -> None:
    main.add_command(corrective)
    main.add_command(resello)


def _actor() -> str:
    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


@click.group()
def corrective() -> None:
    """Corrective actions on salidas no conformes (PAB-24 paso 12)."""


@corrective.command("add")
@click.argument("matriculas", nargs=-1, required=True)
@click.option(
    "--kind",
    type=click.Choice([str(k) for k in OverdueKind]),
    help="Which salida (default: the one the action names, else the student's only one).",
)
@click.option("--action", "action", required=True, help="What was done, in Spanish.")
@_NOW
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def corrective_add(
    app: App,
    matriculas: tuple[str, ...],
    kind: str | None,
    action: str,
    now: str | None,
    as_json: bool,
) -> None:
    """Record what was done about a student's salida no conforme this term."""
    from daemon.services.calendar_settings import business_calendar
    from daemon.services.corrective_actions import record_corrective_action
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        report = record_corrective_action(
            session,
            matriculas,
            kind=OverdueKind(kind) if kind else None,
            action=action,
            actor=_actor(),
            now=moment,
            tz=app.settings.tz,
            policy=app.policy,
            calendar=business_calendar(app.settings, moment),
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(
            f"{report.action}: {len(report.applied)} applied, {len(report.rejected)} rejected"
        )
        for matricula in report.applied:
            click.echo(f"  ok  {matricula}")
        for matricula, reason in report.rejected:
            click.echo(f"  no  {matricula}: {reason}")


@corrective.command("list")
@click.option("--matricula", help="Only this student's.")
@click.pass_obj
def corrective_list(app: App, matricula: str | None) -> None:
    """Every corrective action recorded, oldest first (local time)."""
    from daemon.services.corrective_actions import load_corrective_actions
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        actions = load_corrective_actions(session, app.settings.tz)
    from daemon.cli.columns import table

    wanted = matricula.strip().upper() if matricula else None
    rows = [
        {
            "at": f"{a.at:%Y-%m-%d %H:%M}",
            "matricula": a.matricula,
            "kind": a.kind,
            "actor": a.actor,
            "action": a.action,
        }
        for a in actions
        if wanted is None or a.matricula == wanted
    ]
    if not rows:
        click.echo(f"no corrective actions for {wanted}" if wanted else "no corrective actions yet")
        return
    spec = (
        ("at", "RECORDED"),
        ("matricula", "MATRÍCULA"),
        ("kind", "SALIDA"),
        ("actor", "BY"),
        ("action", "ACTION"),
    )
    click.echo(table(rows, spec))


@corrective.command("pending")
@_NOW
@click.pass_obj
def corrective_pending(app: App, now: str | None) -> None:
    """The digest's follow-up: open salidas without a corrective action, then those with
    one whose alta is still not done or whose card is still not delivered."""
    from daemon.services.digest import prepare_digest
    from daemon.services.reminders import Mailing
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    mailing = Mailing.from_app(app, moment)
    with transaction(app.sessions) as session:
        digest = prepare_digest(session, mailing, moment).digest
    from daemon.cli.columns import table

    rows = [
        {
            "state": "sin_accion",
            "matricula": o.matricula,
            "kind": o.kind,
            "nombre": o.nombre,
            "detail": f"desde {o.since:%d/%m/%Y}",
        }
        for o in digest.without_corrective_action
    ]
    rows += [
        {
            "state": "sin_resolver",
            "matricula": f.salida.matricula,
            "kind": f.salida.kind,
            "nombre": f.salida.nombre,
            "detail": f"{f.latest.at:%d/%m/%Y %H:%M} {f.latest.actor}: {f.latest.action}",
        }
        for f in digest.corrective_unresolved
    ]
    if not rows:
        click.echo("no salidas no conformes to follow up")
        return
    spec = (
        ("state", "STATE"),
        ("matricula", "MATRÍCULA"),
        ("kind", "SALIDA"),
        ("nombre", "NOMBRE"),
        ("detail", "DETAIL"),
    )
    click.echo(table(rows, spec))


@click.group()
def resello() -> None:
    """Re-stamping (resello) of returning students' cards (PAB-24 paso 9)."""


@resello.command("pending")
@_NOW
@click.pass_obj
def resello_pending(app: App, now: str | None) -> None:
    """Active and internship students, second term or later, past the resello deadline
    without a resello recorded this term."""
    from daemon.domain.calendar import local_date
    from daemon.domain.resello import resello_overdue
    from daemon.services.calendar_settings import business_calendar
    from daemon.services.procedure_actions import load_cases
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    today = local_date(moment, app.settings.tz)
    with transaction(app.sessions) as session:
        cases = load_cases(session, app.settings.tz)
    lines = resello_overdue(
        cases, today=today, policy=app.policy, calendar=business_calendar(app.settings, moment)
    )
    from daemon.cli.columns import table

    if not lines:
        click.echo(f"no resellos overdue on {today:%d/%m/%Y}")
        return
    rows = [{"matricula": x.matricula, "nombre": x.nombre, "detail": x.detail} for x in lines]
    spec = (("matricula", "MATRÍCULA"), ("nombre", "NOMBRE"), ("detail", "DETAIL"))
    click.echo(table(rows, spec))
