"""Migrations 0005 (PAB-24 paso 12 corrective actions) and 0006 (altas announced before
paso 5's portal check) on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from daemon.store.db import make_engine, upgrade
from daemon.store.schema import Base
from tests.integration.procedure.test_both_databases import _tables_named
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]

pytestmark = pytest.mark.integration


def test_migration_0005_creates_the_corrective_actions_table_as_the_model_says(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0004")
        assert "corrective_actions" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert "corrective_actions" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in drift if "corrective_actions" in _tables_named(d)] == []
    finally:
        engine.dispose()


def test_migration_0006_altas_announced_before_the_portal_check_count_as_verified(
    database_url: str,
) -> None:
    """Paso 5 came with 0006: an alta whose notice already went out must not be listed for
    verification (nor announced again); one never announced still waits for the check."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0005")
        moment = datetime(2026, 5, 12, 17, tzinfo=UTC)
        with engine.begin() as connection:
            for matricula in ("UTE2026001", "UTE2026002"):
                connection.execute(
                    text(
                        "INSERT INTO procedure_actions (matricula, kind, at, actor, note)"
                        " VALUES (:m, 'alta_done', :at, 'jefa', '')"
                    ),
                    {"m": matricula, "at": moment},
                )
            announced = connection.execute(
                text("SELECT id FROM procedure_actions WHERE matricula = 'UTE2026001'")
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO outbox (message_id, dedupe_key, purpose, template, recipient,"
                    " subject, raw, status, attempts, created_at, next_attempt_at, last_error)"
                    " VALUES ('<m1@x>', :key, 'notice', 'alta_done',"
                    " 'a@x', 's', :raw, 'sent', 1, :at, :at, '')"
                ),
                {"key": f"alta_done:UTE2026001:{announced}", "raw": b"x", "at": moment},
            )
        upgrade(engine)
        with engine.connect() as connection:
            verified = connection.execute(
                text("SELECT matricula FROM procedure_actions WHERE kind = 'alta_verified'")
            ).all()
        assert [row[0] for row in verified] == ["UTE2026001"]
    finally:
        engine.dispose()
