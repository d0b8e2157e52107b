"""A migrated database (SQLite and PostgreSQL) and an afilia config around a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from daemon.store.db import make_engine, session_factory, transaction, upgrade
from daemon.store.schema import TermRow
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]

TERMS = (
    ("2026-MAY-AGO", date(2026, 5, 4), date(2026, 8, 21)),
    ("2026-SEP-DIC", date(2026, 9, 1), date(2026, 12, 18)),
)


def add_terms(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        session.add_all(TermRow(name=n, starts_on=s, ends_on=e) for n, s, e in TERMS)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    add_terms(factory)
    return factory


def write_config(root: Path) -> Path:
    config = root / "config.toml"
    config.write_text(
        'state_dir = "var"\n'
        "[school]\n"
        'name = "Universidad Tecnológica de Ejemplo"\n'
        'address = "servicios.estudiantiles@ute.example.edu.mx"\n'
        'registros_patronales = ["Y5410123108"]\n'
        'timezone = "America/Mexico_City"\n'
        "[database]\n"
        'url = "sqlite:///var/afilia.db"\n'
        "[[mailboxes]]\n"
        'kind = "maildir"\n'
        'name = "local"\n'
        'path = "var/mail"\n'
        "[outgoing.transport]\n"
        'kind = "maildir"\n'
        'path = "var/outbox"\n',
        encoding="utf-8",
    )
    return config
