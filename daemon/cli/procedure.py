"""The procedure from the command line: terms, altas, bajas, credentials, a student's
history, and previews of the reminder sweep and the digest for any moment (``--now``).

Every action here is the same use case staff run by email, audited the same way.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from daemon.cli.moment import acting_moment

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from daemon.bootstrap import App
    from daemon.domain.review_replies import ReviewRef
    from daemon.services.procedure_actions import ActionReport


def register(main: click.Group) -> None:
    """Add this module's commands to the ``afilia`` group."""
    for command in (
        term,
        altas,
        bajas,
        credenciales,
        review,
        student,
        reminders,
        digest,
        purge,
        carnets,
    ):
        main.add_command(command)


def _actor() -> str:
    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


_NOW = click.option("--now", metavar="DATETIME", help="Act as of this moment (ISO; tests).")


def _matriculas(values: Sequence[str], from_file: Path | None) -> list[str]:
    found = [v for value in values for v in value.replace(",", " ").split()]
    if from_file is not None:
        with from_file.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        if rows:
            header = [c.strip().upper().replace("Í", "I") for c in rows[0]]
            column = header.index("MATRICULA") if "MATRICULA" in header else 0
            start = 1 if "MATRICULA" in header else 0
            found += [r[column].strip() for r in rows[start:] if len(r) > column and r[column]]
    return found


def _apply(
    app: App,
    action: Callable[..., ActionReport],
    matriculas: list[str],
    now: str | None,
    as_json: bool,
) -> None:
    """Run one staff action on these matrículas, in one transaction, and print its report."""
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        report = action(session, matriculas, actor=_actor(), now=moment, tz=app.settings.tz)
    _print_report(report, as_json)


def _print_report(report: ActionReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    click.echo(f"{report.action}: {len(report.applied)} applied, {len(report.rejected)} rejected")
    notes = dict(report.notes)
    for matricula in report.applied:
        click.echo(f"  ok  {matricula}" + (f": {notes[matricula]}" if matricula in notes else ""))
    for matricula, reason in report.rejected:
        click.echo(f"  no  {matricula}: {reason}")


# --- terms ------------------------------------------------------------------------------


@click.group()
def term() -> None:
    """School terms (cuatrimestres, semestres)."""


@term.command("add")
@click.argument("name")
@click.option(
    "--start",
    "start",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of classes (YYYY-MM-DD): every clock of the procedure counts from it.",
)
@click.option(
    "--end", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD)."
)
@click.pass_obj
def term_add(app: App, name: str, start: datetime, end: datetime) -> None:
    """Add a term; reminders and SLAs count from its start."""
    from daemon.services.terms import add_term
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        added = add_term(session, name, start.date(), end.date())
    click.echo(f"term {added.name}: {added.starts_on} .. {added.ends_on}")


@term.command("list")
@click.pass_obj
def term_list(app: App) -> None:
    """The terms afilia knows, with their first and last days."""
    from daemon.cli.columns import table
    from daemon.services.terms import list_terms
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        terms = [
            {"name": t.name, "starts_on": t.starts_on, "ends_on": t.ends_on}
            for t in list_terms(session)
        ]
    if not terms:
        click.echo("no terms yet: add one with 'afilia term add'")
        return
    click.echo(table(terms, (("name", "TERM"), ("starts_on", "STARTS"), ("ends_on", "ENDS"))))


# --- altas and bajas --------------------------------------------------------------------


def _action_options(func):  # type: ignore[no-untyped-def]
    func = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(func)
    func = _NOW(func)
    func = click.option(
        "--file",
        "from_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="CSV with a MATRICULA column (or matrículas in the first column).",
    )(func)
    return click.argument("matriculas", nargs=-1)(func)


@click.group()
def altas() -> None:
    """Students to register (alta) at IMSS."""


