"""Decide the outcome of one received document: a pure function of facts, roster and policy.

Each rule is one small function returning a ``Decision`` or ``None`` (not mine, next rule).
The first rule that decides wins; every decision carries the reasons that led to it, in
words staff can read in ``afilia decisions --json``.

The safety rule (never a wrong negative): ``too_old``, ``registered_elsewhere``,
``covered_other_regime``, ``identity_mismatch`` and ``waiver_incomplete`` are given only
when the facts that prove them were read *and* validated. A decisive fact that is missing,
doubtful or contradictory gives ``needs_review``: staff decide, the student gets a neutral
reply. The first reason of a ``needs_review`` decision is in Spanish, for the digest.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
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
# Voluntary insurance a family buys itself (Seguro de Salud para la Familia): vigente with
# no employer at all, so no registro patronal is printed and none is missing.
FAMILY_HEALTH_INSURANCE_MODALIDAD = "33"
# The reason an NSS acuse carries where the school needs a constancia: it moves no case.
ACUSE_NOT_ENOUGH = "this school asks for a constancia: the student must download it"
# Where an emission date may come from for a too_old answer: a label, or the cadena.
_TRUSTED_DATE_SOURCES = ("label:", "cadena")


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
    case = _ocr_matched_to_roster(case)
    for rule in _RULES_BY_KIND.get(case.reading.kind, ()) if case.reading.problem is None else ():
        decision = rule(case)
        if decision is not None:
            return decision
    return _unreadable(case)


def review(case: Case, motivo: str, *detail: str) -> Decision:
    """Staff decide; ``motivo`` (Spanish) is what the digest shows them."""
    return Decision(Outcome.NEEDS_REVIEW, (motivo, *detail), case.roster.by_sender)


_OCR_CURP_SLACK = 2  # characters an OCR'd CURP may differ from the sender's in the roster


def _ocr_matched_to_roster(case: Case) -> Case:
    """An OCR'd CURP within two characters of the sender's roster CURP, with a valid NSS and
    the sender's name on the page, is the sender's CURP misread: read it as the roster's."""
    reading, student = case.reading, case.roster.by_sender
    facts = reading.facts
    if reading.confidence is not Confidence.OCR or student is None:
        return case
    if not isinstance(facts, ConstanciaFacts | NssAcuseFacts) or not facts.curp:
        return case
    curp = normalize_curp(facts.curp)
    if curp == student.curp or len(curp) != len(student.curp):
        return case
    differ = sum(a != b for a, b in zip(curp, student.curp, strict=True))
    if differ > _OCR_CURP_SLACK or not nss_is_valid(facts.nss) or not _same_name(case):
        return case
    sources = (*facts.sources, ("curp", "ocr:roster"))
    fixed = replace(reading, facts=replace(facts, curp=student.curp, sources=sources))
    return replace(case, reading=fixed, roster=replace(case.roster, by_document=student))


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


# --- any document -------------------------------------------------------------------------


def _edited_after_production(case: Case) -> Decision | None:
    """A PDF edited after it was produced, or printed fields that contradict the cadena
    original: never rejected on these signs alone, staff look."""
    doubts = getattr(case.reading.facts, "doubts", ())
    cadena = [d for d in doubts if d.startswith("cadena original")]
    if cadena:
        return review(case, "los datos impresos no coinciden con la cadena original", *cadena)
    if case.reading.tamper:
        return review(case, "el PDF fue modificado después de generarse", *case.reading.tamper)
    if doubts:
        return review(case, "el documento se contradice", *doubts)
    return None


def _sender_enrolled(case: Case) -> Decision | None:
    """A student on leave or withdrawn is not ours to insure (PAB-24 paso 11)."""
    student = case.roster.by_sender
    if student is not None and not student.status.is_enrolled:
        return Decision(
            Outcome.NOT_ENROLLED,
            (f"roster status {student.status}: not enrolled this term",),
            student,
        )
    return None


# --- identity ---------------------------------------------------------------------------


def _identifiers_checked(case: Case) -> Decision | None:
    """A CURP or NSS we could not read or that fails its check digit proves nothing about
    the student: staff look (never "no coincide" on a misread)."""
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts | NssAcuseFacts)
    reasons: list[str] = []
    if not curp_is_valid(facts.curp):
        reasons.append("CURP missing or its check digit fails")
    if (isinstance(facts, ConstanciaFacts) or facts.nss) and not nss_is_valid(facts.nss):
        reasons.append("NSS missing or its check digit fails")
    if reasons:
        return review(case, "no se pudo leer o validar la CURP o el NSS", *reasons)
    if isinstance(facts, ConstanciaFacts):
        assert facts.curp
        if facts.fecha_nacimiento and curp_birth_date(facts.curp) != facts.fecha_nacimiento:
            reasons.append("birth date on the document disagrees with the CURP")
        if facts.sexo and curp_sex(facts.curp) not in (facts.sexo, "X"):
            reasons.append("sex on the document disagrees with the CURP")
    if reasons:
        return review(case, "la fecha de nacimiento o el sexo no coinciden con la CURP", *reasons)
    return None


