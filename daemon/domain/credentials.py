"""The student ID card's own rules (PAB-24 §4.3-4.5): who may have it re-stamped (resello)
this term, and who may get a duplicate (reposición) after a theft or a loss.

Pure: the case, the day, the calendar and the policy decide; the services apply the
answer. A refusal is Spanish because staff read it verbatim in the command's reply; a note
is recorded with an action that is accepted but worth remembering (a late re-stamp).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase
from daemon.domain.reminders import resello_window


@dataclass(frozen=True, slots=True)
class Verdict:
    refusal: str | None = None  # why staff cannot record it (Spanish)
    note: str = ""  # recorded with an accepted action (Spanish)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def resello_verdict(
    case: StudentCase, today: date, *, calendar: BusinessCalendar, policy: Policy
) -> Verdict:
    """Policy 4.5: only ACTIVO or ESTADÍA students re-stamp; policy 4.3: from their second
    term on (a first-term card is new). PAB-24 step 9 gives the window (15 business days
    after term start); a re-stamp after it is still a re-stamp and the obligation of 4.3 is
    still met, so it is accepted with a note "fuera de plazo" instead of leaving the student
    with an un-stamped card. Before the term starts it cannot count for the term, so staff
    are told when the period opens."""
    status = case.student.status
    if not status.is_enrolled:
        return Verdict(f"estatus {status}: no se resella")
    if case.student.term_number < 2:
        kind = policy.procedure.term_kind
        return Verdict(f"está en su primer {kind}: su credencial es nueva")
    if case.resello_done:
        return Verdict("ya se registró su resello este periodo")
    window = resello_window(case, calendar, policy)
    if window is None or case.term is None:
        return Verdict(
            "no tiene un periodo asignado en el padrón: no se puede registrar el resello"
        )
    _start, deadline = window
    if today < case.term.starts_on:
        return Verdict(f"el periodo de resello empieza el {case.term.starts_on:%d/%m/%Y}")
    if today > deadline:
        return Verdict(note=f"fuera de plazo: el periodo de resello terminó el {deadline:%d/%m/%Y}")
    return Verdict()


def reposicion_verdict(case: StudentCase) -> Verdict:
    """Policy 4.4: after a theft or a loss, once the replacement is paid, the student gets a
    duplicate. Only a card that was handed over can be replaced, only for a student who
    still holds one by policy 4.5 (ACTIVO or ESTADÍA), and one duplicate at a time."""
    status = case.student.status
    if not status.is_enrolled:
        return Verdict(f"estatus {status}: no se repone la credencial")
    if case.reposicion_on is not None and case.delivered_on is None:
        return Verdict(
            f"ya tiene una reposición en trámite (pago registrado el {case.reposicion_on:%d/%m/%Y})"
        )
    if case.delivered_on is None:
        return Verdict("aún no se le ha entregado su credencial: no hay nada que reponer")
    return Verdict()
