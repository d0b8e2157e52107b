"""PAB-24 paso 9 and policies 4.3 / 4.5: returning students who did not re-stamp (resello)
their credential by the deadline.

From their second term on, active students and those on internship (estadía) must have the
card re-stamped within the resello window (``resello_window`` in ``domain.reminders``, the
same deadline their reminders announced). Once that window has closed, staff get the list
of those who have not, for as long as the term lasts; students on leave or withdrawn are
not re-stamped and never appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.digest import StudentLine
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase
from daemon.domain.reminders import resello_window
from daemon.domain.student import RosterStatus

RESTAMPED_STATUSES = frozenset({RosterStatus.ACTIVO, RosterStatus.ESTADIA})


def resello_overdue(
    cases: Iterable[StudentCase],
    *,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
) -> tuple[StudentLine, ...]:
    """Students whose resello deadline has passed this term without a resello recorded,
    by matrícula; ``since`` is the deadline."""
    found = []
    for case in sorted(cases, key=lambda c: c.matricula):
        if case.student.status not in RESTAMPED_STATUSES or case.resello_done:
            continue
        window = resello_window(case, calendar, policy)
        if window is None or case.term is None or not case.term.contains(today):
            continue
        deadline = window[1]
        if today <= deadline:
            continue
        student = case.student
        found.append(
            StudentLine(
                student.matricula,
                student.nombre_completo,
                student.reply_address(),
                f"plazo de resello vencido el {deadline:%d/%m/%Y}",
                deadline,
            )
        )
    return tuple(found)
