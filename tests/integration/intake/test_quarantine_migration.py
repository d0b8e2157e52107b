"""Migration 0003 (the quarantine table) on SQLite and on PostgreSQL, up from 0002."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from daemon.store.db import make_engine, upgrade
from daemon.store.schema import Base
from tests.integration.procedure.test_both_databases import _tables_named

pytestmark = pytest.mark.integration


def test_migration_0003_creates_the_quarantine_table_as_the_model_says(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        assert "quarantine" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert "quarantine" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in drift if "quarantine" in _tables_named(d)] == []
    finally:
        engine.dispose()
