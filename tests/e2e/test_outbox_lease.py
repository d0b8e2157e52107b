"""A daemon killed while it sends: the next one sends the replies it had claimed at once.

The dead daemon's claim is a lease of a few seconds, renewed by its heartbeat while it was
alive; nothing renews it after SIGKILL, so the next daemon may send within seconds.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_daemon_process import _constancia_mail, _deploy, _env
from tests.fixtures.deployment import AFILIA, ANA
from tests.servers.dovecot import DovecotAccount
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


class _HeldData:
    """Makes the SMTP server stall at DATA (records nothing) until released."""

    def __init__(self, smtp: SmtpServer) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        handler = smtp.handler
        original = handler.handle_DATA

        async def handle_data(server: Any, session: Any, envelope: Any) -> str:
            if self.released.is_set():
                return await original(server, session, envelope)
            self.entered.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away"

        handler.handle_DATA = handle_data  # type: ignore[method-assign]


def _outbox(db: Path) -> list[tuple[str, str | None]]:
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute("SELECT status, claimed_by FROM outbox").fetchall()
    except sqlite3.OperationalError:
        return []


def test_replies_claimed_by_a_killed_daemon_are_sent_by_the_next_within_10_s(
    tmp_path: Path, dovecot: DovecotAccount, smtp_server: SmtpServer
) -> None:
    deployment = _deploy(tmp_path, dovecot, smtp_server)
    dovecot.append(_constancia_mail(1))
    held = _HeldData(smtp_server)
    command = [*AFILIA, "--config", str(deployment.config_path), "run"]
    first = subprocess.Popen(
        command, env=_env(dovecot), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert held.entered.wait(90), "the first daemon claims the reply and starts sending"
        [(status, claimed_by)] = _outbox(deployment.root / "afilia.db")
        assert status == "pending"
        assert claimed_by
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    held.released.set()

    started = time.monotonic()
    second = subprocess.Popen(
        command, env=_env(dovecot), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.monotonic() - started < 30 and not smtp_server.received:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert [m.rcpt_tos for m in smtp_server.received] == [(ANA.email_institucional,)]
    assert elapsed <= 10, f"sent {elapsed:.1f} s after the second daemon started"
    assert [s for s, _ in _outbox(deployment.root / "afilia.db")] == ["sent"]
