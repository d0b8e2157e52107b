"""``afilia status`` on a SQLite file reads with sqlite3 alone: the same summary as through
SQLAlchemy, the same refusal of an out-of-date schema, and no SQLAlchemy loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from daemon.config import load_settings
from daemon.errors import SchemaOutOfDateError
from daemon.health_summary import health_summary, status_summary
from daemon.store.db import make_engine, session_factory, upgrade
from tests.integration.ops.setups import write_config
from tests.integration.ops.test_status_and_metrics import MEXICO, NOW, _populate

pytestmark = pytest.mark.integration


def _no_engine() -> None:
    raise AssertionError("a SQLite file is read without an engine")


def test_sqlite_status_says_what_the_engine_says(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    engine = make_engine(settings.database_url())
    upgrade(engine)
    _populate(session_factory(engine))
    names = [m.name for m in settings.mailboxes]
    assert status_summary(settings, NOW, _no_engine) == health_summary(engine, NOW, MEXICO, names)
    engine.dispose()


def test_sqlite_status_refuses_an_old_or_missing_schema(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    with pytest.raises(SchemaOutOfDateError, match="empty database"):
        status_summary(settings, NOW, _no_engine)
    engine = make_engine(settings.database_url())
    upgrade(engine, "0006")
    with pytest.raises(SchemaOutOfDateError, match="schema is at 0006"):
        status_summary(settings, NOW, _no_engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(SchemaOutOfDateError, match="empty database"):
        status_summary(settings, NOW, _no_engine)
    engine.dispose()


def test_afilia_status_on_sqlite_loads_no_sqlalchemy(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    engine = make_engine(load_settings(config).database_url())
    upgrade(engine)
    engine.dispose()
    probe = (
        "import json, sys\n"
        "from daemon.cli import main\n"
        "try:\n"
        f"    main(['--config', {str(config)!r}, 'status'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert "Outbox: 0 pending" in done.stdout
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "sqlalchemy" not in loaded
