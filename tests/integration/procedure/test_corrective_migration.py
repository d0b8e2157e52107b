"""Migration 0004 (PAB-24 paso 12 corrective actions) on SQLite and on PostgreSQL, up from
0003, matching the model."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from daemon.store.db import make_engine, upgrade
from daemon.store.schema import Base
from tests.integration.procedure.test_both_databases import _tables_named
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]

pytestmark = pytest.mark.integration


def test_migration_0004_creates_the_corrective_actions_table_as_the_model_says(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        assert "corrective_actions" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert "corrective_actions" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in drift if "corrective_actions" in _tables_named(d)] == []
    finally:
        engine.dispose()
