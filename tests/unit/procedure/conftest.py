"""Cases built in code for the pure procedure tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.procedure_state import StudentCase, Term
from daemon.domain.student import Student

# Cuatrimestre mayo-agosto 2026 starts on Monday 4 May (1 May is Labour Day).
TERM = Term(id=7, name="2026-2", starts_on=date(2026, 5, 4), ends_on=date(2026, 8, 28))


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar()


@pytest.fixture
def case(student: Student) -> StudentCase:
    return StudentCase(student=student, term=TERM, first_seen_on=date(2026, 4, 28))


def continuing(case: StudentCase) -> StudentCase:
    return replace(case, student=replace(case.student, new_entry=False, term_number=4))
