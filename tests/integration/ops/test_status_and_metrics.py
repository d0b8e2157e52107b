"""afilia status and /metrics read the same health from the database, on both backends."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from daemon.cli import main
from daemon.config import MetricsSettings
from daemon.metrics import Metrics, health_summary, render_summary, start_metrics_server
from daemon.store.db import make_engine, session_factory, transaction, upgrade
from daemon.store.schema import DecisionRow, InboundMessageRow, MailboxHealthRow, OutboxRow
from tests.integration.ops.setups import write_config

pytestmark = pytest.mark.integration

MEXICO = ZoneInfo("America/Mexico_City")
NOW = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)  # 10:00 in Mexico City


def _populate(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        session.add_all(
            [
                MailboxHealthRow(
                    mailbox="servicios",
                    last_success_at=NOW - timedelta(minutes=3),
                    last_error="",
                    alerted_down=False,
                ),
                MailboxHealthRow(
                    mailbox="credenciales",
                    last_success_at=NOW - timedelta(hours=2),
                    last_error_at=NOW - timedelta(minutes=1),
                    last_error="IMAP login rejected: AUTHENTICATIONFAILED",
                    alerted_down=True,
                ),
            ]
        )
        for n, (status, age) in enumerate(
            [("pending", 40), ("pending", 5), ("failed", 600), ("sent", 900)]
        ):
            session.add(
                OutboxRow(
                    message_id=f"<{n}@afilia>",
                    dedupe_key=f"k{n}",
                    purpose="reply",
                    template="constancia_too_old",
                    recipient="ana.gomez@example.com",
                    subject="Tu constancia",
                    raw=b"x",
                    status=status,
                    attempts=0,
                    next_attempt_at=NOW,
                    last_error="",
                    created_at=NOW - timedelta(minutes=age),
                )
            )
        message = InboundMessageRow(
            mailbox="servicios",
            folder="INBOX",
            uidvalidity=1,
            uid_key="1",
            message_id="<m@x>",
            sender="ana.gomez@example.com",
            subject="constancia",
            raw_sha256="0" * 64,
            size=10,
            received_at=NOW,
            processed_at=NOW,
        )
        session.add(message)
        session.flush()
        for outcome, when in [
            ("too_old", NOW - timedelta(hours=1)),
            ("too_old", NOW - timedelta(hours=2)),
            ("accepted_not_insured", NOW - timedelta(hours=3)),
            ("unreadable", NOW - timedelta(hours=11)),  # yesterday, school time
        ]:
            session.add(
                DecisionRow(message_pk=message.id, outcome=outcome, reasons=[], decided_at=when)
            )


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    upgrade(engine)
    factory = session_factory(engine)
    _populate(factory)
    yield factory
    engine.dispose()


def test_health_summary_reads_mailboxes_outbox_and_todays_decisions(
    sessions: sessionmaker[Session],
) -> None:
    summary = health_summary(sessions, NOW, MEXICO, ["servicios", "credenciales", "nuevo"])
    boxes = {b.mailbox: b for b in summary.mailboxes}
    assert not boxes["servicios"].down
    assert boxes["credenciales"].down
    assert boxes["nuevo"].last_success_at is None
    assert (summary.outbox_pending, summary.outbox_failed) == (2, 1)
    assert summary.oldest_pending_age == timedelta(minutes=40)
    assert summary.decisions_today == {"accepted_not_insured": 1, "too_old": 2}

    text = render_summary(summary, MEXICO)
    assert "✓ servicios: last read 2026-11-18 09:57 (3 min ago)" in text
    assert "✗ credenciales: last read 2026-11-18 08:00 (2 h ago); failing since" in text
    assert "✗ nuevo: last read never" in text
    assert "Outbox: 2 pending (oldest 40 min), 1 failed" in text
    assert "Decisions today: 3" in text


def test_metrics_endpoint_serves_counters_and_database_gauges(
    sessions: sessionmaker[Session],
) -> None:
    metrics = Metrics()
    metrics.message_decided("too_old")
    metrics.parse_timed(0.3)
    server = start_metrics_server(
        MetricsSettings(enabled=True, address="127.0.0.1", port=0),
        metrics,
        sessions,
        MEXICO,
        ["servicios", "credenciales"],
    )
    assert server is not None
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
    finally:
        server.stop()
    assert 'afilia_messages_total{outcome="too_old"} 1.0' in body
    assert "afilia_parse_seconds_count 1.0" in body
    assert 'afilia_outbox_queue_depth{status="pending"} 2.0' in body
    assert 'afilia_mailbox_down{mailbox="credenciales"} 1.0' in body
    assert "afilia_outbox_oldest_pending_age_seconds" in body


def test_metrics_are_off_unless_enabled() -> None:
    assert start_metrics_server(MetricsSettings(), Metrics()) is None


def test_afilia_status_on_a_fresh_install(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    runner = CliRunner()
    runner.invoke(main, ["--config", str(config), "db", "upgrade"])
    result = runner.invoke(main, ["--config", str(config), "status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mailboxes"][0]["mailbox"] == "local"
    assert data["mailboxes"][0]["last_success_at"] is None
    assert data["outbox_pending"] == 0
    text = runner.invoke(main, ["--config", str(config), "status"]).output
    assert "✗ local: last read never" in text