def _sender_matches_document(case: Case) -> Decision | None:
    by_sender, by_document = case.roster.by_sender, case.roster.by_document
    if by_sender is None and by_document is None:
        return Decision(Outcome.NOT_ENROLLED, ("neither the sender nor the CURP is on the roster",))
    if by_sender is None:
        # A student writing from a personal address: the document is theirs, the address
        # is unknown to us. Staff confirm; no data goes to an address we cannot vouch for.
        return review(
            case,
            "el remitente no está en la base de datos; el documento es de un alumno inscrito",
            "sender address is not on the roster; document belongs to a rostered student",
        )
    if by_document is None:
        if _same_name(case):
            return review(
                case,
                "la CURP del documento no es la del padrón, pero el nombre coincide",
                "document CURP is not on the roster; the name is the sender's",
            )
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


def _same_name(case: Case) -> bool:
    student = case.roster.by_sender
    nombre = getattr(case.reading.facts, "nombre", None)
    if student is None or not nombre:
        return False
    return _name_words(nombre) == _name_words(student.nombre_completo)


def _name_words(name: str) -> frozenset[str]:
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", name.upper()) if unicodedata.category(ch) != "Mn"
    )
    return frozenset(plain.replace(".", " ").split())


def _ocr_needs_roster_match(case: Case) -> Decision | None:
    """OCR'd text is trusted only when both identifiers check and match the roster."""
    if case.reading.confidence is not Confidence.OCR:
        return None
    facts = case.reading.facts
    student = case.roster.by_sender
    assert isinstance(facts, ConstanciaFacts | NssAcuseFacts)
    if student and nss_is_valid(facts.nss) and normalize_curp(facts.curp or "") == student.curp:
        return None
    return review(
        case,
        "documento leído por OCR: la CURP o el NSS no se pudieron confirmar",
        "read by OCR and NSS/CURP could not be confirmed against the roster",
    )


# --- constancia -------------------------------------------------------------------------


