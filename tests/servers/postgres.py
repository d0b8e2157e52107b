"""A real PostgreSQL server for the tests, from the Debian packages, on loopback.

One server per test session (per xdist worker), started in a temporary directory on a
free port with durability switched off (the data is thrown away), and one fresh empty
database per test. Register the fixtures with ``pytest_plugins = ("tests.servers.postgres",)``
in the root conftest, or import them into a conftest.

    def test_something(postgres_url): ...          # PostgreSQL only
    def test_other(database_url): ...              # runs twice: SQLite and PostgreSQL

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres``
user the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
import pytest

SUPERUSER = "afilia_test"
PASSWORD = "afilia-test-password"  # loopback only, thrown away with the server
_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class PostgresServer:
    """A running server; ``url(db)`` gives a SQLAlchemy URL for one of its databases."""

    host: str
    port: int
    user: str
    password: str
    data_dir: Path
    bin_dir: Path

    def url(self, database: str = "postgres") -> str:
        return (
            f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"
        )

    def libpq_url(self, database: str = "postgres") -> str:
        """The same URL for libpq tools (psql, pg_dump) and psycopg directly."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.libpq_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.libpq_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_bin_dir() -> Path | None:
    """The newest installed server's bin directory, or None when PostgreSQL is missing."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged_account() -> tuple[int, int] | None:
    """(uid, gid) of the ``postgres`` user when we are root; None when already unprivileged."""
    if os.geteuid() != 0:
        return None
    account = pwd.getpwnam("postgres")
    return account.pw_uid, account.pw_gid


def _as(account: tuple[int, int] | None) -> dict[str, int | list[int]]:
    if account is None:
        return {}
    return {"user": account[0], "group": account[1], "extra_groups": []}


def start_postgres(base: Path) -> tuple[PostgresServer, subprocess.Popen[bytes]]:
    """initdb + postgres in ``base``; returns once the server accepts connections."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.fail(
            "PostgreSQL is not installed: apt-get install postgresql (scripts/test does it)"
        )
    account = _unprivileged_account()
    data_dir = base / "data"
    pwfile = base / "pwfile"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if account is not None:
        os.chown(base, *account)
        os.chown(pwfile, *account)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    subprocess.run(
        [
            str(bin_dir / "initdb"),
            "--pgdata",
            str(data_dir),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ],
        check=True,
        capture_output=True,
        env=env,
        **_as(account),  # type: ignore[arg-type]
    )
    for _attempt in range(3):  # another process may take the free port before we bind it
        port = _free_port()
        with (base / "postgres.log").open("wb") as log:
            process = _spawn_postgres(bin_dir, data_dir, base, port, log, env, account)
        server = PostgresServer("127.0.0.1", port, SUPERUSER, PASSWORD, data_dir, bin_dir)
        if _wait_until_ready(server, process):
            return server, process
    output = (base / "postgres.log").read_text(errors="replace")
    pytest.fail(f"postgres exited with {process.returncode}:\n{output}")


def _spawn_postgres(
    bin_dir: Path,
    data_dir: Path,
    base: Path,
    port: int,
    log: IO[bytes],
    env: dict[str, str],
    account: tuple[int, int] | None,
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(bin_dir / "postgres"),
            "-D",
            str(data_dir),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            str(base),  # Unix socket next to the data, not in /var/run/postgresql
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        **_as(account),  # type: ignore[arg-type]
    )


def _wait_until_ready(server: PostgresServer, process: subprocess.Popen[bytes]) -> bool:
    """True once it accepts connections; False if it exited (e.g. the port was taken)."""
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        if process.poll() is not None:
            return False
        try:
            with psycopg.connect(server.libpq_url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"postgres did not accept connections within {_START_TIMEOUT}s")
            time.sleep(0.05)


def stop_postgres(process: subprocess.Popen[bytes]) -> None:
    # SIGINT = "fast shutdown": ends sessions, no checkpoint wait worth having here.
    process.send_signal(2)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL per session; data in a throw-away directory under /tmp."""
    base = Path(tempfile.mkdtemp(prefix="afilia-pg-"))
    try:
        server, process = start_postgres(base)
        try:
            yield server
        finally:
            stop_postgres(process)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test (dropped afterwards), as a SQLAlchemy URL."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=[pytest.mark.postgres]),
)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once on SQLite (a file in tmp_path) and once on PostgreSQL.

    The PostgreSQL case carries the ``postgres`` marker, so ``-m "not postgres"`` runs the
    SQLite half alone.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'afilia.db'}"
    return str(request.getfixturevalue("postgres_url"))


def database_backend(url: str) -> str:
    """'sqlite' or 'postgresql', for a test that must say which one it ran on."""
    return url.split(":", 1)[0].split("+", 1)[0]
