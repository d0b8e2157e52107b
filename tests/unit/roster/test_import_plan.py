"""The import plan: what the file adds and changes, decided without the database."""

from __future__ import annotations

from pathlib import Path

from daemon.roster_file import RosterEntry, RowProblem, read_roster
from daemon.services.roster_import import TermLink, plan_import, screen_lines
from tests.fixtures.roster import ESTATUS, MATRICULA, roster_students, write_roster_csv

SEPT = TermLink(id=2, name="2026-SEP-DIC")
MAY = TermLink(id=1, name="2026-MAY-AGO")
TERM_NAMES = {1: MAY.name, 2: SEPT.name}


def _entries(tmp_path: Path, rows: list[dict[str, str]]) -> list[RosterEntry]:
    entries, rejected = screen_lines(read_roster(write_roster_csv(tmp_path / "r.csv", rows)))
    assert rejected == []
    return entries


def _stored(entry: RosterEntry, term_id: int | None = None, **changes: object) -> dict[str, object]:
    return {"matricula": entry.matricula, **entry.stated(), "term_id": term_id, **changes}


def test_new_students_are_added_linked_to_the_term(tmp_path: Path) -> None:
    entries = _entries(tmp_path, roster_students(3, seed=1))

    plan = plan_import(entries, {}, {}, term=SEPT, term_names=TERM_NAMES)

    assert [row["matricula"] for row in plan.added] == [e.matricula for e in entries]
    assert {row["term_id"] for row in plan.added} == {SEPT.id}
    assert plan.changed == ()
    assert plan.unchanged == 0


def test_a_student_on_leave_in_the_new_file_changes_only_in_status(tmp_path: Path) -> None:
    rows = roster_students(2, seed=1)
    rows[0][ESTATUS] = "ACTIVO"
    entries = _entries(tmp_path, rows)
    stored = {e.matricula: _stored(e, SEPT.id) for e in entries}
    rows[0][ESTATUS] = "BAJA TEMPORAL"
    on_leave = _entries(tmp_path, rows)

    plan = plan_import(on_leave, stored, {}, term=SEPT, term_names=TERM_NAMES)

    assert plan.added == ()
    assert [(c.matricula, dict(c.fields)) for c in plan.changed] == [
        (entries[0].matricula, {"status": ("ACTIVO", "BAJA TEMPORAL")})
    ]
    assert plan.unchanged == 1


def test_a_new_term_relinks_students_and_says_so_by_name(tmp_path: Path) -> None:
    entries = _entries(tmp_path, roster_students(1, seed=1))
    stored = {e.matricula: _stored(e, MAY.id) for e in entries}

    plan = plan_import(entries, stored, {}, term=SEPT, term_names=TERM_NAMES)

    assert dict(plan.changed[0].fields) == {"term": (MAY.name, SEPT.name)}


def test_without_a_term_the_stored_link_is_kept(tmp_path: Path) -> None:
    entries = _entries(tmp_path, roster_students(1, seed=1))
    stored = {e.matricula: _stored(e, MAY.id) for e in entries}

    plan = plan_import(entries, stored, {}, term=None, term_names=TERM_NAMES)

    assert plan.unchanged == 1


def test_a_curp_already_stored_for_another_matricula_is_rejected(tmp_path: Path) -> None:
    entries = _entries(tmp_path, roster_students(1, seed=1))

    plan = plan_import(entries, {}, {entries[0].curp: "OTRA001"}, term=None, term_names={})

    assert plan.added == ()
    assert plan.rejected[0].problem is RowProblem.DUPLICATE_CURP
    assert "OTRA001" in plan.rejected[0].detail


def test_repeated_matricula_or_curp_in_the_file_keeps_the_first_row(tmp_path: Path) -> None:
    rows = roster_students(3, seed=1)
    rows.append(dict(rows[0]))
    rows.append({**rows[1], MATRICULA: "UTE_OTRA"})
    sheet = read_roster(write_roster_csv(tmp_path / "r.csv", rows))

    entries, rejected = screen_lines(sheet)

    assert [e.row for e in entries] == [2, 3, 4]
    assert [(r.row, r.problem) for r in rejected] == [
        (5, RowProblem.DUPLICATE_MATRICULA),
        (6, RowProblem.DUPLICATE_CURP),
    ]
    assert rejected[0].detail == "already on row 2"