def _fresh_enough(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    student = case.roster.by_sender
    max_age = case.policy.intake.max_age_days
    emitted = facts.fecha_expedicion
    if emitted is None:
        return review(case, "no se encontró la fecha de expedición", "no emission date found")
    age = (case.received_on - emitted).days
    if age < 0:
        return review(
            case,
            "la fecha de expedición es posterior a la recepción",
            f"emitted {emitted.isoformat()}, after it was received ({case.received_on})",
        )
    if age > max_age:
        source = facts.source("fecha_expedicion") or ""
        if not source.startswith(_TRUSTED_DATE_SOURCES):
            return review(
                case,
                "la fecha de expedición no está en su lugar en el documento",
                f"emitted {emitted.isoformat()}? ({age} days) read from {source or 'nowhere'}",
            )
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
        return review(case, "no se encontró la situación (vigente o baja)", "Situación not found")
    return None


def _vigente_after_a_baja(case: Case) -> Decision | None:
    """VIGENTE while the last movement is a BAJA: IMSS keeps rights for a few weeks after a
    baja (conservación de derechos), or the page was read wrong. Either way staff look
    before we tell the student they are covered."""
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if (facts.tipo_ultimo_movimiento or "").upper().startswith("BAJA"):
        return review(
            case,
            "aparece vigente pero su último movimiento es una baja",
            "vigente with last movement BAJA (conservación de derechos?)",
        )
    return None


def _insured_here(case: Case) -> Decision | None:
    """Our registro patronal on a vigente constancia: insured by us, whatever the modalidad
    reads (an unread modalidad must not turn our own student into "another regime")."""
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if not case.policy.is_our_registro(facts.registro_patronal):
        return None
    return Decision(
        Outcome.ACCEPTED_INSURED_HERE,
        (
            _emitted_reason(case),
            f"vigente, our registro {facts.registro_patronal}, modalidad {facts.modalidad or '?'}",
        ),
        case.roster.by_sender,
    )


def _medical_service_read(case: Case) -> Decision | None:
    """Telling a student they are insured, here or elsewhere, needs their medical service
    read when the page shows it: a vigente constancia with servicio médico NO is one we
    still have to insure, and telling that student "ya estás asegurado" is wrong."""
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if facts.servicio_medico is None and "servicio_medico" in facts.unread:
        return review(
            case,
            "no se encontró si tiene derecho al servicio médico",
            "vigente, servicio médico not read",
        )
    return None


def _covered_as_family(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if not facts.parentesco:
        return None
    return _other_regime(case, f"covered as a worker's family member ({facts.parentesco})")


def _student_insurance_elsewhere(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if facts.registro_patronal is None:
        if facts.modalidad == FAMILY_HEALTH_INSURANCE_MODALIDAD:
            return _other_regime(
                case, "covered by the family's own health insurance (modalidad 33)"
            )
        return review(
            case, "no se encontró el registro patronal", "vigente, registro patronal not found"
        )
    if facts.modalidad is None:
        return review(
            case, "no se encontró la modalidad de aseguramiento", "vigente, modalidad not found"
        )
    if case.policy.resembles_our_registro(facts.registro_patronal):
        return review(
            case,
            "el registro patronal se parece al nuestro",
            f"registro {facts.registro_patronal} is within 2 characters of ours",
        )
    if _names_our_school(case):
        return review(
            case,
            "el patrón es la escuela pero el registro patronal no es el nuestro",
            f"registro {facts.registro_patronal} is not ours, employer {facts.patron}",
        )
    if facts.modalidad != STUDENT_INSURANCE_MODALIDAD:
        return None
    return Decision(
        Outcome.REGISTERED_ELSEWHERE,
        (
            _emitted_reason(case),
            f"vigente, modalidad 32, registro {facts.registro_patronal} is another institution's",
        ),
        case.roster.by_sender,
    )


def _names_our_school(case: Case) -> bool:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    if not facts.patron:
        return False
    employer = _name_words(facts.patron)
    ours = (case.policy.school.name, *case.policy.school.employer_name_patterns)
    return any(_name_words(name) and _name_words(name) <= employer for name in ours)


def _through_employment(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, ConstanciaFacts)
    return _other_regime(case, f"covered through employment (modalidad {facts.modalidad})")


def _other_regime(case: Case, how: str) -> Decision:
    policy = case.policy.intake.covered_other_regime
    reasons = (_emitted_reason(case), how, f"policy: {policy}")
    return Decision(Outcome.COVERED_OTHER_REGIME, reasons, case.roster.by_sender)


# --- renuncia and acuse -----------------------------------------------------------------


def _renuncia_identity(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, RenunciaFacts)
    if facts.matricula is None and facts.curp is None:
        return None  # nothing to compare; the completeness rule will name the matrícula
    if facts.curp and not curp_is_valid(facts.curp) and case.roster.by_document is None:
        return review(case, "la CURP de la carta no es válida", "waiver CURP fails its check digit")
    return _sender_matches_document(case)


def _renuncia_complete(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, RenunciaFacts)
    student = case.roster.by_sender
    missing = facts.missing()
    if missing:
        proven = facts.proven_missing()
        if proven != missing:
            unread = ", ".join(m for m in missing if m not in proven)
            return review(
                case,
                f"no se pudo leer en la carta renuncia: {unread}",
                f"waiver lacks {', '.join(missing)}; no place for {unread} was found",
            )
        return Decision(
            Outcome.WAIVER_INCOMPLETE, (f"waiver lacks: {', '.join(missing)}",), student, missing
        )
    if student is None:
        return Decision(Outcome.NOT_ENROLLED, ("sender is not on the roster",))
    return Decision(Outcome.WAIVER_RECEIVED, ("complete FOR-24-01 waiver",), student)


def _acuse_received(case: Case) -> Decision:
    facts = case.reading.facts
    assert isinstance(facts, NssAcuseFacts)
    reasons = ["IMSS NSS assignment acuse"]
    if not case.policy.intake.accept_nss_acuse:
        reasons.append(ACUSE_NOT_ENOUGH)
    if facts.acudir_subdelegacion:
        reasons.append("IMSS could not assign an NSS online: Acudir a la Subdelegación")
    return Decision(Outcome.NSS_ACUSE_RECEIVED, tuple(reasons), case.roster.by_sender)


def _acuse_identifiers(case: Case) -> Decision | None:
    facts = case.reading.facts
    assert isinstance(facts, NssAcuseFacts)
    if facts.curp is None and case.roster.by_sender is not None:
        return review(case, "no se pudo leer la CURP del acuse", "acuse CURP not found")
    return _identifiers_checked(case)


_RULES_BY_KIND: dict[DocumentKind, tuple[Rule, ...]] = {
    DocumentKind.CONSTANCIA: (
        _edited_after_production,
        _sender_enrolled,
        _identifiers_checked,
        _sender_matches_document,
        _ocr_needs_roster_match,
        _fresh_enough,
        _not_insured,
        _vigente_after_a_baja,
        _medical_service_read,
        _insured_here,
        _covered_as_family,
        _student_insurance_elsewhere,
        _through_employment,
    ),
    DocumentKind.RENUNCIA: (
        _edited_after_production,
        _renuncia_identity,
        _renuncia_complete,
    ),
    DocumentKind.NSS_ACUSE: (
        _edited_after_production,
        _sender_enrolled,
        _acuse_identifiers,
        _sender_matches_document,
        _ocr_needs_roster_match,
        _acuse_received,
    ),
}
