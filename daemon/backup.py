"""Consistent backups of a live database, and their restore.

SQLite: the online backup API copies a consistent snapshot while the daemon keeps writing
(copying the file with cp can catch it mid-transaction, and misses the WAL). PostgreSQL:
pg_dump's custom format, restored with pg_restore in one transaction. Backup files are
written 0600 and appear under their final name only once complete.

The password never goes on a command line (where ``ps`` shows it): libpq reads PGPASSWORD.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from daemon.errors import AfiliaError, ConfigError, PermanentError

_SQLITE_HEADER = b"SQLite format 3\x00"
_PGDUMP_HEADER = b"PGDMP"


class BackupKind(StrEnum):
    SQLITE = "sqlite online backup"
    PG_DUMP = "pg_dump custom format"


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    kind: BackupKind


class BackupError(PermanentError):
    """The backup or restore did not complete; the message says why."""


def backup_database(url: str, target: Path) -> BackupDone:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    target = target.resolve()
    if backend == "sqlite":
        _write_atomically(target, lambda temp: _sqlite_backup(_sqlite_path(parsed), temp))
        kind = BackupKind.SQLITE
    elif backend == "postgresql":
        _write_atomically(target, lambda temp: _pg_dump(parsed, temp))
        kind = BackupKind.PG_DUMP
    else:
        raise ConfigError(f"no backup method for database backend '{backend}'")
    return BackupDone(target, target.stat().st_size, kind)


def restore_database(url: str, source: Path) -> None:
    """Replace the database's contents with ``source``. The daemon must be stopped."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    header = _header(source)
    if backend == "sqlite":
        if not header.startswith(_SQLITE_HEADER):
            raise BackupError(f"{source} is not a SQLite backup")
        _sqlite_restore(source, _sqlite_path(parsed))
    elif backend == "postgresql":
        if not header.startswith(_PGDUMP_HEADER):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        _pg_restore(parsed, source)
    else:
        raise ConfigError(f"no restore method for database backend '{backend}'")


# -- SQLite -----------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be backed up")
    path = Path(url.database)
    if not path.exists():
        raise BackupError(f"SQLite database {path} does not exist")
    return path


def _sqlite_backup(database: Path, temp: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        try:
            target = sqlite3.connect(temp)
            try:
                source.backup(target, pages=1024)
                _sqlite_integrity(target, temp)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as err:
        raise BackupError(f"SQLite backup of {database} failed: {err}") from err


def _sqlite_restore(backup: Path, database: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            _sqlite_integrity(source, backup)
            target = sqlite3.connect(database, timeout=30)
            try:
                source.backup(target)  # page by page into the live file, WAL-aware
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as err:
        raise BackupError(f"SQLite restore from {backup} failed: {err}") from err


def _sqlite_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


# -- PostgreSQL -------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: on PATH (Debian's wrapper), else the newest installed."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not candidates:
        raise ConfigError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return candidates[-1]


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """(conninfo URL without password, environment with PGPASSWORD) for libpq tools."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as err:
        raise BackupError(f"{what}: cannot run {command[0]}: {err}") from err
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or result.returncode}")


def _pg_dump(url: URL, temp: Path) -> None:
    conninfo, env = _libpq(url)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={temp}", conninfo],
        env,
        "pg_dump",
    )


def _pg_restore(url: URL, backup: Path) -> None:
    """Empty our schema, then restore in one transaction: all of the backup or nothing."""
    _drop_our_tables(url)
    conninfo, env = _libpq(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(backup),
        ],
        env,
        "pg_restore",
    )


def _drop_our_tables(url: URL) -> None:
    """Tables from a newer schema would survive pg_restore --clean; drop everything first."""
    import psycopg

    conninfo, env = _libpq(url)
    try:
        with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
            names = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
            for (name,) in names:
                conn.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')
    except psycopg.Error as err:
        raise BackupError(f"cannot empty the database before the restore: {err}") from err


# -- files --------------------------------------------------------------------------------------


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write into a 0600 temp file beside ``target``, then rename: no half backups. A
    missing directory is refused, not created: a typo in the path would otherwise put the
    backups where nobody looks for them."""
    if not target.parent.is_dir():
        raise BackupError(
            f"{target.parent} does not exist: create it first (install -d -m 0700 DIR)"
        )
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # 0600
    os.close(fd)
    temp = Path(name)
    try:
        write(temp)  # an empty file is a valid new SQLite database; pg_dump overwrites it
        with temp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except (AfiliaError, OSError):
        temp.unlink(missing_ok=True)
        raise


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError as err:
        raise BackupError(f"cannot read {path}: {err.strerror}") from err
