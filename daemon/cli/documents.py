"""``afilia classify``: the intake's reading and classification, on files, without a mailbox.

Staff use it at the counter ("what would afilia answer to this PDF?"); scripts use it to
check a batch. Files are read in the same limited worker processes as the daemon's.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from daemon.domain.outcomes import ReadProblem

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.domain.classification import Decision
    from daemon.domain.facts import DocumentReading
    from daemon.domain.student import Student

_NOT_A_DOCUMENT = (ReadProblem.UNSAFE, ReadProblem.NO_TEXT)


def register(main: click.Group) -> None:
    """Add this module's commands to the ``afilia`` group."""
    main.add_command(classify_command)


@dataclass(frozen=True, slots=True)
class _RosterLookup:
    """Roster lookups through the configured database, or none when it has no roster."""

    app: App | None

    def session(self) -> AbstractContextManager[Any]:
        return self.app.sessions() if self.app else nullcontext(None)


@click.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", metavar="DATE", help="Date of receipt (YYYY-MM-DD); default today.")
@click.option(
    "--sender",
    metavar="EMAIL",
    help="Classify as if this address sent the files (default: the document's owner).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON lines).")
@click.pass_obj
def classify_command(
    app: App, files: tuple[Path, ...], today: str | None, sender: str | None, as_json: bool
) -> None:
    """Read constancias, renuncias and NSS acuses and say what afilia would decide.

    Prints, per file: the document kind, the fields read, the outcome, the reasons and
    the confidence (text layer or OCR). Zip files give one result per member. With a
    configured roster database, the sender and the document's CURP are looked up in it;
    without one, the document's owner is assumed to be an enrolled sender.
    Exit status 1 when a file does not exist.
    """
    from daemon.documents import DocumentReader, ReadLimits

    received = _received_on(app, today)
    missing = [path for path in files if not path.is_file()]
    for path in missing:
        click.echo(f"afilia: error: {path}: no such file", err=True)
    present = [path for path in files if path.is_file()]
    items = [(path.name, "", path.read_bytes()) for path in present]
    limits = ReadLimits.from_settings(app.settings.limits)
    with DocumentReader(limits, workers=min(len(items), 4) or 1) as reader:
        results = reader.read_many(items) if items else []
    lookup = _roster_lookup(app)
    with lookup.session() as session:
        for path, readings in zip(present, results, strict=True):
            for reading in readings:
                decision = _decide(app, session, reading, sender, received)
                _print(path, reading, decision, as_json)
    if missing:
        raise SystemExit(1)


def _received_on(app: App, today: str | None) -> date:
    if today is None:
        return datetime.now(app.settings.tz).date()
    try:
        return date.fromisoformat(today)
    except ValueError as err:
        raise click.BadParameter(
            f"{today!r} is not a date like 2026-11-18", param_hint="--today"
        ) from err


def _roster_lookup(app: App) -> _RosterLookup:
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from daemon.store.schema import StudentRow

    try:
        has_roster = inspect(app.engine).has_table(StudentRow.__tablename__)
    except SQLAlchemyError as err:
        click.echo(f"afilia: no roster (database unavailable: {type(err).__name__})", err=True)
        return _RosterLookup(None)
    if not has_roster:
        click.echo(
            "afilia: no roster (run 'afilia db upgrade' and 'afilia roster import'); "
            "assuming each document's owner sent it and is enrolled",
            err=True,
        )
        return _RosterLookup(None)
    return _RosterLookup(app)


def _decide(
    app: App, session: Any, reading: DocumentReading, sender: str | None, received: date
) -> Decision:
    from daemon.domain.classification import Case, Roster, classify
    from daemon.domain.facts import RenunciaFacts

    facts = reading.facts
    curp = getattr(facts, "curp", None)
    if session is None:
        owner = _owner_from_document(facts)
        roster = Roster(by_sender=owner, by_document=owner)
    else:
        from daemon.store.roster import find_by_curp, find_by_email, find_by_matricula

        by_document = find_by_curp(session, curp)
        if by_document is None and isinstance(facts, RenunciaFacts):
            by_document = find_by_matricula(session, facts.matricula)
        by_sender = find_by_email(session, sender) if sender else by_document
        roster = Roster(by_sender=by_sender, by_document=by_document)
    address = sender or (roster.by_sender.reply_address() if roster.by_sender else "")
    return classify(Case(reading, roster, address, received, app.policy))


def _owner_from_document(facts: object) -> Student | None:
    """A stand-in roster record for the person the document names (no roster configured)."""
    from daemon.domain.facts import ConstanciaFacts, NssAcuseFacts, RenunciaFacts
    from daemon.domain.identifiers import normalize_curp
    from daemon.domain.student import Student

    if isinstance(facts, ConstanciaFacts | NssAcuseFacts):
        if not facts.curp:
            return None
        return Student(
            matricula="(sin padrón)",
            curp=normalize_curp(facts.curp),
            nombres=facts.nombre or "",
            apellido_paterno="",
        )
    if isinstance(facts, RenunciaFacts):
        return Student(
            matricula=facts.matricula or "(sin padrón)",
            curp=normalize_curp(facts.curp or ""),
            nombres=facts.nombre or "",
            apellido_paterno="",
        )
    return None


def _print(path: Path, reading: DocumentReading, decision: Decision, as_json: bool) -> None:
    name = (
        str(path)
        if reading.filename == path.name
        else f"{path}/{reading.filename.split('/', 1)[-1]}"
    )
    record = {
        "file": name,
        "document": None if reading.problem in _NOT_A_DOCUMENT else str(reading.kind),
        "fields": reading.report_fields(),
        # where each field was read: label:inline|right|below|text, pattern, phrase,
        # cadena (+cadena when both agree), ocr:repaired, ocr:roster
        "sources": reading.field_sources(),
        "outcome": str(decision.outcome),
        "reasons": list(decision.reasons),
        "confidence": str(reading.confidence),
        "doubts": list(getattr(reading.facts, "doubts", ()) or ()),
        "tamper": list(reading.tamper),
    }
    if decision.missing:
        record["missing"] = list(decision.missing)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(f"{name}: {record['outcome']} ({record['document'] or 'no document'})")
    for reason in decision.reasons:
        click.echo(f"  - {reason}")
    sources = record["sources"]
    for key, value in record["fields"].items():
        if value not in (None, ""):
            where = f"  [{sources[key]}]" if key in sources else ""
            click.echo(f"    {key}: {value}{where}")
