"""PAB-24 paso 12 ("informa a Rectoría en reunión de Alta Dirección"): the term report
counts the §8 outputs against their acceptance criteria, lists the salidas no conformes
with their corrective actions, and gives the §6 indicator."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.corrective_actions import CorrectiveAction
from daemon.domain.digest import OverdueKind
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import Alta, StudentCase, Term
from daemon.domain.term_report import Tally, TermReport, salidas_of, term_report
from tests.unit.procedure.conftest import TERM

TZ = ZoneInfo("America/Mexico_City")
EARLIER = Term(id=6, name="2026-1", starts_on=date(2026, 1, 5), ends_on=date(2026, 4, 24))
TERMS = (EARLIER, TERM)
D = date


def _at(day: date, hour: int = 11) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def _student(case: StudentCase, matricula: str, **changes: object) -> StudentCase:
    return replace(case, student=replace(case.student, matricula=matricula), **changes)


def _cases(case: StudentCase) -> list[StudentCase]:
    not_insured = {"on_file": Outcome.ACCEPTED_NOT_INSURED, "on_file_on": D(2026, 5, 5)}
    return [
        # Alta on 12 May, card on 20 May: both within 15 business days.
        _student(case, "A", alta=Alta(1, _at(D(2026, 5, 12))), delivered_on=D(2026, 5, 20),
                 **not_insured),
        # Alta on 28 May, card on 29 May: 18 and 19 business days after the term start.
        _student(case, "B", alta=Alta(2, _at(D(2026, 5, 28))), delivered_on=D(2026, 5, 29),
                 **not_insured),
        # Neither by 1 June: two open salidas no conformes.
        _student(case, "C", alta_requested_on=D(2026, 5, 5), **not_insured),
        # Insured already, constancia on 28 May: the card is not due yet.
        _student(case, "D", on_file=Outcome.ACCEPTED_INSURED_HERE, on_file_on=D(2026, 5, 28)),
        # Last term's student: not this term's business.
        _student(case, "E", alta=Alta(3, _at(D(2026, 1, 20))), delivered_on=D(2026, 1, 22),
                 on_file=Outcome.ACCEPTED_NOT_INSURED, on_file_on=D(2026, 1, 8),
                 first_seen_on=D(2026, 1, 2)),
    ]  # fmt: skip


ACTIONS = (
    CorrectiveAction(
        1, "B", OverdueKind.ALTA, "Se pidió el alta en el IDSE", "jefa", _at(D(2026, 5, 27))
    ),
    CorrectiveAction(
        2, "B", OverdueKind.CREDENTIAL, "Se llamó a la alumna", "cli:ana", _at(D(2026, 5, 28))
    ),
    CorrectiveAction(3, "E", OverdueKind.ALTA, "De otro periodo", "jefa", _at(D(2026, 2, 2))),
)
TODAY = D(2026, 6, 1)


def _report(case: StudentCase, policy: Policy, today: date = TODAY) -> TermReport:
    return term_report(
        _cases(case), TERM, TERMS, ACTIONS, today=today, policy=policy,
        calendar=BusinessCalendar(), tz=TZ,
    )  # fmt: skip


def test_paso_12_term_report_counts_altas_and_credentials_against_the_15_business_days(
    case: StudentCase, policy: Policy
) -> None:
    report = _report(case, policy)
    assert report.altas == Tally(in_time=1, late=1, late_open=1, pending=0)
    assert report.credentials == Tally(in_time=1, late=1, late_open=1, pending=1)


def test_paso_12_salidas_no_conformes_carry_their_corrective_actions(
    case: StudentCase, policy: Policy
) -> None:
    salidas = [
        (s.kind, s.matricula, s.since, s.deadline, s.done_on, s.business_days, s.open)
        for s in _report(case, policy).salidas
    ]
    assert salidas == [
        # Section 8: both clocks run from the term start (4 May), due on 25 May.
        (OverdueKind.ALTA, "B", D(2026, 5, 4), D(2026, 5, 25), D(2026, 5, 28), 18, False),
        (OverdueKind.ALTA, "C", D(2026, 5, 4), D(2026, 5, 25), None, 20, True),
        (OverdueKind.CREDENTIAL, "B", D(2026, 5, 4), D(2026, 5, 25), D(2026, 5, 29), 19, False),
        (OverdueKind.CREDENTIAL, "C", D(2026, 5, 4), D(2026, 5, 25), None, 20, True),
    ]
    actions = {
        (s.kind, s.matricula): [a.action for a in s.actions] for s in _report(case, policy).salidas
    }
    assert actions[(OverdueKind.ALTA, "B")] == ["Se pidió el alta en el IDSE"]
    assert actions[(OverdueKind.CREDENTIAL, "B")] == ["Se llamó a la alumna"]
    assert actions[(OverdueKind.ALTA, "C")] == []


def test_section_6_indicator_and_the_terms_dates(case: StudentCase, policy: Policy) -> None:
    report = _report(case, policy)
    assert report.indicator is not None
    assert (report.indicator.delivered, report.indicator.with_vigencia) == (2, 4)
    assert report.dates.alta_deadline == D(2026, 5, 25)  # 15 business days after 4 May
    assert report.dates.bajas_list_due == D(2026, 6, 1)


def test_paso_12_closed_term_is_counted_to_its_last_day(case: StudentCase, policy: Policy) -> None:
    earlier = term_report(
        _cases(case), EARLIER, TERMS, ACTIONS, today=D(2026, 6, 1), policy=policy,
        calendar=BusinessCalendar(), tz=TZ,
    )  # fmt: skip
    assert earlier.altas == Tally(in_time=1)
    assert earlier.credentials == Tally(in_time=1)
    assert earlier.salidas == ()
    assert earlier.indicator is not None
    assert earlier.indicator.percent == 100.0


def test_paso_12_a_student_salidas_decide_what_a_corrective_action_is_about(
    case: StudentCase, policy: Policy
) -> None:
    c = _cases(case)[2]
    kinds = [
        s.kind
        for s in salidas_of(
            c, TERMS, (), today=D(2026, 6, 1), policy=policy, calendar=BusinessCalendar(), tz=TZ
        )
    ]
    assert kinds == [OverdueKind.ALTA, OverdueKind.CREDENTIAL]
    a = _cases(case)[0]
    assert (
        salidas_of(
            a, TERMS, (), today=D(2026, 6, 1), policy=policy, calendar=BusinessCalendar(), tz=TZ
        )
        == ()
    )
