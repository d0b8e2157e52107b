"""What the staff's daily digest says: a pure function of the cases and the day's facts.

The digest answers "what do I do today": altas and bajas to register at IMSS (also as CSV
files in the forms' style), credentials to print and to hand over, the procedure's
"salidas no conformes" with the days elapsed and the corrective action, students who let
the deadline pass, the human-review queue, outbox failures, the indicator and daemon health.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from daemon.domain import service_levels
from daemon.domain.calendar import BusinessCalendar
from daemon.domain.imss_forms import imss_csv
from daemon.domain.outcomes import NEEDS_STAFF_REVIEW, Outcome
from daemon.domain.policy import CoveredOtherRegime, Policy, ProcedureRules
from daemon.domain.portal_check import portal_check_on
from daemon.domain.procedure_state import WITH_VIGENCIA, StudentCase, Term, baja_pending
from daemon.domain.reminders import request_window

if TYPE_CHECKING:
    from daemon.domain.corrective_actions import FollowUp


class OverdueKind(StrEnum):
    ALTA = "alta"
    CREDENTIAL = "credencial"


@dataclass(frozen=True, slots=True)
class StudentLine:
    matricula: str
    nombre: str
    email: str
    detail: str = ""
    since: date | None = None


@dataclass(frozen=True, slots=True)
class Overdue:
    """A salida no conforme (PAB-24 §8)."""

    kind: OverdueKind
    matricula: str
    nombre: str
    since: date
    business_days: int
    limit: int
    corrective_action: str
    due: date | None = None  # the last day in time
    corrective_due: date | None = None  # credential: deliver by then at the latest
    document_on: date | None = None  # when the student's document arrived
    # The document came after the term's section-8 deadline: the miss is on record (the
    # criterion is the term's), and staff and Rectoría see why.
    late_document: bool = False


@dataclass(frozen=True, slots=True)
class ReviewItem:
    sender: str
    outcome: str
    reason: str
    at: datetime
    matricula: str | None = None
    motivo: str = ""  # needs_review: why staff must decide, in Spanish
    token: str = ""  # "#123" (a decision) or "#C7" (a quarantined mail): its review mail
    mailed: bool = False  # its review mail (document attached, words to answer) was sent


@dataclass(frozen=True, slots=True)
class OutboxFailure:
    recipient: str
    template: str
    error: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    name: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class Indicator:
    """Credenciales entregadas / matrícula de nuevo ingreso con vigencia (goal 100%)."""

    label: str
    delivered: int
    with_vigencia: int

    @property
    def percent(self) -> float | None:
        if not self.with_vigencia:
            return None
        return round(100.0 * self.delivered / self.with_vigencia, 1)


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """What the service gathered besides the cases (all already filtered to this digest)."""

    since: datetime | None
    counts: Mapping[str, int]
    review: Sequence[ReviewItem] = ()
    outbox_failures: Sequence[OutboxFailure] = ()
    health: Sequence[MailboxHealth] = ()
    terms: Sequence[Term] = ()
    roster_imported_on: date | None = None  # the last roster or leave-list import


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    since: datetime | None
    counts: Mapping[str, int]
    altas: tuple[StudentLine, ...]
    bajas: tuple[StudentLine, ...]
    subdelegacion: tuple[StudentLine, ...]
    to_print: tuple[StudentLine, ...]
    to_deliver: tuple[StudentLine, ...]
    overdue: tuple[Overdue, ...]
    no_document: tuple[StudentLine, ...]
    review: tuple[ReviewItem, ...]
    outbox_failures: tuple[OutboxFailure, ...]
    indicators: tuple[Indicator, ...]
    health: tuple[MailboxHealth, ...]
    uncollected: tuple[StudentLine, ...] = ()  # printed, pickup window over, not collected
    to_verify: tuple[StudentLine, ...] = ()  # paso 5: altas to check on the IMSS portal
    roster_due: Term | None = None  # paso 1: ask Control Escolar for this term's roster
    bajas_list_due: date | None = None  # ask Control Escolar for the leave list since then
    next_movement: date | None = None
    notes: tuple[str, ...] = field(default=())
    # Filled by the digest service from domain.corrective_actions and domain.resello:
    # PAB-24 paso 12 follow-up (open salidas without a corrective action; with one, but the
    # fault remains) and paso 9 (returners who did not re-stamp by the deadline).
    without_corrective_action: tuple[Overdue, ...] = ()
    corrective_unresolved: tuple[FollowUp, ...] = ()
    resello_overdue: tuple[StudentLine, ...] = ()

    @property
    def has_work(self) -> bool:
        return any(
            (self.altas, self.to_verify, self.bajas, self.subdelegacion, self.to_print)
        ) or any(
            (self.to_deliver, self.overdue, self.review, self.outbox_failures, self.no_document)
        )


def review_outcomes(policy: Policy) -> frozenset[Outcome]:
    """The decisions staff must look at. Under ``covered_other_regime = "ask"`` the reply
    tells a covered student that staff will confirm their case, so those go in the queue."""
    if policy.intake.covered_other_regime is CoveredOtherRegime.ASK:
        return NEEDS_STAFF_REVIEW | {Outcome.COVERED_OTHER_REGIME}
    return NEEDS_STAFF_REVIEW


def build_digest(
    cases: Iterable[StudentCase],
    facts: DigestFacts,
    *,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
    next_movement: date | None = None,
) -> Digest:
    cases = sorted(cases, key=lambda c: c.matricula)
    rules = policy.procedure
    altas, bajas, subdelegacion, to_print, to_deliver, no_document = [], [], [], [], [], []
    overdue: list[Overdue] = []
    uncollected: list[StudentLine] = []
    to_verify: list[StudentLine] = []
    for case in cases:
        check_on = portal_check_on(case, policy, calendar)
        due_for_check = check_on is not None and check_on <= today
        if due_for_check and case.alta is not None and case.student.status.is_enrolled:
            to_verify.append(_line(case, "alta registrada", case.alta.done_on))
        if case.alta_pending:
            altas.append(_line(case, f"{case.on_file}", case.alta_requested_on))
            late = _alta_overdue(case, today, rules, calendar)
            if late is not None:
                overdue.append(late)
        if case.subdelegacion and case.alta_requested_on is not None:
            detail = "IMSS no asignó NSS en línea: solicitarlo en la Subdelegación"
            subdelegacion.append(_line(case, detail, case.alta_requested_on))
        if baja_pending(case, rules):
            why = "solicitó su baja" if case.baja_requested_on else str(case.student.status)
            bajas.append(_line(case, why, case.baja_requested_on))
        if (
            case.student.status.is_enrolled
            and case.needs_card
            and case.on_file is not None
            and not case.delivered_on
        ):
            if case.in_print_queue and case.reposicion_on is not None:
                to_print.append(_line(case, "reposición (duplicado)", case.reposicion_on))
            elif case.in_print_queue:
                to_print.append(_line(case, str(case.on_file), case.on_file_on))
            elif case.printed is not None and today > case.printed.pickup_until:
                window = f"{case.printed.pickup_from:%d/%m} al {case.printed.pickup_until:%d/%m}"
                uncollected.append(
                    _line(case, f"no la recogió; entrega del {window}", case.printed.printed_on)
                )
            elif case.printed is not None:
                window = f"{case.printed.pickup_from:%d/%m} al {case.printed.pickup_until:%d/%m}"
                to_deliver.append(_line(case, f"entrega {window}", case.printed.printed_on))
            late = _credential_overdue(case, today, rules, calendar)
            if late is not None:
                overdue.append(late)
        window = request_window(case, policy, calendar)
        if (
            window
            and case.on_file is None
            and case.student.status.is_enrolled
            and today > window[1]
        ):
            no_document.append(_line(case, f"plazo vencido el {window[1]:%d/%m/%Y}", window[1]))
    return Digest(
        day=today,
        since=facts.since,
        counts=dict(sorted(facts.counts.items())),
        altas=tuple(altas),
        bajas=tuple(bajas),
        subdelegacion=tuple(subdelegacion),
        to_print=tuple(to_print),
        to_deliver=tuple(to_deliver),
        uncollected=tuple(uncollected),
        to_verify=tuple(to_verify),
        roster_due=roster_due(cases, facts.terms, today, calendar),
        overdue=tuple(sorted(overdue, key=lambda o: (-o.business_days, o.matricula))),
        no_document=tuple(no_document),
        review=tuple(facts.review),
        outbox_failures=tuple(facts.outbox_failures),
        indicators=indicators(cases, facts.terms, today),
        health=tuple(facts.health),
        bajas_list_due=_bajas_list_due(facts, today, policy, calendar),
        next_movement=next_movement,
    )


def _line(case: StudentCase, detail: str, since: date | None) -> StudentLine:
    student = case.student
    return StudentLine(
        student.matricula, student.nombre_completo, student.reply_address(), detail, since
    )


def _alta_overdue(
    case: StudentCase, today: date, rules: ProcedureRules, calendar: BusinessCalendar
) -> Overdue | None:
    due = service_levels.alta_due(case, rules, calendar)
    start = service_levels.clock_start(case, calendar)
    if due is None or start is None or today <= due:
        return None
    return Overdue(
        OverdueKind.ALTA,
        case.matricula,
        case.student.nombre_completo,
        start,
        calendar.elapsed(start, today),
        rules.alta_sla,
        "Realizar el alta de manera inmediata",
        due=due,
        document_on=case.alta_requested_on,
        late_document=case.alta_requested_on is not None and case.alta_requested_on > due,
    )


def _credential_overdue(
    case: StudentCase, today: date, rules: ProcedureRules, calendar: BusinessCalendar
) -> Overdue | None:
    due = service_levels.credential_due(case, rules, calendar)
    # A duplicate's clock is its paid reposición (policy 4.4); a first card's, the term.
    start = case.reposicion_on or service_levels.clock_start(case, calendar)
    if due is None or start is None or today <= due:
        return None
    if service_levels.credential_in_time(case, due):
        return None
    corrective = service_levels.corrective_due(due, rules, calendar)
    action = f"Entregar a más tardar el {corrective:%d/%m/%Y}"
    if today > corrective:
        action += " (acción correctiva vencida)"
    return Overdue(
        OverdueKind.CREDENTIAL,
        case.matricula,
        case.student.nombre_completo,
        start,
        calendar.elapsed(start, today),
        rules.credential_sla,
        action,
        due=due,
        corrective_due=corrective,
        document_on=case.on_file_on,
        late_document=service_levels.arrived_after_section_8(case, rules, calendar),
    )


ROSTER_REQUEST_BEFORE = 5  # business days before term start


def roster_due(
    cases: Sequence[StudentCase], terms: Sequence[Term], today: date, calendar: BusinessCalendar
) -> Term | None:
    """PAB-24 paso 1: "Solicita a Control Escolar la base de datos del alumnado inscrito al
    inicio del cuatrimestre". From a week before a term starts until its roster is imported
    (some student linked to the term), staff are reminded to ask for it: without it afilia
    would answer every student "no te encontramos"."""
    linked = {case.term.id for case in cases if case.term is not None}
    for term in sorted(terms, key=lambda t: t.starts_on):
        if term.ends_on < today or term.id in linked:
            continue
        if today >= calendar.add(calendar.on_or_after(term.starts_on), -ROSTER_REQUEST_BEFORE):
            return term
    return None


def _bajas_list_due(
    facts: DigestFacts, today: date, policy: Policy, calendar: BusinessCalendar
) -> date | None:
    """Control Escolar owes the leave/withdrawal list N business days after term start;
    staff are reminded until they import a list on or after that day (even one that changes
    nobody: the registrar may report no leaves). Edits that are not an import do not count."""
    for term in facts.terms:
        if not term.contains(today):
            continue
        due = calendar.add(calendar.on_or_after(term.starts_on), policy.procedure.bajas_list_after)
        imported = facts.roster_imported_on
        if today >= due and (imported is None or imported < due):
            return due
    return None


def indicators(
    cases: Sequence[StudentCase], terms: Sequence[Term], today: date
) -> tuple[Indicator, ...]:
    """Per term (those started by today) and per calendar year of the term's start.

    A student counts in the term the roster first listed them for, as long as they came in
    as a new entry and have vigencia de derechos: re-importing the roster for the next term
    (which moves them on and clears their new-entry flag) must not rewrite a closed term's
    figure. One who left without collecting their card no longer counts against it. A
    duplicate (policy 4.4) is not a second card: the first delivery is the one counted.
    """
    ordered = sorted(terms, key=lambda t: t.starts_on)
    counted: dict[int, list[int]] = {t.id: [0, 0] for t in ordered}
    for case in cases:
        first = entry_term(case, ordered)
        if first is None or case.on_file not in WITH_VIGENCIA:
            continue
        if case.card_delivered_on is None and not case.student.status.is_enrolled:
            continue
        if not _came_in_new(case, first, ordered):
            continue
        counted[first.id][0] += 1 if case.card_delivered_on is not None else 0
        counted[first.id][1] += 1
    found = []
    by_year: dict[int, list[int]] = {}
    for term in ordered:
        if term.starts_on > today:
            continue
        delivered, total = counted[term.id]
        found.append(Indicator(term.name, delivered, total))
        year = by_year.setdefault(term.starts_on.year, [0, 0])
        year[0] += delivered
        year[1] += total
    for year, (delivered, total) in sorted(by_year.items()):
        found.append(Indicator(f"Año {year}", delivered, total))
    return tuple(found)


def entry_term(case: StudentCase, terms: Sequence[Term]) -> Term | None:
    """The term the roster first listed the student for: the first one that had not ended
    the day they appeared (rosters are imported a few days before a term starts)."""
    return next((t for t in terms if t.ends_on >= case.first_seen_on), None)


def _came_in_new(case: StudentCase, first: Term, terms: Sequence[Term]) -> bool:
    """Still in their first term: the roster's flag says. Moved on: they were new then if
    their term number, counted back over the terms since, was 1 (students already in
    second term or later when afilia first imported the roster do not count)."""
    if case.term is None or case.term.id == first.id:
        return case.student.new_entry
    since = sum(1 for t in terms if first.starts_on < t.starts_on <= case.term.starts_on)
    return case.student.term_number - since <= 1


ALTA_COLUMNS = (
    "NSS",
    "CURP",
    "PRIMER APELLIDO",
    "SEGUNDO APELLIDO",
    "NOMBRE(S)",
    "MATRICULA",
    "PROGRAMA",
)


def movements_csv(cases: Iterable[StudentCase], matriculas: Iterable[str]) -> bytes:
    """The alta or baja list as the IMSS forms want it: uppercase, no accents."""
    wanted = set(matriculas)
    rows = []
    for case in sorted(cases, key=lambda c: c.matricula):
        if case.matricula not in wanted:
            continue
        student = case.student
        rows.append(
            (
                case.nss or "",
                student.curp,
                student.apellido_paterno,
                student.apellido_materno,
                student.nombres,
                student.matricula,
                student.programa,
            )
        )
    return imss_csv(ALTA_COLUMNS, rows)
