"""Decide the outcome of one received document: a pure function of facts, roster and policy.

Each rule is one small function returning a ``Decision`` or ``None`` (not mine, next rule).
The first rule that decides wins; every decision carries the reasons that led to it, in
words staff can read in ``afilia decisions --json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from daemon.domain.facts import (
    ConstanciaFacts,
    DocumentReading,
    NssAcuseFacts,
    RenunciaFacts,
)
from daemon.domain.identifiers import (
    curp_birth_date,
    curp_is_valid,
    curp_sex,
    normalize_curp,
    nss_is_valid,
)
from daemon.domain.outcomes import Confidence, DocumentKind, Outcome, ReadProblem
from daemon.domain.policy import Policy
from daemon.domain.student import Student

STUDENT_INSURANCE_MODALIDAD = "32"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...]
    student: Student | None = None
    missing: tuple[str, ...] = ()  # for waiver_incomplete: what the student must add

    @property
    def matricula(self) -> str | None:
        return self.student.matricula if self.student else None


@dataclass(frozen=True, slots=True)
class Roster:
    """The two lookups classification needs, already done by the caller."""

    by_sender: Student | None  # the student whose roster email sent the mail
    by_document: Student | None  # the student whose CURP/matrícula the document names


@dataclass(frozen=True, slots=True)
class Case:
    reading: DocumentReading
    roster: Roster
    sender: str
    received_on: date
    policy: Policy


Rule = Callable[[Case], Decision | None]


def classify(case: Case) -> Decision:
    for rule in _RULES_BY_KIND.get(case.reading.kind, ()) if case.reading.problem is None else ():
        decision = rule(case)
        if decision is not None:
            return decision
    return _unreadable(case)


# --- reading problems -------------------------------------------------------------------


def _unreadable(case: Case) -> Decision:
    reading = case.reading
    student = case.roster.by_sender
    if reading.problem is ReadProblem.UNSAFE:
        return Decision(
            Outcome.REJECTED_UNSAFE, (f"unsafe file: {reading.problem_detail}",), student
        )
    if reading.problem is ReadProblem.NO_TEXT:
        why = reading.problem_detail or "no text layer (image or scan)"
        return Decision(Outcome.UNREADABLE, (why,), student)
    detail = reading.problem_detail or f"not a known document ({reading.kind})"
    return Decision(Outcome.UNREADABLE, (detail,), student)


# --- identity ---------------------------------------------------------------------------


def _identifiers_checked(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts | NssAcuseFacts)
    reasons: list[str] = []
    if not curp_is_valid(facts.curp):
        reasons.append("CURP missing or its check digit fails")
    if (isinstance(facts, ConstanciaFacts) or facts.nss) and not nss_is_valid(facts.nss):
        reasons.append("NSS missing or its check digit fails")
    if isinstance(facts, ConstanciaFacts) and facts.curp and curp_is_valid(facts.curp):
        if facts.fecha_nacimiento and curp_birth_date(facts.curp) != facts.fecha_nacimiento:
            reasons.append("birth date on the document disagrees with the CURP")
        if facts.sexo and curp_sex(facts.curp) not in (facts.sexo, "X"):
            reasons.append("sex on the document disagrees with the CURP")
    if reasons:
        return Decision(Outcome.IDENTITY_MISMATCH, tuple(reasons), case.roster.by_sender)
    return None


def _sender_matches_document(case: Case) -> Decision | None:
    by_sender, by_document = case.roster.by_sender, case.roster.by_document
    if by_sender is None and by_document is None:
        return Decision(Outcome.NOT_ENROLLED, ("neither the sender nor the CURP is on the roster",))
    if by_sender is None:
        return Decision(
            Outcome.IDENTITY_MISMATCH,
            ("sender address is not on the roster; document belongs to a rostered student",),
            None,
        )
    if by_document is None:
        return Decision(
            Outcome.IDENTITY_MISMATCH,
            ("document names a student who is not the sender",),
            by_sender,
        )
    if by_sender.matricula != by_document.matricula:
        return Decision(
            Outcome.IDENTITY_MISMATCH,
            ("document belongs to another student than the sender",),
            by_sender,
        )
    return None


def _ocr_needs_roster_match(case: Case) -> Decision | None:
    """OCR'd text is trusted only when both identifiers check and match the roster."""
    if case.reading.confidence is not Confidence.OCR:
        return None
    facts = case.reading.facts
    student = case.roster.by_sender
    assert isinstance(facts, ConstanciaFacts)
    if student and nss_is_valid(facts.nss) and normalize_curp(facts.curp or "") == student.curp:
        return None
    return Decision(
        Outcome.IDENTITY_MISMATCH,
        ("read by OCR and NSS/CURP could not be confirmed against the roster",),
        student,
    )


