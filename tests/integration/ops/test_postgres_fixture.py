"""The test PostgreSQL: a real server, a fresh database per test, same migrations as SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from daemon.store.db import head_revision, make_engine, require_current_schema, upgrade
from tests.servers.postgres import database_backend

pytestmark = pytest.mark.integration


@pytest.mark.postgres
def test_each_test_gets_an_empty_postgres_database(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select version()")).scalar_one().startswith("PostgreSQL")
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_migrations_bring_an_empty_database_to_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        require_current_schema(engine)
        with engine.connect() as conn:
            version = conn.execute(text("select version_num from alembic_version")).scalar_one()
        assert version == head_revision()
        assert "outbox" in inspect(engine).get_table_names()
        assert database_backend(database_url) in {"sqlite", "postgresql"}
    finally:
        engine.dispose()
