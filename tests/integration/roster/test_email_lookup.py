"""Sender lookups compare the stored (lowercased) emails, so the column indexes answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from daemon.store.db import make_engine, transaction, upgrade
from daemon.store.roster import find_by_email
from daemon.store.schema import StudentRow

pytestmark = pytest.mark.integration

NOW = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)


def _student(matricula: str, institucional: str, personal: str) -> dict[str, object]:
    return {
        "matricula": matricula,
        "curp": f"GOPA{matricula:0>14}"[:18],
        "nombres": "ANA",
        "apellido_paterno": "GÓMEZ",
        "email_institucional": institucional,
        "email_personal": personal,
        "status": "ACTIVO",
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_every_write_stores_emails_lowercased_and_lookups_ignore_case(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        session.execute(insert(StudentRow), [_student("A1", " Ana@Alumnos.Example.MX ", "")])
        session.add(StudentRow(**_student("A2", "", "Beto.Ruiz@Correo.Example.COM")))
    with sessions() as session:
        stored = session.execute(
            select(StudentRow.email_institucional, StudentRow.email_personal).order_by(
                StudentRow.matricula
            )
        ).all()
        assert [tuple(row) for row in stored] == [
            ("ana@alumnos.example.mx", ""),
            ("", "beto.ruiz@correo.example.com"),
        ]
        found = find_by_email(session, "ANA@alumnos.example.mx")
        assert found is not None
        assert found.matricula == "A1"
        found = find_by_email(session, "beto.ruiz@CORREO.example.com")
        assert found is not None
        assert found.matricula == "A2"
        assert find_by_email(session, "nadie@correo.example.com") is None
        assert find_by_email(session, "  ") is None


def test_the_sender_lookup_is_answered_by_the_email_indexes(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    sent: list[tuple[str, object]] = []

    def record(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
        sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    with sessions() as session:
        find_by_email(session, "ana@alumnos.example.mx")
    event.remove(engine, "before_cursor_execute", record)
    [(statement, params)] = [(s, p) for s, p in sent if "FROM students" in s]
    with engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        )
    assert "SCAN students" not in plan
    assert "ix_students_email_institucional" in plan
    assert "ix_students_email_personal" in plan


def test_migration_0007_lowercases_the_emails_already_stored(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            for matricula, inst, pers in (
                ("A1", "Ana@Alumnos.Example.MX", "ANA.G@Correo.Example.com"),
                ("A2", "beto@alumnos.example.mx", ""),
            ):
                connection.execute(
                    text(
                        "INSERT INTO students (matricula, curp, nombres, apellido_paterno, "
                        "apellido_materno, email_institucional, email_personal, programa, "
                        "term_number, status, new_entry, created_at, updated_at) VALUES "
                        "(:m, :c, 'ANA', 'GÓMEZ', '', :i, :p, '', 1, 'ACTIVO', false, :n, :n)"
                    ),
                    {"m": matricula, "c": f"CURP{matricula}", "i": inst, "p": pers, "n": NOW},
                )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT matricula, email_institucional, email_personal FROM students "
                    "ORDER BY matricula"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("A1", "ana@alumnos.example.mx", "ana.g@correo.example.com"),
            ("A2", "beto@alumnos.example.mx", ""),
        ]
    finally:
        engine.dispose()
