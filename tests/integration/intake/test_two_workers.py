"""Two afilia workers on one PostgreSQL database and one mailbox never decide a mail twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from daemon.bootstrap import App
from daemon.services.ingest import IntakeReport, ingest_mailbox
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, InboundMessageRow, OutboxRow
from tests.fixtures.deployment import constancia_mail_for, generated_students, make_deployment

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def test_two_workers_on_one_mailbox_answer_each_mail_once(
    tmp_path: Path, postgres_url: str
) -> None:
    students = generated_students(24, seed=5)
    deployment = make_deployment(tmp_path / "afilia", database_url=postgres_url, students=students)
    for n, student in enumerate(students):
        deployment.drop_mail(constancia_mail_for(student, NOW.date() - timedelta(1), n=n), f"{n}")
    reports: list[IntakeReport] = []
    apps = [App(deployment.config_path) for _ in range(2)]
    barrier = threading.Barrier(2)

    def work(app: App) -> None:
        intake = app.intake(lambda: NOW)
        [mailbox] = app.mailboxes()
        barrier.wait()
        try:
            reports.append(ingest_mailbox(mailbox, intake, threading.Event(), batch_size=4))
        finally:
            intake.reader.close()

    threads = [threading.Thread(target=work, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    with transaction(apps[0].sessions) as session:
        messages = session.scalar(select(func.count()).select_from(InboundMessageRow))
        decisions = session.scalar(select(func.count()).select_from(DecisionRow))
        replies = session.scalar(select(func.count()).select_from(OutboxRow))
    for app in apps:
        app.engine.dispose()
    assert (messages, decisions, replies) == (24, 24, 24)
    assert sum(r.processed for r in reports) == 24
    assert list((deployment.inbox / "new").iterdir()) == []
