"""PAB-24 paso 12: "En caso de salidas no conformes registra acciones correctivas. Da
seguimiento a las acciones correctivas o salidas no conformes"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.corrective_actions import CorrectiveAction, follow_up
from daemon.domain.digest import DigestFacts, Overdue, OverdueKind, build_digest
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase
from tests.unit.procedure.conftest import TERM

TZ = ZoneInfo("America/Mexico_City")


def _action(kind: OverdueKind, matricula: str, day: date, text: str = "x") -> CorrectiveAction:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
    return CorrectiveAction(1, matricula, kind, text, "jefa@ute.example.edu.mx", at)


def _overdue(case: StudentCase, policy: Policy, today: date) -> tuple[Overdue, ...]:
    """The salidas no conformes as the digest computes them."""
    facts = DigestFacts(since=None, counts={}, terms=(TERM,))
    digest = build_digest([case], facts, today=today, policy=policy, calendar=BusinessCalendar())
    return digest.overdue


def _alta_waiting(case: StudentCase) -> StudentCase:
    return replace(
        case,
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 5),
        alta_requested_on=date(2026, 5, 5),
    )


def test_paso_12_salida_no_conforme_without_corrective_action_is_listed(
    case: StudentCase, policy: Policy
) -> None:
    overdue = _overdue(_alta_waiting(case), policy, date(2026, 5, 27))
    assert {o.kind for o in overdue} == {OverdueKind.ALTA, OverdueKind.CREDENTIAL}
    followed = follow_up(overdue, [])
    assert followed.without_action == overdue
    assert followed.unresolved == ()


def test_paso_12_action_recorded_but_alta_still_not_done_is_followed_up_as_unresolved(
    case: StudentCase, policy: Policy
) -> None:
    overdue = _overdue(_alta_waiting(case), policy, date(2026, 5, 28))
    action = _action(OverdueKind.ALTA, case.matricula, date(2026, 5, 27), "se pidió el alta")
    followed = follow_up(overdue, [action])
    (unresolved,) = followed.unresolved
    assert unresolved.salida.kind is OverdueKind.ALTA
    assert unresolved.latest.action == "se pidió el alta"
    # The credential is another salida: the alta's action does not cover it.
    assert [o.kind for o in followed.without_action] == [OverdueKind.CREDENTIAL]


def test_paso_12_fixed_fault_leaves_the_follow_up(case: StudentCase, policy: Policy) -> None:
    fixed = replace(_alta_waiting(case), alta_requested_on=None, delivered_on=date(2026, 5, 28))
    action = _action(OverdueKind.ALTA, case.matricula, date(2026, 5, 27))
    followed = follow_up(_overdue(fixed, policy, date(2026, 5, 29)), [action])
    assert followed.without_action == ()
    assert followed.unresolved == ()


def test_paso_12_action_on_an_earlier_fault_does_not_cover_a_new_one(
    case: StudentCase, policy: Policy
) -> None:
    overdue = _overdue(_alta_waiting(case), policy, date(2026, 5, 27))
    old = _action(OverdueKind.ALTA, case.matricula, date(2026, 1, 20))
    other_student = _action(OverdueKind.ALTA, "UTE0000000", date(2026, 5, 27))
    followed = follow_up(overdue, [old, other_student])
    assert len(followed.without_action) == 2


def test_paso_12_action_counts_from_the_day_the_salida_starts_counting(
    case: StudentCase, policy: Policy
) -> None:
    overdue = [o for o in _overdue(_alta_waiting(case), policy, date(2026, 5, 27))]
    assert overdue[0].since == date(2026, 5, 4)  # the term start (section 8)
    on_the_day = _action(OverdueKind.ALTA, case.matricula, date(2026, 5, 4))
    day_before = _action(OverdueKind.ALTA, case.matricula, date(2026, 5, 1))
    assert len(follow_up(overdue, [on_the_day]).unresolved) == 1
    assert follow_up(overdue, [day_before]).unresolved == ()
