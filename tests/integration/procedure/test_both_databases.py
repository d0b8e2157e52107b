"""The procedure on SQLite and on PostgreSQL (production): migration 0002 and the use cases.

Each test runs twice through ``database_url``; ``-m "not postgres"`` keeps the SQLite half.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from daemon.store.db import make_engine, upgrade
from daemon.store.schema import Base
from tests.fixtures.documents import insured_here
from tests.integration.procedure.campus import (
    Campus,
    at,
    carnet_photo,
    constancia_mail,
    matriculas,
    request_mail,
    roster_rows,
)
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]

pytestmark = pytest.mark.integration

PROCEDURE_TABLES = {"procedure_actions", "credential_batches", "credential_prints"}
D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)


def test_migration_0002_creates_the_procedure_tables_as_the_models_say(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        assert not PROCEDURE_TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= PROCEDURE_TABLES
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        ours = [d for d in drift if PROCEDURE_TABLES & set(_tables_named(d))]
        assert ours == []
    finally:
        engine.dispose()


def _tables_named(diff: object) -> list[str]:
    """Table names an autogenerate diff entry mentions (entries nest tuples and lists)."""
    if isinstance(diff, str):
        return [diff]
    if isinstance(diff, list | tuple):
        return [name for item in diff for name in _tables_named(item)]
    name = getattr(diff, "name", None)
    table = getattr(diff, "table", None)
    found = [getattr(table, "name", "")] if table is not None else []
    return [*found, name] if isinstance(name, str) else found


def test_the_procedure_runs_the_same_on_both_databases(database_url: str, tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "tec-carnet", database_url=database_url)
    try:
        _run_a_short_term(campus)
    finally:
        campus.close()


def _run_a_short_term(campus: Campus) -> None:
    not_insured, insured, silent = (
        roster_rows(3, seed=19),
        roster_rows(2, seed=19, first=3),
        roster_rows(2, seed=19, first=5),
    )
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(not_insured + insured + silent, at(D(2026, 8, 20), 10), term=TERM)
    students = campus.students
    campus.cli("reminders", now=at(START, 9))
    now = at(D(2026, 8, 25), 10)
    for m in matriculas(not_insured):
        campus.send(constancia_mail(students[m], now))
    for m in matriculas(insured):
        campus.send(constancia_mail(students[m], now, insured_here()))
    campus.intake(now)
    pending = campus.cli("altas", "pending").splitlines()
    assert sorted(line.split()[0] for line in pending[1:]) == sorted(matriculas(not_insured))
    campus.cli("altas", "done", *matriculas(not_insured), now=at(D(2026, 8, 26), 12))
    campus.cli("altas", "verified", *matriculas(not_insured), now=at(D(2026, 8, 27), 12))
    campus.cli("reminders", now=at(D(2026, 8, 28), 15))
    first = students[matriculas(not_insured)[0]]
    photo = (("carnet.jpg", carnet_photo(first)),)
    campus.send(request_mail(first, at(D(2026, 8, 29), 10), "Carnet", "Mi carnet.", photo))
    campus.intake(at(D(2026, 8, 29), 10))
    campus.cli(
        "credenciales", "printed", "--all", "--from", "2026-09-01", "--until", "2026-09-04",
        now=at(D(2026, 8, 31), 10),
    )  # fmt: skip
    campus.cli("credenciales", "delivered", first.matricula, now=at(D(2026, 9, 1), 10))
    campus.cli("digest", now=at(D(2026, 9, 2), 7, 30))

    received = campus.received()
    for m in matriculas(not_insured):
        templates = [template for _day, template in received[m]]
        assert templates[:4] == [
            "request_constancia",
            "accepted_not_insured",
            "alta_done",
            "carnet_reminder",
        ]
        assert "credential_pickup" in templates
    assert [t for _d, t in received[matriculas(silent)[0]]] == [
        "request_constancia",
        "request_constancia_reminder",
    ]
    digest = campus.digest_text(D(2026, 9, 2))
    assert "CREDENCIALES POR ENTREGAR (4)" in digest
    assert "2026-AGO-DIC: 1 de 5 (20.0 %)" in digest
    exported = list(csv.DictReader(io.StringIO(campus.cli("carnets", "export"))))
    assert [(row["matricula"], row["carnet_recibido"]) for row in exported] == [
        (first.matricula, "2026-08-29")
    ]
    history = campus.cli("student", first.matricula)
    assert "alta_done" in history
    assert "delivered" in history
    purge = campus.cli("purge", "--dry-run", "--now", "2027-10-01T12:00")
    assert ["raw_mails", "5"] in [line.split() for line in purge.splitlines()]  # the carnet
    # came after the cutoff
