"""Hostile or broken files: a clear outcome within the time limit, and the next file is fine."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from daemon.documents import DocumentReader
from daemon.domain.outcomes import DocumentKind, Outcome, ReadProblem
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures import documents as docs
from tests.fixtures import documents_hostile as hostile
from tests.fixtures import documents_raw as raw
from tests.unit.documents.conftest import LIMITS, decide, read_one

HOSTILE: dict[str, Callable[[], bytes]] = {
    "encrypted": hostile.encrypted_pdf,
    "truncated": hostile.truncated_pdf,
    "garbage": hostile.garbage_pdf,
    "huge_page_count": hostile.many_pages_pdf,
    "decompression_bomb": hostile.bomb_pdf,
    "deep_nesting": hostile.nested_pdf,
    "oversize": lambda: hostile.oversize_pdf(LIMITS.max_attachment_bytes),
    "zip_bomb": hostile.zip_bomb,
    "zip_of_many": hostile.zip_of_many,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_rejected_unsafe_and_the_next_file_is_read(
    name: str, reader: DocumentReader, policy: Policy, student: Student
) -> None:
    started = time.monotonic()
    bad, good = reader.read_many(
        [(f"{name}.pdf", "application/pdf", HOSTILE[name]()), ("ok.pdf", "", docs.constancia_pdf())]
    )
    assert time.monotonic() - started < LIMITS.seconds + 3
    assert [r.problem for r in bad] == [ReadProblem.UNSAFE]
    assert decide(bad[0], policy, student).outcome is Outcome.REJECTED_UNSAFE
    assert [r.kind for r in good] == [DocumentKind.CONSTANCIA]


def test_results_come_back_in_input_order(reader: DocumentReader) -> None:
    items = [
        ("a.pdf", "", docs.constancia_pdf(docs.insured_here())),
        ("b.pdf", "", docs.renuncia_pdf()),
        ("c.pdf", "", docs.nss_acuse_pdf()),
        ("d.pdf", "", docs.constancia_pdf()),
    ] * 3
    kinds = [readings[0].kind for readings in reader.read_many(items)]
    assert (
        kinds
        == [
            DocumentKind.CONSTANCIA,
            DocumentKind.RENUNCIA,
            DocumentKind.NSS_ACUSE,
            DocumentKind.CONSTANCIA,
        ]
        * 3
    )


def _mutants(seed: int, count: int) -> list[bytes]:
    """Constancias with bytes flipped, spliced, cut and duplicated."""
    rng = random.Random(seed)
    sources = [docs.constancia_pdf(layout=layout) for layout in docs.LAYOUTS]
    out = []
    for _ in range(count):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            action = rng.random()
            if action < 0.5:
                data[at] = rng.randrange(256)
            elif action < 0.7:
                del data[at : at + rng.randint(1, 200)]
            elif action < 0.9:
                data[at:at] = data[rng.randrange(len(data)) :][: rng.randint(1, 200)]
            else:
                data[at:at] = b"[" * rng.randint(1, 300)
        out.append(bytes(data))
    return out


def test_mutated_pdfs_each_get_an_outcome_within_the_time_limit(
    reader: DocumentReader, policy: Policy, student: Student
) -> None:
    items = [(f"m{i}.pdf", "application/pdf", m) for i, m in enumerate(_mutants(2026, 40))]
    started = time.monotonic()
    results = reader.read_many(items)
    assert time.monotonic() - started < 2 * LIMITS.seconds
    for readings in results:
        assert len(readings) == 1
        assert decide(readings[0], policy, student).outcome in set(Outcome)


@pytest.mark.parametrize(
    "action",
    [
        b"<< /S /JavaScript /JS (app.alert('hola')) >>",
        b"<< /S /J#61vaScript /JS (app.alert(1)) >>",  # a name written with #xx escapes
        b"<< /S /Launch /F (cmd.exe) >>",
        b"<< /Type /Filespec /EmbeddedFile 7 0 R >>",
    ],
    ids=["javascript", "escaped-name", "launch", "embedded-file"],
)
def test_pdf_that_would_run_something_in_a_viewer_is_rejected_unsafe(
    action: bytes, policy: Policy, student: Student
) -> None:
    reading = read_one(raw.active_pdf(action))
    assert reading.problem is ReadProblem.UNSAFE
    assert "active content" in reading.problem_detail
    assert decide(reading, policy, student).outcome is Outcome.REJECTED_UNSAFE


def test_plain_constancias_have_no_active_content() -> None:
    for layout in docs.LAYOUTS:
        assert read_one(docs.constancia_pdf(layout=layout)).problem is None
