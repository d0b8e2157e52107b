"""The outbox against a real SMTP server, on SQLite and PostgreSQL.

Rows are queued the way intake queues them (``queue_mail``), then ``send_due`` delivers
them through the real ``SmtpMailer`` to aiosmtpd.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.bootstrap import App
from daemon.mail.smtp_mailer import SmtpMailer
from daemon.services.outbox import Purpose, Status, _claim, queue_mail, send_due
from daemon.store.db import transaction
from daemon.store.schema import OutboxRow
from tests.fixtures.deployment import ANA, make_deployment, smtp_outgoing
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def _app(tmp_path: Path, database_url: str, smtp: SmtpServer) -> App:
    deployment = make_deployment(
        tmp_path / "afilia",
        database_url=database_url,
        outgoing=smtp_outgoing("127.0.0.1", smtp.port),
    )
    return deployment.app()


@pytest.fixture
def app(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Iterator[App]:
    built = _app(tmp_path, database_url, smtp_server)
    yield built
    built.engine.dispose()


@pytest.fixture
def pg_app(tmp_path: Path, postgres_url: str, smtp_server: SmtpServer) -> Iterator[App]:
    built = _app(tmp_path, postgres_url, smtp_server)
    yield built
    built.engine.dispose()


def _queue(app: App, count: int, recipient: str = ANA.email_institucional) -> None:
    with transaction(app.sessions) as session:
        for n in range(count):
            queue_mail(
                session,
                renderer=app.renderer,
                settings=app.settings,
                policy=app.policy,
                purpose=Purpose.REPLY,
                template="no_attachment",
                context={"student": ANA, "outcome": "no_attachment"},
                recipient=recipient,
                dedupe_key=f"test:{recipient}:{n}",
                now=NOW,
            )


def _statuses(app: App) -> list[tuple[str, int]]:
    with transaction(app.sessions) as session:
        rows = session.execute(select(OutboxRow.status, OutboxRow.attempts).order_by(OutboxRow.id))
        return [(status, attempts) for status, attempts in rows]


def _mailer(app: App) -> SmtpMailer:
    mailer = app.mailer()
    assert isinstance(mailer, SmtpMailer)
    return mailer


def test_queued_replies_are_delivered_once_and_marked_sent(
    app: App, smtp_server: SmtpServer
) -> None:
    _queue(app, 3)
    report = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW)
    again = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW)
    assert (report.sent, again.sent) == (3, 0)
    assert len(smtp_server.received) == 3
    assert _statuses(app) == [("sent", 1)] * 3


def test_queueing_the_same_key_twice_stores_one_mail(app: App, smtp_server: SmtpServer) -> None:
    _queue(app, 1)
    _queue(app, 1)
    assert len(_statuses(app)) == 1


def test_a_4xx_answer_is_retried_later_with_backoff(app: App, smtp_server: SmtpServer) -> None:
    smtp_server.refuse(ANA.email_institucional, "450 4.2.1 mailbox busy, try later")
    _queue(app, 1)
    first = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW)
    assert (first.sent, first.retried) == (0, 1)
    assert _statuses(app) == [("pending", 1)]
    # Not due again immediately: backoff.
    assert send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW).retried == 0
    smtp_server.handler.rcpt_replies.clear()
    later = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW + timedelta(hours=1))
    assert later.sent == 1
    assert _statuses(app) == [("sent", 2)]


def test_a_5xx_answer_marks_the_mail_failed_without_retry(
    app: App, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse(ANA.email_institucional, "550 5.1.1 no such user")
    _queue(app, 1)
    report = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW)
    assert report.failed == 1
    assert _statuses(app) == [("failed", 1)]
    later = send_due(app.sessions, _mailer(app), app.settings.outgoing, NOW + timedelta(days=1))
    assert later.sent + later.failed + later.retried == 0


def test_the_per_minute_throttle_holds_the_rest_for_later(
    app: App, smtp_server: SmtpServer
) -> None:
    limits = app.settings.outgoing.model_copy(update={"per_minute": 2})
    _queue(app, 5)
    first = send_due(app.sessions, _mailer(app), limits, NOW)
    assert first.sent == 2
    assert send_due(app.sessions, _mailer(app), limits, NOW + timedelta(seconds=5)).throttled
    later = send_due(app.sessions, _mailer(app), limits, NOW + timedelta(minutes=2))
    assert later.sent == 2
    assert [s for s, _ in _statuses(app)].count("sent") == 4


@pytest.mark.postgres
def test_two_workers_never_claim_the_same_mail(
    pg_app: App,
) -> None:
    """SELECT ... FOR UPDATE SKIP LOCKED: concurrent claims get disjoint rows."""
    app = pg_app
    _queue(app, 40)
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(slot: int) -> None:
        other = App(app.config_path)
        barrier.wait()
        while rows := _claim(other.sessions, 3, NOW):
            claimed[slot].extend(row.id for row in rows)
        other.engine.dispose()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed[0] + claimed[1]) == sorted(set(claimed[0] + claimed[1]))
    assert len(claimed[0]) + len(claimed[1]) == 40
    assert claimed[0], "the first worker got work"
    assert claimed[1], "the second worker got work"


@pytest.mark.postgres
def test_two_daemons_sending_at_once_deliver_each_mail_exactly_once(
    pg_app: App, smtp_server: SmtpServer
) -> None:
    app = pg_app
    _queue(app, 30)
    barrier = threading.Barrier(2)

    def worker() -> None:
        other = App(app.config_path)
        barrier.wait()
        while send_due(other.sessions, _mailer(other), other.settings.outgoing, NOW).sent:
            pass
        other.engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ids = [m.raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0] for m in smtp_server.received]
    assert len(ids) == 30
    assert len(set(ids)) == 30
    assert {s for s, _ in _statuses(app)} == {Status.SENT}
