"""Scans, photos and zips: recognised for what they are; OCR only when configured."""

from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.documents import read_attachment
from daemon.domain.outcomes import Confidence, DocumentKind, Outcome, ReadProblem
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures import documents as docs
from tests.unit.documents.conftest import LIMITS, decide, read_one


def test_scanned_pdf_without_text_layer_is_unreadable(policy: Policy, student: Student) -> None:
    reading = read_one(docs.scanned_pdf(docs.constancia_pdf(layout="table"), dpi=72))
    assert reading.problem is ReadProblem.NO_TEXT
    decision = decide(reading, policy, student)
    assert decision.outcome is Outcome.UNREADABLE


@pytest.mark.parametrize(
    ("name", "make"),
    [("foto.jpg", docs.photo_jpeg), ("captura.png", docs.png_image)],
)
def test_photo_attachment_is_unreadable_without_ocr(
    name: str, make: object, policy: Policy, student: Student
) -> None:
    [reading] = read_attachment(name, "image/jpeg", make(), LIMITS)  # type: ignore[operator]
    assert reading.problem is ReadProblem.NO_TEXT
    assert decide(reading, policy, student).outcome is Outcome.UNREADABLE


@pytest.mark.slow
def test_ocr_constancia_is_accepted_only_when_identifiers_match_the_roster_else_reviewed(
    policy: Policy, student: Student
) -> None:
    scan = docs.scanned_pdf(docs.constancia_pdf(layout="stacked"), dpi=200)
    reading = read_one(scan, limits=replace(LIMITS, ocr=True, seconds=30))
    assert reading.kind is DocumentKind.CONSTANCIA
    assert reading.confidence is Confidence.OCR
    assert reading.facts is not None
    assert reading.facts.nss == docs.NSS
    assert decide(reading, policy, student).outcome is Outcome.ACCEPTED_NOT_INSURED
    stranger = replace(student, curp="PEXJ040101HDFRRN09")
    decision = decide(reading, policy, stranger, owner=stranger)
    assert decision.outcome is Outcome.NEEDS_REVIEW


def test_zip_gives_one_reading_per_member(policy: Policy, student: Student) -> None:
    archive = docs.zip_of(
        {"docs/constancia.pdf": docs.constancia_pdf(), "renuncia.pdf": docs.renuncia_pdf()}
    )
    readings = read_attachment("papeles.zip", "application/zip", archive, LIMITS)
    assert [r.filename for r in readings] == [
        "papeles.zip/constancia.pdf",
        "papeles.zip/renuncia.pdf",
    ]
    assert [r.kind for r in readings] == [DocumentKind.CONSTANCIA, DocumentKind.RENUNCIA]
    import hashlib

    assert readings[0].sha256 == hashlib.sha256(docs.constancia_pdf()).hexdigest()


def test_zip_inside_a_zip_is_not_opened() -> None:
    inner = docs.zip_of({"constancia.pdf": docs.constancia_pdf()})
    [reading] = read_attachment("a.zip", "", docs.zip_of({"b.zip": inner}), LIMITS)
    assert reading.problem is ReadProblem.UNSAFE
