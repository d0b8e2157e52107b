"""PAB-24 paso 5: "Después de 24 horas de realizada la afiliación, verifica el estatus en el
portal del IMSS e informa al alumnado".

Registering an alta is not the end: staff look the student up on the IMSS portal a day
later, and only then does the student hear that they are insured (telling them earlier
sends them to a clinic that cannot find them yet). Schools that batch their movements
(seed 003: the 16th and the last day of the month, "su estatus tarda de 24 a 72 horas en
actualizarse") check once the movement has had that time.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from daemon.domain.calendar import BusinessCalendar, next_movement_date
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase


def portal_check_on(case: StudentCase, policy: Policy, calendar: BusinessCalendar) -> date | None:
    """The business day staff should check this student's alta on the portal; None when
    there is no registered alta waiting for that check."""
    alta = case.alta
    if alta is None or alta.verified_at is not None or alta.done_on is None:
        return None
    start = alta.done_on
    movement = next_movement_date(alta.done_on, policy, calendar)
    if movement is not None:
        start = max(start, movement)
    wait = timedelta(days=math.ceil(policy.procedure.portal_check_after_hours / 24))
    return calendar.on_or_after(start + wait)
