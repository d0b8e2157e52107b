"""The roster import against a real database: term start roster, then the baja list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.roster_file import RowProblem, read_roster
from daemon.services.roster_import import (
    AUDIT_ACTION,
    RosterImportReport,
    UnknownTermError,
    import_roster,
)
from daemon.store.db import transaction
from daemon.store.roster import find_by_matricula
from daemon.store.schema import AuditRow, StudentRow, TermRow
from tests.fixtures.roster import (
    CURP,
    EMAIL_PERSONAL,
    ESTATUS,
    MATERNO,
    MATRICULA,
    NOMBRES,
    PATERNO,
    roster_students,
    write_roster_csv,
    write_roster_xlsx,
)

pytestmark = pytest.mark.integration

TERM_START = date(2026, 9, 1)
NOW = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)


def _import(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    today: date = TERM_START,
    term_name: str | None = None,
    dry_run: bool = False,
) -> RosterImportReport:
    with transaction(sessions) as session:
        return import_roster(
            session,
            read_roster(path),
            source=path.name,
            today=today,
            now=NOW,
            actor="cli:test",
            term_name=term_name,
            dry_run=dry_run,
        )


def _term_of(sessions: sessionmaker[Session], matricula: str) -> str | None:
    with transaction(sessions) as session:
        return session.scalar(
            select(TermRow.name)
            .join(StudentRow, StudentRow.term_id == TermRow.id)
            .where(StudentRow.matricula == matricula)
        )


def test_term_start_roster_is_stored_and_linked_to_the_current_term(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(50, seed=7)
    path = write_roster_xlsx(tmp_path / "inscritos.xlsx", rows)

    report = _import(sessions, path)

    assert len(report.added) == 50
    assert report.rejected == ()
    assert report.term == "2026-SEP-DIC"
    assert _term_of(sessions, rows[0][MATRICULA]) == "2026-SEP-DIC"
    with transaction(sessions) as session:
        student = find_by_matricula(session, rows[0][MATRICULA])
    assert student is not None
    assert student.curp == rows[0][CURP]
    assert student.nombre_completo == f"{rows[0][NOMBRES]} {rows[0][PATERNO]} {rows[0][MATERNO]}"


def test_importing_the_same_file_twice_changes_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_roster_csv(tmp_path / "inscritos.csv", roster_students(30, seed=8))
    _import(sessions, path)

    again = _import(sessions, path)

    assert (len(again.added), len(again.changed), again.unchanged) == (0, 0, 30)


def test_bad_rows_are_listed_and_the_rest_is_imported(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(10, seed=9)
    rows[2][CURP] = rows[2][CURP][:-1] + ("0" if rows[2][CURP][-1] != "0" else "1")
    rows[4][ESTATUS] = "EGRESADO"
    rows.append(dict(rows[6]))  # the same student twice
    path = write_roster_csv(tmp_path / "inscritos.csv", rows, encoding="cp1252", delimiter=";")

    report = _import(sessions, path)

    assert [(r.row, r.problem) for r in report.rejected] == [
        (4, RowProblem.INVALID_CURP),
        (6, RowProblem.UNKNOWN_STATUS),
        (12, RowProblem.DUPLICATE_MATRICULA),
    ]
    assert len(report.added) == 8
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(StudentRow)) == 8


def test_the_leave_list_changes_statuses_and_keeps_everything_else(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(20, seed=10)
    for row in rows:
        row[ESTATUS] = "ACTIVO"
    _import(sessions, write_roster_csv(tmp_path / "inscritos.csv", rows))
    bajas = [
        {MATRICULA: rows[3][MATRICULA], CURP: rows[3][CURP], NOMBRES: rows[3][NOMBRES],
         PATERNO: rows[3][PATERNO], ESTATUS: "Baja temporal"},
        {MATRICULA: rows[5][MATRICULA], CURP: rows[5][CURP], NOMBRES: rows[5][NOMBRES],
         PATERNO: rows[5][PATERNO], ESTATUS: "BAJA DEFINITIVA"},
    ]  # fmt: skip

    report = _import(
        sessions, write_roster_csv(tmp_path / "bajas.csv", bajas), today=date(2026, 9, 29)
    )

    assert [(c.matricula, dict(c.fields)) for c in report.changed] == [
        (rows[3][MATRICULA], {"status": ("ACTIVO", "BAJA TEMPORAL")}),
        (rows[5][MATRICULA], {"status": ("ACTIVO", "BAJA DEFINITIVA")}),
    ]
    assert report.not_in_file == 18
    assert "Correo personal" in report.columns_absent
    with transaction(sessions) as session:
        student = find_by_matricula(session, rows[3][MATRICULA])
        assert session.scalar(select(func.count()).select_from(StudentRow)) == 20
    assert student is not None
    assert student.email_personal == rows[3][EMAIL_PERSONAL]
    assert student.apellido_materno == rows[3][MATERNO]


def test_a_student_missing_from_a_later_roster_is_kept_and_counted(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(5, seed=11)
    _import(sessions, write_roster_csv(tmp_path / "a.csv", rows))

    report = _import(sessions, write_roster_csv(tmp_path / "b.csv", rows[1:]))

    assert report.not_in_file == 1
    with transaction(sessions) as session:
        assert find_by_matricula(session, rows[0][MATRICULA]) is not None


def test_a_chosen_term_wins_and_an_unknown_one_is_refused(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_roster_csv(tmp_path / "a.csv", roster_students(3, seed=12))

    with pytest.raises(UnknownTermError, match="2026-MAY-AGO, 2026-SEP-DIC"):
        _import(sessions, path, term_name="2027-ENE-ABR")
    report = _import(sessions, path, term_name="2026-MAY-AGO")

    assert report.term == "2026-MAY-AGO"


def test_outside_every_term_students_are_not_linked(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(2, seed=13)

    report = _import(sessions, write_roster_csv(tmp_path / "a.csv", rows), today=date(2026, 8, 25))

    assert report.term is None
    assert _term_of(sessions, rows[0][MATRICULA]) is None


def test_a_dry_run_writes_nothing(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    report = _import(
        sessions, write_roster_csv(tmp_path / "a.csv", roster_students(4, seed=14)), dry_run=True
    )

    assert len(report.added) == 4
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(StudentRow)) == 0
        assert session.scalar(select(func.count()).select_from(AuditRow)) == 0


def test_each_import_is_recorded_in_the_audit_log_without_personal_data(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(3, seed=15)
    rows[1][CURP] = "XXXX000000XXXXXX00"
    _import(sessions, write_roster_csv(tmp_path / "a.csv", rows))

    with transaction(sessions) as session:
        audit = session.scalars(select(AuditRow)).one()

    assert (audit.action, audit.actor) == (AUDIT_ACTION, "cli:test")
    assert audit.detail["added"] == 2
    assert audit.detail["rejected"] == [
        {"row": 3, "matricula": rows[1][MATRICULA], "problem": "invalid_curp"}
    ]
    assert rows[0][CURP] not in str(audit.detail)


def test_a_curp_stored_for_another_matricula_is_rejected_not_overwritten(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = roster_students(2, seed=16)
    _import(sessions, write_roster_csv(tmp_path / "a.csv", rows))
    moved = [{**rows[0], MATRICULA: "UTE2026NUEVA"}]

    report = _import(sessions, write_roster_csv(tmp_path / "b.csv", moved))

    assert [r.problem for r in report.rejected] == [RowProblem.DUPLICATE_CURP]
    assert report.added == ()
