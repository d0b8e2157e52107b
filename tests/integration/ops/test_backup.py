"""Backup, lose the data, restore, read it back: on SQLite and on PostgreSQL."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from daemon.backup import BackupError, backup_database, restore_database
from daemon.store.db import (
    current_revision,
    head_revision,
    make_engine,
    session_factory,
    transaction,
    upgrade,
)
from daemon.store.schema import AuditRow

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def _record(url: str, action: str) -> None:
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        session.add(AuditRow(at=NOW, actor="staff@ute.example.edu.mx", action=action, detail={}))
    engine.dispose()


def _actions(url: str) -> list[str]:
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        found = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    engine.dispose()
    return found


def test_backup_then_restore_brings_the_data_back(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    _record(database_url, "roster_import")
    _record(database_url, "alta_registered")

    (tmp_path / "backups").mkdir()
    done = backup_database(database_url, tmp_path / "backups" / "afilia.backup")
    assert done.size > 0
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600

    # Disaster: rows deleted after the backup, and the whole table dropped.
    _record(database_url, "after_the_backup")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_log"))
    engine.dispose()

    restore_database(database_url, done.path)
    assert _actions(database_url) == ["roster_import", "alta_registered"]
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_restoring_the_wrong_kind_of_file_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    _record(database_url, "kept")
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    with pytest.raises(BackupError, match="is not a"):
        restore_database(database_url, bogus)
    assert _actions(database_url) == ["kept"]


def test_the_cli_backs_up_and_restores_the_configured_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from daemon.cli import main
    from tests.integration.ops.setups import write_config

    config = write_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'state' / 'afilia.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(config), "db", "upgrade"]).exit_code == 0
    _record(url, "before")
    backup = tmp_path / "afilia-2026-11-18.sqlite"
    made = runner.invoke(main, ["--config", str(config), "db", "backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert f"backup written to {backup}" in made.output
    _record(url, "after")
    restored = runner.invoke(main, ["--config", str(config), "db", "restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert _actions(url) == ["before"]
    missing = tmp_path / "typo" / "afilia.sqlite"
    refused = runner.invoke(main, ["--config", str(config), "db", "backup", str(missing)])
    assert refused.exit_code != 0
    assert f"{missing.parent} does not exist: create it first" in refused.output
    assert not missing.parent.exists()
