"""The term report for Rectoría (PAB-24 paso 12, "informa a Rectoría en reunión de Alta
Dirección"): a pure function of the cases, the corrective actions and the day.

It counts, for one term, the two outputs of §8 against their acceptance criteria: altas at
IMSS and credentials delivered within ``alta_sla`` / ``credential_sla`` business days of
the term's start (or of the student's document, when it came later: the same start the
digest's salidas no conformes count from). Each late one is a salida no conforme; the
report lists them, closed or still open, with the corrective actions staff recorded, and
gives the §6 indicator for the term and its year.

Which term an alta or a credential belongs to is decided by the date of the document that
asked for it (documents come in a few days before a term starts), so a closed term's report
does not change when the roster moves its students on to the next term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from daemon.domain import service_levels
from daemon.domain.calendar import BusinessCalendar, local_date
from daemon.domain.corrective_actions import CorrectiveAction, actions_for
from daemon.domain.digest import Indicator, OverdueKind, indicators
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import NEEDS_ALTA, StudentCase, Term


class Standing(StrEnum):
    IN_TIME = "en tiempo"
    LATE = "fuera de tiempo"  # done, after the plazo: a closed salida no conforme
    LATE_OPEN = "vencida sin atender"  # not done and past the plazo: an open one
    PENDING = "pendiente en plazo"  # not done, the plazo has not passed


@dataclass(frozen=True, slots=True)
class Tally:
    in_time: int = 0
    late: int = 0
    late_open: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.in_time + self.late + self.late_open + self.pending

    def add(self, standing: Standing) -> Tally:
        return Tally(
            self.in_time + (standing is Standing.IN_TIME),
            self.late + (standing is Standing.LATE),
            self.late_open + (standing is Standing.LATE_OPEN),
            self.pending + (standing is Standing.PENDING),
        )


@dataclass(frozen=True, slots=True)
class SalidaNoConforme:
    """A late alta or credential of the term, with what staff did about it."""

    kind: OverdueKind
    matricula: str
    nombre: str
    since: date  # the plazo counts from here
    deadline: date  # the last business day of the plazo
    done_on: date | None  # the alta / the delivery, when it finally happened
    business_days: int  # elapsed from ``since`` to ``done_on`` (or to the report day)
    limit: int
    actions: tuple[CorrectiveAction, ...]

    @property
    def open(self) -> bool:
        return self.done_on is None


@dataclass(frozen=True, slots=True)
class TermDates:
    starts_on: date
    ends_on: date
    alta_deadline: date  # altas of documents received by the start: by this day
    credential_deadline: date
    resello_deadline: date
    bajas_list_due: date  # Control Escolar sends the leave/withdrawal list (paso 10)


@dataclass(frozen=True, slots=True)
class TermReport:
    term: Term
    today: date
    dates: TermDates
    altas: Tally
    credentials: Tally
    salidas: tuple[SalidaNoConforme, ...]
    indicator: Indicator | None  # §6 for the term
    year_indicator: Indicator | None  # §6 for the calendar year of the term's start


def term_for(day: date, terms: Sequence[Term]) -> Term | None:
    """The term a document received on ``day`` is for: the first that had not ended."""
    return next((t for t in sorted(terms, key=lambda t: t.starts_on) if t.ends_on >= day), None)


def term_report(
    cases: Iterable[StudentCase],
    term: Term,
    terms: Sequence[Term],
    actions: Sequence[CorrectiveAction],
    *,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> TermReport:
    cases = sorted(cases, key=lambda c: c.matricula)
    rules = policy.procedure
    ordered = sorted(terms, key=lambda t: t.starts_on)
    following = next((t for t in ordered if t.starts_on > term.starts_on), None)
    until = following.starts_on if following else None
    # A term still running is counted to today; a closed one to its last day.
    counted_to = min(today, term.ends_on)
    altas, credentials = Tally(), Tally()
    salidas: list[SalidaNoConforme] = []

    def judge(kind: OverdueKind, case: StudentCase, done: date | None) -> Standing:
        """Against the digest's own deadlines (``service_levels``): one rule for both."""
        if kind is OverdueKind.ALTA:
            due = service_levels.alta_due(case, rules, calendar, term)
            limit = rules.alta_sla
        else:
            due = service_levels.credential_due(case, rules, calendar, term)
            limit = rules.credential_sla
        start = service_levels.clock_start(case, calendar, term)
        if due is None or start is None:
            return Standing.IN_TIME if done else Standing.PENDING
        end = done or counted_to
        printed_in_time = kind is OverdueKind.CREDENTIAL and service_levels.credential_in_time(
            case, due
        )
        if end <= due or printed_in_time:
            return Standing.IN_TIME if done else Standing.PENDING
        elapsed = calendar.elapsed(start, end)
        found = actions_for(kind, case.matricula, start, actions, before=until)
        salidas.append(
            SalidaNoConforme(
                kind,
                case.matricula,
                case.student.nombre_completo,
                start,
                due,
                done,
                elapsed,
                limit,
                found,
            )
        )
        return Standing.LATE if done else Standing.LATE_OPEN

    for case in cases:
        alta = _alta_of(case, tz)
        if alta is not None:
            received, done = alta
            if term_for(received or done or today, ordered) == term:
                altas = altas.add(judge(OverdueKind.ALTA, case, done))
        if case.on_file is not None and case.on_file_on is not None:
            enrolled = case.student.status.is_enrolled
            if term_for(case.on_file_on, ordered) == term and (enrolled or case.delivered_on):
                credentials = credentials.add(
                    judge(OverdueKind.CREDENTIAL, case, case.delivered_on)
                )
    found = {i.label: i for i in indicators(cases, ordered, today)}
    first_day = calendar.on_or_after(term.starts_on)
    return TermReport(
        term=term,
        today=today,
        dates=TermDates(
            starts_on=term.starts_on,
            ends_on=term.ends_on,
            alta_deadline=calendar.add(first_day, rules.alta_sla),
            credential_deadline=calendar.add(first_day, rules.credential_sla),
            resello_deadline=calendar.add(first_day, rules.resello_window),
            bajas_list_due=calendar.add(first_day, rules.bajas_list_after),
        ),
        altas=altas,
        credentials=credentials,
        salidas=tuple(sorted(salidas, key=lambda s: (s.kind != OverdueKind.ALTA, s.matricula))),
        indicator=found.get(term.name),
        year_indicator=found.get(f"Año {term.starts_on.year}"),
    )


def _alta_of(case: StudentCase, tz: ZoneInfo) -> tuple[date | None, date | None] | None:
    """(document that asked for it, day it was done) of the student's alta, or None when
    they needed none. A pending alta waiting on the Subdelegación for an NSS is left out,
    as the digest leaves it out of the salidas no conformes."""
    if case.alta_pending and case.student.status.is_enrolled:
        return case.alta_requested_on, None
    if case.alta is None:
        return None
    done = local_date(case.alta.done_at, tz)
    asked = case.on_file_on if case.on_file in NEEDS_ALTA else None
    # A later constancia (now showing our registro) replaced the request: date unknown.
    return (asked if asked is not None and asked <= done else None), done


def salidas_of(
    case: StudentCase,
    terms: Sequence[Term],
    actions: Sequence[CorrectiveAction],
    *,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> tuple[SalidaNoConforme, ...]:
    """The student's salidas no conformes, open or closed, that a corrective action recorded
    ``today`` is about: those of the latest term started by today."""
    started = [t for t in sorted(terms, key=lambda t: t.starts_on) if t.starts_on <= today]
    if not started:
        return ()
    report = term_report(
        [case], started[-1], terms, actions, today=today, policy=policy, calendar=calendar, tz=tz
    )
    return report.salidas