@altas.command("pending")
@_NOW
@click.option("--csv", "as_csv", is_flag=True, help="The IMSS-form CSV (uppercase, no accents).")
@click.pass_obj
def altas_pending(app: App, now: str | None, as_csv: bool) -> None:
    """List students waiting for their alta."""
    from daemon.domain.digest import movements_csv
    from daemon.services.procedure_actions import load_cases
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        cases = [c for c in load_cases(session, app.settings.tz) if c.alta_pending]
    if as_csv:
        sys.stdout.write(movements_csv(cases, [c.matricula for c in cases]).decode())
        return
    from daemon.cli.columns import table

    if not cases:
        click.echo("no altas pending")
        return
    rows = [
        {
            "matricula": case.matricula,
            "since": case.alta_requested_on,
            "on_file": case.on_file,
            "nombre": case.student.nombre_completo,
        }
        for case in cases
    ]
    spec = (
        ("matricula", "MATRÍCULA"),
        ("since", "SINCE"),
        ("on_file", "DOCUMENT"),
        ("nombre", "NOMBRE"),
    )
    click.echo(table(rows, spec))


@altas.command("done")
@_action_options
@click.pass_obj
def altas_done(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Mark altas registered at IMSS; the notice waits for 'altas verified' (paso 5)."""
    from daemon.services.procedure_actions import mark_altas_done
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        report = mark_altas_done(
            session,
            _matriculas(matriculas, from_file),
            actor=_actor(),
            now=moment,
            tz=app.settings.tz,
        )
    _print_report(report, as_json)


@altas.command("verified")
@_action_options
@click.pass_obj
def altas_verified(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Altas seen on the IMSS portal (PAB-24 paso 5); each student gets the notice of alta."""
    from daemon.services.procedure_actions import mark_altas_verified
    from daemon.services.reminders import Mailing, queue_notices
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    mailing = Mailing.from_app(app, moment)
    with transaction(app.sessions) as session:
        report = mark_altas_verified(
            session,
            _matriculas(matriculas, from_file),
            actor=_actor(),
            now=moment,
            tz=app.settings.tz,
        )
        queue_notices(session, mailing, report.applied, moment)
    _print_report(report, as_json)


@altas.command("not-showing")
@_action_options
@click.pass_obj
def altas_not_showing(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Altas not on the IMSS portal after the wait: back to the altas to register."""
    from daemon.services.procedure_actions import mark_altas_not_showing

    _apply(app, mark_altas_not_showing, _matriculas(matriculas, from_file), now, as_json)


@altas.command("to-verify")
@_NOW
@click.pass_obj
def altas_to_verify(app: App, now: str | None) -> None:
    """Registered altas due for the check on the IMSS portal (paso 5)."""
    from daemon.domain.calendar import local_date
    from daemon.domain.portal_check import portal_check_on
    from daemon.services.procedure_actions import load_cases
    from daemon.services.reminders import Mailing
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    today = local_date(moment, app.settings.tz)
    calendar = Mailing.from_app(app, moment).calendar
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        cases = load_cases(session, app.settings.tz)
    due = [
        (case, check_on)
        for case in cases
        if (check_on := portal_check_on(case, app.policy, calendar)) is not None
        and check_on <= today
    ]
    from daemon.cli.columns import table

    if not due:
        click.echo("no altas to verify on the IMSS portal")
        return
    rows = [
        {
            "matricula": case.matricula,
            "done_on": case.alta.done_on if case.alta else None,
            "check_on": check_on,
            "nombre": case.student.nombre_completo,
        }
        for case, check_on in due
    ]
    spec = (
        ("matricula", "MATRÍCULA"),
        ("done_on", "ALTA"),
        ("check_on", "VERIFY FROM"),
        ("nombre", "NOMBRE"),
    )
    click.echo(table(rows, spec))


@click.group()
def bajas() -> None:
    """Students to deregister (baja) at IMSS."""


@bajas.command("pending")
@click.option("--csv", "as_csv", is_flag=True, help="The IMSS-form CSV (uppercase, no accents).")
@click.pass_obj
def bajas_pending(app: App, as_csv: bool) -> None:
    """Insured students now on leave, withdrawn, or asking for their baja."""
    from daemon.domain.digest import movements_csv
    from daemon.domain.procedure_state import baja_pending
    from daemon.services.procedure_actions import load_cases
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        cases = [
            c for c in load_cases(session, app.settings.tz) if baja_pending(c, app.policy.procedure)
        ]
    if as_csv:
        sys.stdout.write(movements_csv(cases, [c.matricula for c in cases]).decode())
        return
    from daemon.cli.columns import table

    if not cases:
        click.echo("no bajas pending")
        return
    rows = [
        {
            "matricula": case.matricula,
            "why": "solicitó su baja" if case.baja_requested_on else str(case.student.status),
            "nombre": case.student.nombre_completo,
        }
        for case in cases
    ]
    click.echo(table(rows, (("matricula", "MATRÍCULA"), ("why", "WHY"), ("nombre", "NOMBRE"))))


@bajas.command("done")
@_action_options
@click.pass_obj
def bajas_done(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Mark bajas done at IMSS."""
    from daemon.services.procedure_actions import mark_bajas_done

    rules = app.policy.procedure

    def mark(session: Session, matriculas: Sequence[str], **kwargs: Any) -> ActionReport:
        return mark_bajas_done(session, matriculas, rules=rules, **kwargs)

    _apply(app, mark, _matriculas(matriculas, from_file), now, as_json)


# --- credentials ------------------------------------------------------------------------


@click.group()
def credenciales() -> None:
    """Student ID cards: print queue, printed batches, deliveries (FOR-24-02), resellos,
    paid replacements (reposición)."""


@credenciales.command("pending")
@click.pass_obj
def credenciales_pending(app: App) -> None:
    """The print queue, then printed cards not yet collected."""
    from daemon.services.procedure_actions import load_cases
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        cases = load_cases(session, app.settings.tz)
    from daemon.cli.columns import table

    rows = [
        {"todo": "imprimir", "matricula": case.matricula, "nombre": case.student.nombre_completo}
        for case in cases
        if case.in_print_queue and case.student.status.is_enrolled
    ]
    rows += [
        {
            "todo": "entregar",
            "matricula": case.matricula,
            "pickup": f"{case.printed.pickup_from}..{case.printed.pickup_until}",
            "nombre": case.student.nombre_completo,
        }
        for case in cases
        if case.awaiting_pickup and case.printed is not None
    ]
    if not rows:
        click.echo("no cards to print or deliver")
        return
    spec = (
        ("todo", "TO DO"),
        ("matricula", "MATRÍCULA"),
        ("pickup", "PICKUP"),
        ("nombre", "NOMBRE"),
    )
    click.echo(table(rows, spec))


@credenciales.command("printed")
@_action_options
@click.option("--all", "whole_queue", is_flag=True, help="Every student in the print queue.")
@click.option(
    "--from",
    "pickup_from",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First pickup day (YYYY-MM-DD), said in the students' notice.",
)
@click.option(
    "--until",
    "pickup_until",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last pickup day (YYYY-MM-DD); the reminder goes the business day before.",
)
@click.option("--place", default="", help="Where students collect them.")
@click.pass_obj
def credenciales_printed(
    app: App,
    matriculas: tuple[str, ...],
    from_file: Path | None,
    now: str | None,
    as_json: bool,
    whole_queue: bool,
    pickup_from: datetime,
    pickup_until: datetime,
    place: str,
) -> None:
    """Record a printed batch; each student gets the pickup notice."""
    from daemon.services.procedure_actions import record_printed
    from daemon.services.reminders import Mailing, queue_notices
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    wanted = None if whole_queue else _matriculas(matriculas, from_file)
    if wanted is not None and not wanted:
        raise click.UsageError("name the matrículas, give --file, or use --all")
    mailing = Mailing.from_app(app, moment)
    with transaction(app.sessions) as session:
        report = record_printed(
            session,
            wanted,
            pickup_from=pickup_from.date(),
            pickup_until=pickup_until.date(),
            place=place,
            actor=_actor(),
            now=moment,
            tz=app.settings.tz,
        )
        queue_notices(session, mailing, report.applied, moment)
    _print_report(report, as_json)


@credenciales.command("delivered")
@_action_options
@click.pass_obj
def credenciales_delivered(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Record deliveries in the FOR-24-02 log."""
    from daemon.services.procedure_actions import record_delivered

    _apply(app, record_delivered, _matriculas(matriculas, from_file), now, as_json)


@credenciales.command("resellada")
@_action_options
@click.pass_obj
def credenciales_resellada(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Record re-stamped cards (resello) for this term (2nd term on, ACTIVO or ESTADÍA)."""
    from daemon.services.calendar_settings import business_calendar
    from daemon.services.procedure_actions import record_resello
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        report = record_resello(
            session,
            _matriculas(matriculas, from_file),
            actor=_actor(),
            now=moment,
            tz=app.settings.tz,
            policy=app.policy,
            calendar=business_calendar(app.settings, moment),
        )
    _print_report(report, as_json)


@credenciales.command("reposicion")
@_action_options
@click.pass_obj
def credenciales_reposicion(
    app: App, matriculas: tuple[str, ...], from_file: Path | None, now: str | None, as_json: bool
) -> None:
    """Record a paid replacement of a lost or stolen card: it goes back to the print queue."""
    from daemon.services.procedure_actions import record_reposicion

    _apply(app, record_reposicion, _matriculas(matriculas, from_file), now, as_json)


# --- the review queue -------------------------------------------------------------------


@click.group()
def review() -> None:
    """Mails a person must look at (unreadable, mismatches, questions, carnets...)."""


@review.command("list")
@_NOW
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.pass_obj
def review_list(app: App, now: str | None, as_json: bool) -> None:
    """The digest's review queue, oldest first, in the school's time zone.

    ID is what 'afilia review show' and 'afilia review settle' take (C7: quarantined mail
    7, settled with 'afilia quarantine retry 7'); MAILED says whether its review mail, with
    the document attached, went to staff.
    """
    from daemon.domain.digest import review_outcomes
    from daemon.domain.review_items import reason_of
    from daemon.services import intake_review, review_mails
    from daemon.services.procedure_actions import pending_review
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    tz = app.settings.tz
    with transaction(app.sessions) as session:
        mailed = {ref.token for ref in review_mails.mailed_refs(session)}
        rows = [
            {
                "id": str(d.id),
                "received": d.decided_at.astimezone(tz),
                "sender": sender,
                "matricula": d.matricula or "-",
                "outcome": d.outcome,
                "reason": reason_of(d.outcome, d.reasons or ()),
                "mailed": f"#{d.id}" in mailed,
            }
            for d, sender in pending_review(session, review_outcomes(app.policy), moment)
        ]
        rows += [
            {
                "id": r.token.lstrip("#"),
                "received": r.at.astimezone(tz),
                "sender": r.sender,
                "matricula": r.matricula or "-",
                "outcome": r.outcome,
                "reason": r.reason,
                "mailed": r.token in mailed,
            }
            for r in intake_review.review_items(session, moment)
        ]
    rows.sort(key=lambda row: row["received"])
    if as_json:
        click.echo(json.dumps(rows, default=str, ensure_ascii=False))
        return
    from daemon.cli.columns import table

    if not rows:
        click.echo("nothing to review")
        return
    shown = [
        {
            **row,
            "received": f"{row['received']:%Y-%m-%d %H:%M}",
            "mailed": "yes" if row["mailed"] else "no",
            "reason": str(row["reason"])[:80],
        }
        for row in rows
    ]
    spec = (
        ("id", "ID"),
        ("received", "RECEIVED"),
        ("matricula", "MATRICULA"),
        ("outcome", "OUTCOME"),
        ("mailed", "MAILED"),
        ("sender", "SENDER"),
        ("reason", "REASON"),
    )
    click.echo(table(shown, spec))


def _review_ref(value: str) -> ReviewRef:
    from daemon.domain.review_replies import ReviewRef

    text = value.strip().lstrip("#").upper()
    quarantined = text.startswith("C")
    digits = text[1:] if quarantined else text
    if not digits.isdigit():
        raise click.BadParameter("an item id such as 123 or C7", param_hint="ID")
    return ReviewRef(int(digits), quarantine=quarantined)


@review.command("show")
@click.argument("item_id", metavar="ID")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the stored document (else the raw mail) to this file (mode 0600).",
)
@click.pass_obj
def review_show(app: App, item_id: str, out: Path | None) -> None:
    """One review item: the student, the reason, the fields read, the words to settle it."""
    from daemon.store.db import require_current_schema, transaction

    ref = _review_ref(item_id)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        files = _show_quarantined(app, session, ref) if ref.quarantine else _show(app, session, ref)
    if out is not None:
        if not files:
            raise click.ClickException(f"{ref.token}: no stored document nor raw mail (purged?)")
        name, data = files[0]
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        click.echo(f"wrote {name} ({len(data)} bytes) to {out}")


def _show_quarantined(app: App, session: Session, ref: ReviewRef) -> list[tuple[str, bytes]]:
    from daemon.store.schema import QuarantineRow

    row = session.get(QuarantineRow, ref.number)
    if row is None:
        raise click.ClickException(f"no quarantined mail {ref.token}")
    at = row.quarantined_at.astimezone(app.settings.tz)
    click.echo(f"{ref.token}  quarantined {at:%Y-%m-%d %H:%M}")
    click.echo(f"sender:   {row.sender}")
    click.echo(f"subject:  {row.subject}")
    click.echo(f"error:    {row.error_class}: {row.reason}")
    click.echo(f"settle:   afilia quarantine retry {row.id}")
    path = app.blobs.path_for(row.raw_sha256)
    return [(f"cuarentena_{row.id}.eml", path.read_bytes())] if path.is_file() else []


def _show(app: App, session: Session, ref: ReviewRef) -> list[tuple[str, bytes]]:
    from daemon.services import review_mails
    from daemon.store.schema import DecisionRow

    decision = session.get(DecisionRow, ref.number)
    if decision is None:
        raise click.ClickException(f"no review item {ref.token}")
    mailing = review_mails.ReviewMailing(app.settings, app.policy, app.renderer, app.blobs)
    item = review_mails.decision_item(session, mailing, decision)
    student = item["student"]
    click.echo(f"{item['token']}  {item['outcome']}  received {item['received_at']:%Y-%m-%d %H:%M}")
    click.echo(f"reason:   {item['reason']}")
    who = f"{student.matricula} {student.nombre_completo}" if student else "not on the roster"
    click.echo(f"student:  {who}")
    click.echo(f"sender:   {item['sender']}")
    click.echo(f"subject:  {item['mail_subject']}")
    if item["reviewed_at"] is not None:
        click.echo(f"settled:  {item['reviewed_at']:%Y-%m-%d %H:%M}")
    document = item["document"]
    if document is not None:
        click.echo(f"document: {document['filename']} ({document['label']})")
        for line in document["lines"]:
            click.echo(f"  {line['label']}: {line['value']}")
    if item["detalle"]:
        click.echo(f"detail:   {item['detalle']}")
    click.echo("words:    " + ", ".join(w["word"] for w in item["words"]))
    files = review_mails.document_files(session, app.blobs, decision)
    return [(name, data) for name, _type, data in files]


@review.command("settle")
@click.argument("item_id", metavar="ID")
@click.argument("word", nargs=-1, required=True)
@click.option("--note", default="", help="A note for the student, added to their reply.")
@_NOW
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def review_settle(
    app: App, item_id: str, word: tuple[str, ...], note: str, now: str | None, as_json: bool
) -> None:
    """Settle an item as staff would by mail: ACEPTADA, SIN SEGURO, AFILIADA, OTRO RÉGIMEN,
    OTRA INSTITUCIÓN, NUEVA CONSTANCIA, NO ES ALUMNO or REVISADO (accents optional)."""
    from daemon.domain.review_replies import ReviewWord, parse_review_reply
    from daemon.services.review_settlement import settle_review
    from daemon.store.db import require_current_schema, transaction

    ref = _review_ref(item_id)
    answer = parse_review_reply(" ".join(word))
    if answer is None or answer.note:
        choices = ", ".join(str(w) for w in ReviewWord)
        raise click.BadParameter(f"one of {choices}", param_hint="WORD")
    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        report = settle_review(
            session,
            ref,
            answer.word,
            note,
            actor=_actor(),
            now=moment,
            settings=app.settings,
            policy=app.policy,
            renderer=app.renderer,
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), default=str, ensure_ascii=False))
    else:
        state = "settled" if report.settled else "not settled"
        click.echo(f"{report.token} {state} with {report.word}")
        if report.recorded:
            click.echo(f"  recorded {report.recorded}")
        if report.reply:
            click.echo(f"  reply {report.reply} queued to {report.reply_to}")
        for problem in report.problems:
            click.echo(f"  {problem}")
    if not report.settled:
        sys.exit(1)


