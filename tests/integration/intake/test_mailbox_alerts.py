"""A mailbox that cannot be read for an hour is reported to staff, once, and again when it
recovers (issue 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.bootstrap import App
from daemon.services.health import record_mailbox_error, record_mailbox_success
from daemon.services.health_alerts import run_mailbox_alerts
from daemon.store.db import transaction
from daemon.store.schema import OutboxRow
from tests.fixtures.deployment import STAFF_ADDRESS, make_deployment

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _alerts(app: App) -> list[tuple[str, str]]:
    with transaction(app.sessions) as session:
        rows = session.execute(
            select(OutboxRow.template, OutboxRow.recipient).order_by(OutboxRow.id)
        )
        return [(template, recipient) for template, recipient in rows]


def test_a_mailbox_down_for_an_hour_is_reported_once_and_its_recovery_too(tmp_path: Path) -> None:
    app = make_deployment(tmp_path / "afilia").app()
    record_mailbox_error(app.sessions, "servicios", T0, "login rejected")
    assert run_mailbox_alerts(app, T0 + timedelta(minutes=30)) == 0
    record_mailbox_error(app.sessions, "servicios", T0 + timedelta(minutes=50), "login rejected")
    assert run_mailbox_alerts(app, T0 + timedelta(minutes=61)) == 1
    assert run_mailbox_alerts(app, T0 + timedelta(minutes=90)) == 0
    record_mailbox_success(app.sessions, "servicios", T0 + timedelta(minutes=95))
    assert run_mailbox_alerts(app, T0 + timedelta(minutes=100)) == 1
    assert _alerts(app) == [("mailbox_down", STAFF_ADDRESS), ("mailbox_recovered", STAFF_ADDRESS)]
    app.engine.dispose()


def test_a_short_outage_is_not_reported(tmp_path: Path) -> None:
    app = make_deployment(tmp_path / "afilia").app()
    record_mailbox_error(app.sessions, "servicios", T0, "connection reset")
    record_mailbox_success(app.sessions, "servicios", T0 + timedelta(minutes=5))
    assert run_mailbox_alerts(app, T0 + timedelta(hours=3)) == 0
    assert _alerts(app) == []
    app.engine.dispose()
