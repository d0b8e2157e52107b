"""Shared pieces for the document tests: limits, a worker pool, and classification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from daemon.documents import DocumentReader, ReadLimits, read_attachment
from daemon.domain.classification import Case, Decision, Roster, classify
from daemon.domain.facts import DocumentReading
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures.documents import ISSUED

LIMITS = ReadLimits(seconds=5.0, memory_mb=768)


def read_one(
    data: bytes, name: str = "constancia.pdf", limits: ReadLimits = LIMITS
) -> DocumentReading:
    readings = read_attachment(name, "application/pdf", data, limits)
    assert len(readings) == 1
    return readings[0]


def decide(
    reading: DocumentReading,
    policy: Policy,
    student: Student | None,
    *,
    today: date = ISSUED,
    owner: Student | str | None = "sender",
) -> Decision:
    """Classify as the ingest service would: ``student`` sent it, ``owner`` is the roster
    student the document names (by default the sender)."""
    by_document = student if owner == "sender" else owner
    assert not isinstance(by_document, str)
    roster = Roster(by_sender=student, by_document=by_document)
    sender = student.reply_address() if student else "desconocido@example.com"
    return classify(Case(reading, roster, sender, today, policy))


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    with DocumentReader(LIMITS, workers=2) as pool:
        yield pool