@review.command("done")
@click.argument("who", nargs=-1, required=True)
@_NOW
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def review_done(app: App, who: tuple[str, ...], now: str | None, as_json: bool) -> None:
    """Take students (matrícula) or senders (address) off the review queue."""
    from daemon.domain.digest import review_outcomes
    from daemon.services.procedure_actions import mark_reviewed
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    addresses = [w for w in who if "@" in w]
    with transaction(app.sessions) as session:
        report = mark_reviewed(
            session,
            [w for w in who if "@" not in w],
            addresses,
            outcomes=review_outcomes(app.policy),
            actor=_actor(),
            now=moment,
        )
    _print_report(report, as_json)


# --- views and previews -----------------------------------------------------------------


@click.command()
@click.argument("matricula")
@click.option("--json", "as_json", is_flag=True, help="The history as one JSON list.")
@click.pass_obj
def student(app: App, matricula: str, as_json: bool) -> None:
    """The whole history of one student: decisions, staff actions, mails."""
    from daemon.services.procedure_actions import load_cases, student_history
    from daemon.services.reports import local_time
    from daemon.store.db import require_current_schema, transaction

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        events = student_history(session, matricula)
        cases = load_cases(session, app.settings.tz, [matricula.strip().upper()])
    if not cases and not events:
        raise click.ClickException(f"no student {matricula}")
    if as_json:
        for event in events:
            event["at"] = local_time(event["at"], app.settings.tz)
        click.echo(json.dumps(events, default=str, ensure_ascii=False))
        return
    for case in cases:
        s = case.student
        click.echo(f"{s.matricula}  {s.nombre_completo}  {s.status}  {s.reply_address()}")
        click.echo(
            f"  documento: {case.on_file or '-'}"
            f"  alta: {local_time(case.alta.done_at, app.settings.tz) if case.alta else '-'}"
            f"  credencial: {case.delivered_on or ('impresa' if case.printed else '-')}"
        )
    for event in events:
        at = local_time(event["at"], app.settings.tz)
        click.echo(f"{at}  {event['event']}  {event['detail']}")


