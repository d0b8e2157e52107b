"""Shared pieces for the document tests: limits, a worker pool, and classification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from daemon.documents import DocumentReader, ReadLimits, read_attachment
from daemon.documents.layout import Line, Segment, lines_of
from daemon.domain.classification import Case, Decision, Roster, classify
from daemon.domain.facts import DocumentReading
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures.documents import ISSUED

LIMITS = ReadLimits(seconds=5.0, memory_mb=768)
TITLE = ("CONSTANCIA DE VIGENCIA DE DERECHOS", 150.0, 80.0)


def page_of(*runs: tuple[str, float, float]) -> tuple[Line, ...]:
    """A page of runs at (text, x, top), 7 pt high, as PDFium gives them (cap-height tight
    boxes): the layout rules without a PDF in between."""
    return lines_of(Segment(t, 0, x, x + 5.2 * len(t), top, top + 7) for t, x, top in runs)


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
