"""Constancias in every layout, field by field against the truth they were drawn from."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from daemon.domain.outcomes import Confidence, DocumentKind, Outcome
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures import documents as docs
from tests.unit.documents.conftest import decide, read_one

TRUTHS = {
    "not_insured": (docs.ConstanciaTruth(), Outcome.ACCEPTED_NOT_INSURED),
    "insured_here": (docs.insured_here(), Outcome.ACCEPTED_INSURED_HERE),
    "registered_elsewhere": (docs.registered_elsewhere(), Outcome.REGISTERED_ELSEWHERE),
    "worker": (docs.worker(), Outcome.COVERED_OTHER_REGIME),
    "family_member": (docs.family_member(), Outcome.COVERED_OTHER_REGIME),
    "vigente_sin_servicio": (
        docs.insured_here(servicio_medico=False),
        Outcome.ACCEPTED_NOT_INSURED,
    ),
    "too_old": (
        docs.ConstanciaTruth(fecha_expedicion=docs.ISSUED - timedelta(days=9)),
        Outcome.TOO_OLD,
    ),
    "no_seal": (docs.insured_here(has_seal=False), Outcome.ACCEPTED_INSURED_HERE),
}
CASES = [(layout, name) for layout in docs.LAYOUTS for name in TRUTHS]


@pytest.mark.parametrize(("layout", "case"), CASES)
def test_every_field_is_read_in_every_layout(
    layout: str, case: str, policy: Policy, student: Student
) -> None:
    truth, outcome = TRUTHS[case]
    reading = read_one(docs.constancia_pdf(truth, layout))
    assert reading.kind is DocumentKind.CONSTANCIA
    assert reading.problem is None
    assert reading.confidence is Confidence.TEXT
    expected = docs.truth_as_read(truth, layout)
    for field in docs.READ_FIELDS:
        got = getattr(reading.facts, field)
        assert got == getattr(expected, field), f"{layout}/{case}: {field}"
    assert decide(reading, policy, student).outcome is outcome


@pytest.mark.parametrize("layout", list(docs.LAYOUTS))
def test_constancia_older_than_five_days_is_rejected_with_the_reason(
    layout: str, policy: Policy, student: Student
) -> None:
    reading = read_one(docs.constancia_pdf(docs.ConstanciaTruth(), layout))
    decision = decide(reading, policy, student, today=docs.ISSUED + timedelta(days=6))
    assert decision.outcome is Outcome.TOO_OLD
    assert "emitted 2026-11-18, 6 days before receipt, max 5" in decision.reasons


def test_constancia_dated_after_its_receipt_goes_to_staff_review(
    policy: Policy, student: Student
) -> None:
    reading = read_one(docs.constancia_pdf())
    decision = decide(reading, policy, student, today=docs.ISSUED - timedelta(days=1))
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons[0] == "la fecha de expedición es posterior a la recepción"


def test_five_days_old_is_still_fresh(policy: Policy, student: Student) -> None:
    reading = read_one(docs.constancia_pdf())
    decision = decide(reading, policy, student, today=docs.ISSUED + timedelta(days=5))
    assert decision.outcome is Outcome.ACCEPTED_NOT_INSURED


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"nss": "12230512341"}, "NSS missing or its check digit fails"),
        ({"curp": "GOMA050317MDFNRNA2"}, "CURP missing or its check digit fails"),
        ({"fecha_nacimiento": date(2005, 3, 18)}, "birth date on the document disagrees"),
        ({"sexo": "H"}, "sex on the document disagrees"),
    ],
)
def test_identifiers_that_fail_their_checks_go_to_staff_review_not_mismatch(
    change: dict[str, object], why: str, policy: Policy, student: Student
) -> None:
    truth = replace(docs.ConstanciaTruth(), **change)
    decision = decide(read_one(docs.constancia_pdf(truth, "portal")), policy, student)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert any(reason.startswith(why) for reason in decision.reasons)


def test_constancia_of_another_student_is_an_identity_mismatch(
    policy: Policy, student: Student
) -> None:
    other = replace(student, matricula="UTE2026999", curp="PEXJ040101HDFRRN09")
    reading = read_one(docs.constancia_pdf())
    assert decide(reading, policy, student, owner=other).outcome is Outcome.IDENTITY_MISMATCH


def test_sender_and_curp_not_on_the_roster_is_not_enrolled(policy: Policy) -> None:
    reading = read_one(docs.constancia_pdf())
    assert decide(reading, policy, None, owner=None).outcome is Outcome.NOT_ENROLLED


def test_fields_split_over_two_pages_are_read(student: Student, policy: Policy) -> None:
    reading = read_one(docs.constancia_pdf(docs.insured_here(), "portal"))
    assert reading.facts is not None
    assert reading.facts.patron == "UNIVERSIDAD TECNOLÓGICA DE EJEMPLO"  # page 2
    assert reading.facts.nss == docs.NSS  # page 1
