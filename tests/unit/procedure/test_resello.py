"""PAB-24 paso 9 and policies 4.3 / 4.5: from the second cuatrimestre, active and estadía
students re-stamp their card within 15 business days of term start; staff get the list of
those who did not once the window has closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase
from daemon.domain.resello import resello_overdue
from daemon.domain.student import RosterStatus
from tests.unit.procedure.conftest import continuing

DEADLINE = date(2026, 5, 25)  # 15 business days after Monday 4 May 2026


def _overdue(cases: list[StudentCase], today: date, policy: Policy) -> list[str]:
    lines = resello_overdue(cases, today=today, policy=policy, calendar=BusinessCalendar())
    return [line.matricula for line in lines]


def test_paso_9_returner_without_resello_is_listed_after_the_window_closes(
    case: StudentCase, policy: Policy
) -> None:
    returner = continuing(case)
    assert _overdue([returner], DEADLINE, policy) == []  # still within the window
    (line,) = resello_overdue(
        [returner], today=date(2026, 5, 26), policy=policy, calendar=BusinessCalendar()
    )
    assert line.matricula == case.matricula
    assert line.detail == "plazo de resello vencido el 25/05/2026"
    assert _overdue([replace(returner, resello_done=True)], date(2026, 5, 26), policy) == []


def test_policy_4_3_first_term_students_do_not_re_stamp(case: StudentCase, policy: Policy) -> None:
    assert _overdue([case], date(2026, 6, 1), policy) == []


def test_policy_4_5_only_active_and_estadia_students_are_listed(
    case: StudentCase, policy: Policy
) -> None:
    returner = continuing(case)
    cases = [
        replace(returner, student=replace(returner.student, matricula=m, status=status))
        for m, status in (
            ("A1", RosterStatus.ACTIVO),
            ("E1", RosterStatus.ESTADIA),
            ("T1", RosterStatus.BAJA_TEMPORAL),
            ("D1", RosterStatus.BAJA_DEFINITIVA),
        )
    ]
    assert _overdue(cases, date(2026, 6, 1), policy) == ["A1", "E1"]


def test_paso_9_list_ends_with_the_term(case: StudentCase, policy: Policy) -> None:
    assert _overdue([continuing(case)], date(2026, 8, 31), policy) == []
