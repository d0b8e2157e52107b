"""Carta Renuncia FOR-24-01 (typed and filled form) and the IMSS NSS acuse."""

from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.domain.outcomes import DocumentKind, Outcome
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from tests.fixtures import documents as docs
from tests.unit.documents.conftest import decide, read_one


@pytest.mark.parametrize("form", [False, True], ids=["typed", "acroform"])
def test_complete_waiver_is_registered(form: bool, policy: Policy, student: Student) -> None:
    truth = docs.RenunciaTruth()
    reading = read_one(docs.renuncia_pdf(truth, form=form), "renuncia.pdf")
    assert reading.kind is DocumentKind.RENUNCIA
    assert reading.report_fields() == truth.facts().report_fields()
    assert decide(reading, policy, student).outcome is Outcome.WAIVER_RECEIVED


@pytest.mark.parametrize("form", [False, True], ids=["typed", "acroform"])
@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"matricula": None, "curp": None}, ("matrícula",)),
        ({"fecha": None}, ("fecha",)),
        ({"has_signature": False}, ("firma",)),
        ({"nombre": None, "has_signature": False}, ("nombre", "firma")),
    ],
)
def test_waiver_missing_pieces_names_what_is_missing(
    form: bool,
    change: dict[str, object],
    missing: tuple[str, ...],
    policy: Policy,
    student: Student,
) -> None:
    truth = replace(docs.RenunciaTruth(), **change)
    reading = read_one(docs.renuncia_pdf(truth, form=form), "renuncia.pdf")
    assert reading.report_fields() == truth.facts().report_fields()
    decision = decide(reading, policy, student)
    assert decision.outcome is Outcome.WAIVER_INCOMPLETE
    assert decision.missing == missing


def test_nss_acuse_is_received_in_every_profile_never_unreadable(
    policy: Policy, student: Student
) -> None:
    reading = read_one(docs.nss_acuse_pdf(), "acuse.pdf")
    assert reading.kind is DocumentKind.NSS_ACUSE
    assert reading.report_fields() == docs.NssAcuseTruth().facts().report_fields()
    high_school = replace(policy, intake=replace(policy.intake, accept_nss_acuse=True))
    assert decide(reading, high_school, student).outcome is Outcome.NSS_ACUSE_RECEIVED
    asks_constancia = decide(reading, policy, student)
    assert asks_constancia.outcome is Outcome.NSS_ACUSE_RECEIVED
    assert any("must download" in reason for reason in asks_constancia.reasons)


def test_acuse_acudir_a_la_subdelegacion_is_flagged(policy: Policy, student: Student) -> None:
    truth = docs.NssAcuseTruth(nss=None, acudir_subdelegacion=True)
    reading = read_one(docs.nss_acuse_pdf(truth), "acuse.pdf")
    assert reading.report_fields() == truth.facts().report_fields()
    high_school = replace(policy, intake=replace(policy.intake, accept_nss_acuse=True))
    decision = decide(reading, high_school, student)
    assert decision.outcome is Outcome.NSS_ACUSE_RECEIVED
    assert any("Subdelegación" in reason for reason in decision.reasons)


def test_text_pdf_that_is_none_of_ours_is_unreadable(policy: Policy, student: Student) -> None:
    reading = read_one(docs.unknown_pdf(), "horario.pdf")
    assert reading.kind is DocumentKind.UNKNOWN
    assert decide(reading, policy, student).outcome is Outcome.UNREADABLE