# --- constancia -------------------------------------------------------------------------


def _fresh_enough(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    student = case.roster.by_sender
    max_age = case.policy.intake.max_age_days
    emitted = facts.fecha_expedicion
    if emitted is None:
        return Decision(Outcome.UNREADABLE, ("no emission date found on the constancia",), student)
    age = (case.received_on - emitted).days
    if age < 0:
        return Decision(
            Outcome.TOO_OLD,
            (f"emitted {emitted.isoformat()}, after it was received ({case.received_on})",),
            student,
        )
    if age > max_age:
        return Decision(
            Outcome.TOO_OLD,
            (f"emitted {emitted.isoformat()}, {age} days before receipt, max {max_age}",),
            student,
        )
    return None


def _emitted_reason(case: Case) -> str:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    assert facts.fecha_expedicion
    age = (case.received_on - facts.fecha_expedicion).days
    max_age = case.policy.intake.max_age_days
    return f"emitted {facts.fecha_expedicion.isoformat()}, {age} days before receipt, max {max_age}"


def _not_insured(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if facts.vigente is False or facts.servicio_medico is False:
        why = "Situación BAJA" if facts.vigente is False else "servicio médico NO"
        return Decision(
            Outcome.ACCEPTED_NOT_INSURED, (_emitted_reason(case), why), case.roster.by_sender
        )
    if facts.vigente is None:
        return Decision(
            Outcome.UNREADABLE, ("Situación (VIGENTE/BAJA) not found",), case.roster.by_sender
        )
    return None


def _student_insurance(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if facts.modalidad != STUDENT_INSURANCE_MODALIDAD or facts.parentesco:
        return None
    student = case.roster.by_sender
    if case.policy.is_our_registro(facts.registro_patronal):
        return Decision(
            Outcome.ACCEPTED_INSURED_HERE,
            (
                _emitted_reason(case),
                f"vigente, modalidad 32, our registro {facts.registro_patronal}",
            ),
            student,
        )
    return Decision(
        Outcome.REGISTERED_ELSEWHERE,
        (
            _emitted_reason(case),
            f"vigente, modalidad 32, registro {facts.registro_patronal} is another institution's",
        ),
        student,
    )


def _other_regime(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if facts.parentesco:
        how = f"covered as a worker's family member ({facts.parentesco})"
    else:
        how = f"covered through employment (modalidad {facts.modalidad or '?'})"
    policy = case.policy.intake.covered_other_regime
    reasons = (_emitted_reason(case), how, f"policy: {policy}")
    return Decision(Outcome.COVERED_OTHER_REGIME, reasons, case.roster.by_sender)


# --- renuncia and acuse -----------------------------------------------------------------


def _renuncia_identity(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, RenunciaFacts)
    if facts.matricula is None and facts.curp is None:
        return None  # nothing to compare; waiver_incomplete will name the matrícula
    return _sender_matches_document(case)


def _renuncia_complete(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, RenunciaFacts)
    student = case.roster.by_sender
    missing = facts.missing()
    if missing:
        return Decision(
            Outcome.WAIVER_INCOMPLETE, (f"waiver lacks: {', '.join(missing)}",), student, missing
        )
    if student is None:
        return Decision(Outcome.NOT_ENROLLED, ("sender is not on the roster",))
    return Decision(Outcome.WAIVER_RECEIVED, ("complete FOR-24-01 waiver",), student)


def _acuse_accepted(case: Case) -> Decision | None:
    if case.policy.intake.accept_nss_acuse:
        return None
    return Decision(
        Outcome.UNREADABLE,
        ("NSS acuse received but this school asks for a constancia",),
        case.roster.by_sender,
    )


def _acuse_received(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, NssAcuseFacts)
    reasons = ["IMSS NSS assignment acuse"]
    if facts.acudir_subdelegacion:
        reasons.append("IMSS could not assign an NSS online: Acudir a la Subdelegación")
    return Decision(Outcome.NSS_ACUSE_RECEIVED, tuple(reasons), case.roster.by_sender)


_RULES_BY_KIND: dict[DocumentKind, tuple[Rule, ...]] = {
    DocumentKind.CONSTANCIA: (
        _identifiers_checked,
        _sender_matches_document,
        _ocr_needs_roster_match,
        _fresh_enough,
        _not_insured,
        _student_insurance,
        _other_regime,
    ),
    DocumentKind.RENUNCIA: (_renuncia_identity, _renuncia_complete),
    DocumentKind.NSS_ACUSE: (
        _acuse_accepted,
        _identifiers_checked,
        _sender_matches_document,
        _acuse_received,
    ),
}
