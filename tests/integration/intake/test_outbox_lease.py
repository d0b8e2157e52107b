"""The outbox lease: short, on the database's clock, renewed by the sender's heartbeat.

A sender killed mid-send renews nothing, so its rows are free again within seconds; a live
sender keeps them however long the delivery takes; ``run --once`` waits for rows another
sender holds rather than leave them unsent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from daemon.app import run_once
from daemon.bootstrap import App
from daemon.mail.ports import DeliveryResult, OutgoingMail
from daemon.services import outbox
from daemon.services.outbox import Status, _claim, send_due
from daemon.store.db import database_now, transaction
from daemon.store.schema import OutboxRow
from tests.integration.intake.test_outbox import NOW, _mailer, _queue, _statuses, app, pg_app
from tests.servers.smtp import SmtpServer

__all__ = ["app", "pg_app"]

pytestmark = pytest.mark.integration


@pytest.fixture
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "LEASE_SECONDS", 0.6)
    monkeypatch.setattr(outbox, "HEARTBEAT_SECONDS", 0.1)


def test_the_lease_is_on_the_database_clock_not_the_business_clock(app: App) -> None:
    _queue(app, 2)
    [first, second] = _claim(app.sessions, 5, NOW, "a")
    with transaction(app.sessions) as session:
        clock = database_now(session)
    assert first.claimed_by == second.claimed_by == "a"
    assert first.claimed_until is not None
    assert clock < first.claimed_until <= clock + timedelta(seconds=outbox.LEASE_SECONDS)
    assert _claim(app.sessions, 5, NOW, "b") == []


@pytest.mark.usefixtures("short_lease")
def test_rows_of_a_dead_claimer_are_free_once_its_lease_lapses(app: App) -> None:
    _queue(app, 3)
    assert len(_claim(app.sessions, 5, NOW, "dead")) == 3
    assert _claim(app.sessions, 5, NOW, "next") == []
    time.sleep(0.8)
    taken = _claim(app.sessions, 5, NOW, "next")
    assert [row.claimed_by for row in taken] == ["next"] * 3


class _SlowMailer:
    """Takes ``seconds`` per delivery, then accepts everything."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.delivering = threading.Event()
        self.delivered: list[str] = []

    def deliver(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        self.delivering.set()
        time.sleep(self.seconds)
        self.delivered.extend(m.message_id for m in mails)
        return [DeliveryResult(m.message_id, True, False, "") for m in mails]

    def close(self) -> None:
        pass


@pytest.mark.usefixtures("short_lease")
def test_a_live_sender_keeps_its_rows_however_long_it_takes(app: App) -> None:
    _queue(app, 2)
    slow = _SlowMailer(2.0)  # more than three leases long
    sending = threading.Thread(
        target=send_due, args=(app.sessions, slow, app.settings.outgoing, NOW)
    )
    sending.start()
    assert slow.delivering.wait(10)
    stolen = []
    while sending.is_alive():
        stolen += _claim(app.sessions, 5, NOW, "thief")
        time.sleep(0.1)
    sending.join()
    assert stolen == []
    assert len(slow.delivered) == 2
    assert _statuses(app) == [(Status.SENT, 1), (Status.SENT, 1)]
    with transaction(app.sessions) as session:
        leases = session.execute(select(OutboxRow.claimed_until, OutboxRow.claimed_by)).all()
    assert [tuple(lease) for lease in leases] == [(None, None), (None, None)]


def test_run_once_waits_for_rows_another_sender_holds(
    app: App, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "LEASE_SECONDS", 1.5)
    _queue(app, 2)
    assert len(_claim(app.sessions, 5, NOW, "a daemon killed mid-send")) == 2
    monkeypatch.setattr(outbox, "LEASE_SECONDS", 5.0)
    report = run_once(app, clock=lambda: NOW)
    assert report.sent == 2
    assert len(smtp_server.received) == 2
    assert {s for s, _ in _statuses(app)} == {Status.SENT}


def test_send_due_still_delivers_through_smtp_once(app: App, smtp_server: SmtpServer) -> None:
    _queue(app, 3)
    assert send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW).sent == 3
    assert send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW).sent == 0
    assert len(smtp_server.received) == 3