@click.command()
@_NOW
@click.option("--dry-run", is_flag=True, help="Print what is due; queue nothing.")
@click.pass_obj
def reminders(app: App, now: str | None, dry_run: bool) -> None:
    """Run the reminder sweep for a moment (default: now)."""
    from daemon.services.reminders import Mailing, sweep_in_chunks
    from daemon.store.db import require_current_schema

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    mailing = Mailing.from_app(app, moment)
    due = sweep_in_chunks(app.sessions, mailing, moment, dry_run=dry_run)
    from daemon.cli.columns import table

    if due:
        rows = [
            {
                "template": reminder.template,
                "matricula": reminder.matricula,
                "to": reminder.case.student.reply_address(),
                "key": reminder.key,
            }
            for reminder in due
        ]
        spec = (("template", "REMINDER"), ("matricula", "MATRÍCULA"), ("to", "TO"), ("key", "KEY"))
        click.echo(table(rows, spec))
    verb = "due" if dry_run else "queued"
    click.echo(f"{len(due)} {verb}", err=True)


@click.command()
@_NOW
@click.option("--dry-run", is_flag=True, help="Print the digest; queue nothing.")
@click.pass_obj
def digest(app: App, now: str | None, dry_run: bool) -> None:
    """Build the staff digest for a moment and queue it (or print it with --dry-run)."""
    from daemon.domain.calendar import local_date
    from daemon.services.digest import send_digest
    from daemon.services.reminders import Mailing
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    mailing = Mailing.from_app(app, moment)
    with transaction(app.sessions) as session:
        prepared = send_digest(session, mailing, moment, dry_run=dry_run, blobs=app.blobs)
    if dry_run:
        rendered = app.renderer.render(
            "digest", {**_base(app, local_date(moment, app.settings.tz)), **prepared.context}
        )
        click.echo(f"Subject: {rendered.subject}\n\n{rendered.text}")
        for name, _type, data in prepared.attachments:
            click.echo(f"--- {name}\n{data.decode()}")
    else:
        click.echo(f"digest queued to {', '.join(app.settings.staff.digest_recipients())}")


