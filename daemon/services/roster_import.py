"""Import the registrar's roster: an idempotent upsert that never loses a good row.

The same use case takes the full roster at term start and, 20 business days later, the
leave/withdrawal list (PAB-24): both are rows of students with a status, and a column the
file lacks (a baja list has no emails) leaves the stored value alone. Students absent from
the file are kept and only counted: a partial list must never delete anyone.

Bad rows are rejected one by one with their spreadsheet row number, and the rest go in.
The work is a pure plan (``plan_import``) over what the file says and what the database
holds, fetched in a few batched queries, then written with bulk INSERT/UPDATE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from daemon.errors import AfiliaError
from daemon.roster_file import (
    COLUMN_LABELS,
    RosterColumn,
    RosterEntry,
    RosterSheet,
    RowProblem,
    RowRejection,
    parse_line,
)
from daemon.store.roster import STUDENT_COLUMNS
from daemon.store.schema import AuditRow, StudentRow, TermRow

AUDIT_ACTION = "roster_import"
_BATCH = 500  # ids per IN (...) query and rows per bulk statement
# every roster column a re-import compares; the matrícula is the key, not compared
_COMPARED = tuple(column for column in STUDENT_COLUMNS if column != "matricula")
_DEFAULTS: dict[str, Any] = {
    "apellido_materno": "",
    "email_institucional": "",
    "email_personal": "",
    "programa": "",
    "term_number": 1,
    "new_entry": False,
    "enrolled_on": None,
}
_OPTIONAL_COLUMNS = (
    RosterColumn.APELLIDO_MATERNO,
    RosterColumn.EMAIL_INSTITUCIONAL,
    RosterColumn.EMAIL_PERSONAL,
    RosterColumn.PROGRAMA,
    RosterColumn.TERM_NUMBER,
    RosterColumn.NEW_ENTRY,
    RosterColumn.ENROLLED_ON,
)
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


class UnknownTermError(AfiliaError):
    """``--term NAME`` names no term; the message lists the ones that exist."""


@dataclass(frozen=True, slots=True)
class StudentChange:
    matricula: str
    fields: Mapping[str, tuple[Any, Any]]  # field -> (stored before, from the file)


@dataclass(frozen=True, slots=True)
class TermLink:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ImportPlan:
    added: tuple[dict[str, Any], ...]
    changed: tuple[StudentChange, ...]
    unchanged: int
    rejected: tuple[RowRejection, ...]


@dataclass(frozen=True, slots=True)
class RosterImportReport:
    source: str
    file_format: str
    rows: int
    added: tuple[str, ...]
    changed: tuple[StudentChange, ...]
    unchanged: int
    rejected: tuple[RowRejection, ...]
    not_in_file: int
    term: str | None
    columns_absent: tuple[str, ...]
    dry_run: bool

    def changed_fields(self) -> dict[str, int]:
        """How many students changed in each field ("status": 31)."""
        counts: dict[str, int] = {}
        for change in self.changed:
            for name in change.fields:
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.file_format,
            "dry_run": self.dry_run,
            "term": self.term,
            "rows": self.rows,
            "added": list(self.added),
            "changed": [
                {"matricula": c.matricula, "fields": {k: list(v) for k, v in c.fields.items()}}
                for c in self.changed
            ],
            "changed_fields": self.changed_fields(),
            "unchanged": self.unchanged,
            "rejected": [
                {
                    "row": r.row,
                    "matricula": r.matricula,
                    "problem": str(r.problem),
                    "detail": r.detail,
                }
                for r in self.rejected
            ],
            "not_in_file": self.not_in_file,
            "columns_absent": list(self.columns_absent),
        }


def import_roster(
    session: Session,
    sheet: RosterSheet,
    *,
    source: str,
    today: date,
    now: datetime,
    actor: str,
    term_name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterImportReport:
    """Upsert every good row of ``sheet`` and link it to the term of ``today`` (or ``term_name``).

    With ``dry_run`` nothing is written; the report says what would happen.
    """
    report_progress = progress or (lambda _stage, _done, _total: None)
    term = resolve_term(session, today, term_name)
    entries, rejected = screen_lines(sheet, report_progress)
    file_ids = {r.matricula for r in rejected if r.matricula} | {e.matricula for e in entries}
    stored = _stored_students(session, file_ids)
    curp_owners = _curp_owners(session, {e.curp for e in entries})
    term_names = {t.id: t.name for t in session.execute(select(TermRow.id, TermRow.name))}
    plan = plan_import(
        entries,
        stored,
        curp_owners,
        term=term,
        term_names=term_names,
    )
    total_stored = session.scalar(select(func.count()).select_from(StudentRow)) or 0
    if not dry_run:
        _write(session, plan, term, now, report_progress)
    report = RosterImportReport(
        source=source,
        file_format=sheet.file_format,
        rows=len(sheet.lines),
        added=tuple(row["matricula"] for row in plan.added),
        changed=plan.changed,
        unchanged=plan.unchanged,
        rejected=tuple(sorted((*rejected, *plan.rejected), key=lambda r: r.row)),
        not_in_file=total_stored - len(stored),
        term=term.name if term else None,
        columns_absent=tuple(COLUMN_LABELS[c] for c in _OPTIONAL_COLUMNS if c not in sheet.columns),
        dry_run=dry_run,
    )
    if not dry_run:
        session.add(AuditRow(at=now, actor=actor, action=AUDIT_ACTION, detail=_audit(report)))
    return report


def resolve_term(session: Session, today: date, term_name: str | None) -> TermLink | None:
    """The named term, else the one whose dates contain ``today`` (latest start), else none."""
    if term_name is not None:
        row = session.execute(
            select(TermRow.id, TermRow.name).where(TermRow.name == term_name)
        ).first()
        if row is None:
            known = ", ".join(session.scalars(select(TermRow.name).order_by(TermRow.starts_on)))
            raise UnknownTermError(
                f"no term named '{term_name}' (terms: {known or 'none yet; add one first'})"
            )
        return TermLink(row.id, row.name)
    row = session.execute(
        select(TermRow.id, TermRow.name)
        .where(TermRow.starts_on <= today, TermRow.ends_on >= today)
        .order_by(TermRow.starts_on.desc())
    ).first()
    return TermLink(row.id, row.name) if row else None


def screen_lines(
    sheet: RosterSheet, progress: Progress | None = None
) -> tuple[list[RosterEntry], list[RowRejection]]:
    """Parse every row; reject bad values and repeats of a matrícula or CURP already seen.

    The first row of a matrícula wins; later ones are rejected naming it, so staff can
    fix the file without guessing which of the two was taken.
    """
    entries: list[RosterEntry] = []
    rejected: list[RowRejection] = []
    first_row_of: dict[str, int] = {}
    curp_rows: dict[str, int] = {}
    total = len(sheet.lines)
    for done, line in enumerate(sheet.lines, start=1):
        parsed = parse_line(line)
        matricula = parsed.matricula
        if matricula and matricula in first_row_of:
            rejected.append(
                RowRejection(
                    line.number,
                    matricula,
                    RowProblem.DUPLICATE_MATRICULA,
                    f"already on row {first_row_of[matricula]}",
                )
            )
            continue
        if matricula:
            first_row_of[matricula] = line.number
        if isinstance(parsed, RowRejection):
            rejected.append(parsed)
        elif parsed.curp in curp_rows:
            rejected.append(
                RowRejection(
                    line.number,
                    matricula,
                    RowProblem.DUPLICATE_CURP,
                    f"the same CURP is on row {curp_rows[parsed.curp]}",
                )
            )
        else:
            curp_rows[parsed.curp] = line.number
            entries.append(parsed)
        if progress and (done % 2000 == 0 or done == total):
            progress("checking rows", done, total)
    return entries, rejected


def plan_import(
    entries: Sequence[RosterEntry],
    stored: Mapping[str, Mapping[str, Any]],
    curp_owners: Mapping[str, str],
    *,
    term: TermLink | None,
    term_names: Mapping[int, str],
) -> ImportPlan:
    """What to insert and update, decided from the file and the stored rows alone.

    ``stored`` maps matrícula to the stored student's fields; ``curp_owners`` maps each
    CURP of the file that is already stored to its student's matrícula.
    """
    added: list[dict[str, Any]] = []
    changed: list[StudentChange] = []
    rejected: list[RowRejection] = []
    unchanged = 0
    for entry in entries:
        owner = curp_owners.get(entry.curp)
        if owner is not None and owner != entry.matricula:
            rejected.append(
                RowRejection(
                    entry.row,
                    entry.matricula,
                    RowProblem.DUPLICATE_CURP,
                    f"this CURP already belongs to matrícula {owner}",
                )
            )
            continue
        stated = entry.stated()
        if term is not None:
            stated["term_id"] = term.id
        before = stored.get(entry.matricula)
        if before is None:
            added.append({"matricula": entry.matricula, **_DEFAULTS, **stated})
            continue
        differences = {
            name: (before[name], value) for name, value in stated.items() if before[name] != value
        }
        if not differences:
            unchanged += 1
            continue
        if "term_id" in differences:
            old, new = differences.pop("term_id")
            differences["term"] = (term_names.get(old) if old else None, term_names.get(new))
        changed.append(StudentChange(entry.matricula, differences))
    return ImportPlan(tuple(added), tuple(changed), unchanged, tuple(rejected))


def _chunks(items: Iterable[T], size: int = _BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stored_students(session: Session, matriculas: set[str]) -> dict[str, dict[str, Any]]:
    wanted = [getattr(StudentRow, name) for name in ("matricula", *_COMPARED, "term_id")]
    found: dict[str, dict[str, Any]] = {}
    for batch in _chunks(sorted(matriculas)):
        for row in session.execute(select(*wanted).where(StudentRow.matricula.in_(batch))):
            found[row.matricula] = row._asdict()
    return found


def _curp_owners(session: Session, curps: set[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for batch in _chunks(sorted(curps)):
        query = select(StudentRow.curp, StudentRow.matricula).where(StudentRow.curp.in_(batch))
        owners.update({curp: matricula for curp, matricula in session.execute(query)})
    return owners


def _write(
    session: Session, plan: ImportPlan, term: TermLink | None, now: datetime, progress: Progress
) -> None:
    total = len(plan.added) + len(plan.changed)
    done = 0
    for batch in _chunks(plan.added):
        session.execute(
            insert(StudentRow), [{**row, "created_at": now, "updated_at": now} for row in batch]
        )
        done += len(batch)
        progress("writing", done, total)
    for changes in _chunks(plan.changed):
        rows = []
        for change in changes:
            values = {name: new for name, (_old, new) in change.fields.items() if name != "term"}
            if "term" in change.fields and term is not None:
                values["term_id"] = term.id
            rows.append({"matricula": change.matricula, **values, "updated_at": now})
        session.execute(update(StudentRow), rows)
        done += len(changes)
        progress("writing", done, total)


def _audit(report: RosterImportReport) -> dict[str, Any]:
    """The record of an import: counts, which students changed in which fields, and why
    rows were refused (row numbers and reasons, no personal data)."""
    return {
        "source": report.source,
        "format": report.file_format,
        "term": report.term,
        "rows": report.rows,
        "added": len(report.added),
        "changed": {c.matricula: sorted(c.fields) for c in report.changed},
        "status_changes": {
            c.matricula: list(c.fields["status"]) for c in report.changed if "status" in c.fields
        },
        "unchanged": report.unchanged,
        "rejected": [
            {"row": r.row, "matricula": r.matricula, "problem": str(r.problem)}
            for r in report.rejected
        ],
        "not_in_file": report.not_in_file,
    }
