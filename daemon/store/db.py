"""Engines, sessions and the schema-version check, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from daemon.errors import SchemaOutOfDateError, TransientError
from daemon.store.revision import MIGRATIONS_DIR, check_revision, head_revision

__all__ = ["MIGRATIONS_DIR", "check_revision", "head_revision"]

if TYPE_CHECKING:  # Alembic and the ORM are imported when used: 'afilia status' needs neither
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """SQLite gets WAL and a busy timeout so the CLI and the daemon can share the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not Path(database).exists():
                fd = os.open(database, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from pysqlite so BEGIN IMMEDIATE below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "afilia_read_only"  # execution option of ``reading`` sessions


def _sqlite_begin_immediate(connection: Any) -> None:
    # Writers queue on the lock at BEGIN instead of failing mid-transaction on upgrade.
    # A ``reading`` unit of work takes a snapshot instead (WAL): it neither waits for the
    # write lock nor holds it, however long it reads.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN DEFERRED")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    Database connection errors become TransientError so the loops retry later.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except OperationalError as err:
        session.rollback()
        raise TransientError(f"database unavailable: {err.orig}") from err
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work (a consistent snapshot), rolled back at the end.

    For long reads (the reminder sweep's decision over the whole roster, the digest): on
    SQLite they would otherwise hold the single write lock for as long as they read.
    """
    session = factory(execution_options={READ_ONLY: True})
    try:
        yield session
    except OperationalError as err:
        raise TransientError(f"database unavailable: {err.orig}") from err
    finally:
        session.rollback()
        session.close()


def database_now(session: Session) -> datetime:
    """The database server's clock (UTC): the one clock every afilia process shares, for
    leases that several processes, maybe on several hosts, compare."""
    if session.get_bind().dialect.name == "sqlite":
        text = session.execute(sql_text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar()
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    moment = session.execute(sql_text("SELECT clock_timestamp()")).scalar()
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC)


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (Alembic's table), None when empty."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(sql_text("SELECT version_num FROM alembic_version")).all()
    if len(versions) > 1:
        raise SchemaOutOfDateError(
            f"the database has several schema heads: {sorted(v[0] for v in versions)}"
        )
    return versions[0][0] if versions else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def require_current_schema(engine: Engine) -> None:
    try:
        current = current_revision(engine)
    except SQLAlchemyError as err:
        raise TransientError(f"cannot reach the database: {err}") from err
    check_revision(current)
