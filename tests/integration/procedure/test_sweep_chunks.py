"""The reminder sweep over a whole roster: decided on a read-only snapshot, queued in short
transactions of a chunk each, and never a mail twice when it is interrupted and rerun."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from daemon.services import reminders
from daemon.services.reminders import Mailing, Reminder, run_reminder_sweep
from daemon.store.db import transaction
from daemon.store.schema import OutboxRow
from tests.integration.procedure.campus import Campus, at, roster_rows
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]  # each test on both databases

pytestmark = pytest.mark.integration

TERM = "Septiembre-Diciembre 2026"
START, END = date(2026, 9, 7), date(2026, 12, 18)
MONDAY = at(date(2026, 9, 7), 9)
STUDENTS = 25


@pytest.fixture
def campus(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Campus]:
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral", database_url=database_url)
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(roster_rows(STUDENTS, seed=71), at(date(2026, 9, 1), 9), term=TERM)
    monkeypatch.setattr(reminders, "SWEEP_CHUNK", 10)
    yield campus
    campus.close()


def _queued(campus: Campus) -> Counter[str]:
    with transaction(campus.app.sessions) as session:
        return Counter(session.scalars(select(OutboxRow.dedupe_key)))


def test_a_sweep_interrupted_between_chunks_queues_the_rest_once_on_rerun(
    campus: Campus, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = reminders.queue_composed

    def fail_on_the_second_chunk(session: Any, mails: Sequence[Any]) -> list[str]:
        calls.append(len(mails))
        if len(calls) == 2:
            raise RuntimeError("the daemon was stopped here")
        return real(session, mails)

    monkeypatch.setattr(reminders, "queue_composed", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        run_reminder_sweep(campus.app, MONDAY)
    assert sum(_queued(campus).values()) == 10  # the first chunk stayed, the second did not

    monkeypatch.setattr(reminders, "queue_composed", real)
    assert run_reminder_sweep(campus.app, MONDAY) == STUDENTS - 10
    assert run_reminder_sweep(campus.app, MONDAY) == 0
    queued = _queued(campus)
    assert len(queued) == STUDENTS
    assert set(queued.values()) == {1}
    assert all(key.startswith("request:") for key in queued)


def test_queue_composed_skips_keys_already_queued(campus: Campus) -> None:
    mailing = Mailing.from_app(campus.app, MONDAY)
    with transaction(campus.app.sessions) as session:
        due = reminders.due_now(session, mailing, MONDAY)
    composed = reminders.compose_reminders(due[:3], mailing, MONDAY)
    with transaction(campus.app.sessions) as session:
        assert len(reminders.queue_composed(session, composed)) == 3
    with transaction(campus.app.sessions) as session:
        again = reminders.queue_composed(session, [*composed, *composed])
    assert again == []
    assert sum(_queued(campus).values()) == 3


def test_the_sweep_leaves_the_write_lock_free_while_it_decides_and_composes(
    campus: Campus, monkeypatch: pytest.MonkeyPatch
) -> None:
    if campus.app.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    database = campus.app.engine.url.database
    assert database is not None
    writes: list[str] = []
    real_due, real_compose = reminders.due_now, reminders.compose_reminders

    def another_writer(step: str) -> None:
        with sqlite3.connect(database, timeout=0) as other:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the sweep held the lock
            other.execute("UPDATE terms SET name = name")
        writes.append(step)

    def due_now(*args: Any, **kwargs: Any) -> list[Reminder]:
        found = real_due(*args, **kwargs)
        another_writer("while deciding")
        return found

    def compose(batch: Sequence[Reminder], mailing: Mailing, now: datetime) -> list[Any]:
        another_writer("while composing")
        return real_compose(batch, mailing, now)

    monkeypatch.setattr(reminders, "due_now", due_now)
    monkeypatch.setattr(reminders, "compose_reminders", compose)
    assert run_reminder_sweep(campus.app, MONDAY) == STUDENTS
    assert writes == ["while deciding", *["while composing"] * 3]
