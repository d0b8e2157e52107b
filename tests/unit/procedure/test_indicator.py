"""The indicator (PAB-24 §6): credentials delivered / new-entry students with vigencia de
derechos, per term and per year, stable when the roster moves students to the next term."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from daemon.domain.digest import indicators
from daemon.domain.outcomes import Outcome
from daemon.domain.procedure_state import StudentCase, Term
from daemon.domain.student import RosterStatus
from tests.unit.procedure.conftest import TERM

NEXT = Term(id=8, name="2026-3", starts_on=date(2026, 9, 7), ends_on=date(2026, 12, 18))
TERMS = (TERM, NEXT)
IN_SEPTEMBER = date(2026, 9, 15)


def _figures(cases: list[StudentCase], today: date = IN_SEPTEMBER) -> list[tuple[str, int, int]]:
    return [(i.label, i.delivered, i.with_vigencia) for i in indicators(cases, TERMS, today)]


def _moved_on(case: StudentCase) -> StudentCase:
    """The same student after the roster import of the next term."""
    student = replace(case.student, new_entry=False, term_number=case.student.term_number + 1)
    return replace(case, student=student, term=NEXT)


def test_a_term_keeps_its_figure_after_the_next_roster_moves_students_on(
    case: StudentCase,
) -> None:
    delivered = replace(case, on_file=Outcome.ACCEPTED_NOT_INSURED, delivered_on=date(2026, 5, 20))
    waiting = replace(case, on_file=Outcome.ACCEPTED_INSURED_HERE)
    before = _figures([delivered, waiting], date(2026, 8, 1))
    assert before == [("2026-2", 1, 2), ("Año 2026", 1, 2)]
    after = _figures([_moved_on(delivered), _moved_on(waiting)])
    assert after == [("2026-2", 1, 2), ("2026-3", 0, 0), ("Año 2026", 1, 2)]


def test_students_already_past_their_first_term_at_the_first_import_do_not_count(
    case: StudentCase,
) -> None:
    continuing = replace(
        case,
        student=replace(case.student, new_entry=False, term_number=4),
        on_file=Outcome.ACCEPTED_INSURED_HERE,
    )
    assert _figures([continuing])[0] == ("2026-2", 0, 0)
    assert _figures([_moved_on(continuing)])[0] == ("2026-2", 0, 0)


def test_an_nss_acuse_counts_and_a_waiver_does_not(case: StudentCase) -> None:
    acuse = replace(case, on_file=Outcome.NSS_ACUSE_RECEIVED)
    waiver = replace(case, on_file=Outcome.WAIVER_RECEIVED, delivered_on=date(2026, 5, 20))
    assert _figures([acuse, waiver])[0] == ("2026-2", 0, 1)


def test_a_student_who_left_counts_only_if_they_collected_their_card(case: StudentCase) -> None:
    gone = replace(case.student, status=RosterStatus.BAJA_DEFINITIVA)
    left = replace(case, student=gone, on_file=Outcome.ACCEPTED_NOT_INSURED)
    collected = replace(left, delivered_on=date(2026, 5, 20))
    assert _figures([left])[0] == ("2026-2", 0, 0)
    assert _figures([collected])[0] == ("2026-2", 1, 1)


def test_a_late_enrolment_counts_in_the_term_it_enrolled_for(case: StudentCase) -> None:
    late = replace(
        case, first_seen_on=date(2026, 9, 1), term=NEXT, on_file=Outcome.ACCEPTED_INSURED_HERE
    )
    assert _figures([late])[:2] == [("2026-2", 0, 0), ("2026-3", 0, 1)]