def _base(app: App, today: date) -> dict[str, object]:
    from daemon.mail.compose import base_context

    return base_context(app.policy, today)


@click.command()
@_NOW
@click.option("--dry-run", is_flag=True, help="Show what would be purged.")
@click.pass_obj
def purge(app: App, now: str | None, dry_run: bool) -> None:
    """Apply retention: FOR-24-01 waivers, FOR-24-02 delivery log, raw mails."""
    from daemon.services.purge import apply_purge, plan_purge
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        plan = plan_purge(session, app.policy, moment, app.settings.tz)
        if not dry_run and not plan.empty:
            apply_purge(session, plan, app.blobs, moment, _actor())
    from daemon.cli.columns import table

    rows = [{"what": name, "count": count} for name, count in plan.summary().items()]
    click.echo(table(rows, (("what", "WOULD PURGE" if dry_run else "PURGED"), ("count", "COUNT"))))
    if dry_run:
        click.echo("dry run: nothing was deleted", err=True)


@click.group()
def carnets() -> None:
    """Clinic cards (carnet de citas) students sent for the school's file."""


@carnets.command("export")
@click.pass_obj
def carnets_export(app: App) -> None:
    """CSV of students with a carnet on file (e.g. for a field trip list)."""
    from sqlalchemy import func, select

    from daemon.domain.calendar import local_date
    from daemon.domain.outcomes import Outcome
    from daemon.store.db import require_current_schema, transaction
    from daemon.store.schema import DecisionRow, StudentRow

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        rows = session.execute(
            select(StudentRow, func.max(DecisionRow.decided_at), func.max(DecisionRow.reviewed_at))
            .join(DecisionRow, DecisionRow.matricula == StudentRow.matricula)
            .where(DecisionRow.outcome == str(Outcome.CARNET_RECEIVED))
            .group_by(StudentRow.matricula)
            .order_by(StudentRow.matricula)
        ).all()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["matricula", "nombre", "programa", "estatus", "carnet_recibido", "carnet_revisado"]
    )
    tz = app.settings.tz
    for row, received, reviewed in rows:
        name = " ".join(p for p in (row.nombres, row.apellido_paterno, row.apellido_materno) if p)
        checked = local_date(reviewed, tz) if reviewed else ""
        received_on = local_date(received, tz)
        writer.writerow([row.matricula, name, row.programa, row.status, received_on, checked])
