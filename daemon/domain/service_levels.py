"""PAB-24 section 8, "Salidas y salidas no conformes": the day an alta or a credential is due,
when a miss counts as notified, and the deadline of the corrective action.

Both clocks start when the term starts ("15 días hábiles de haber iniciado el
cuatrimestre"), not when the student's document arrived: with the term starting on 1/09
every alta of that term is due on the same day, and the miss shows on the 16th business
day. A student the roster listed only later (a late enrolment) has their own clock from
that day. The credential criterion holds "siempre y cuando el alumno haya entregado la
vigencia de derechos": a document that came after the section-8 deadline gets policy 4.2's
own 15 business days from its arrival instead.
"""

from __future__ import annotations

from datetime import date

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.policy import ProcedureRules
from daemon.domain.procedure_state import StudentCase, Term

# Each function counts in the student's current term unless given another one (the term
# report judges a closed term after the roster moved the students on).


def clock_start(
    case: StudentCase, calendar: BusinessCalendar, term: Term | None = None
) -> date | None:
    """The first business day of the student's term, or of their late enrolment."""
    term = term or case.term
    if term is None:
        return None
    return calendar.on_or_after(max(term.starts_on, min(case.first_seen_on, term.ends_on)))


def alta_due(
    case: StudentCase, rules: ProcedureRules, calendar: BusinessCalendar, term: Term | None = None
) -> date | None:
    """The last day the alta is in time (section 8: 15 business days from term start)."""
    start = clock_start(case, calendar, term)
    return None if start is None else calendar.add(start, rules.alta_sla)


def credential_due(
    case: StudentCase, rules: ProcedureRules, calendar: BusinessCalendar, term: Term | None = None
) -> date | None:
    """The last day the credential is in time; None while no document is on file."""
    start = clock_start(case, calendar, term)
    if start is None or case.on_file_on is None:
        return None
    if case.reposicion_on is not None:  # a duplicate: 15 days from the paid reposición
        return calendar.add(case.reposicion_on, rules.credential_sla)
    if arrived_after_section_8(case, rules, calendar, term):
        return calendar.add(case.on_file_on, rules.credential_sla)  # política 4.2
    return calendar.add(start, rules.credential_sla)


def arrived_after_section_8(
    case: StudentCase, rules: ProcedureRules, calendar: BusinessCalendar, term: Term | None = None
) -> bool:
    """The document came after the term's credential deadline (the student's delay)."""
    start = clock_start(case, calendar, term)
    if start is None or case.on_file_on is None:
        return False
    return case.on_file_on > calendar.add(start, rules.credential_sla)


def credential_in_time(case: StudentCase, due: date) -> bool:
    """Delivered by the due day, or printed and open for pickup by then: the school did its
    part ("informa al alumnado... las fechas de entrega", paso 7); a student who does not
    come is listed as not collected, not as a salida no conforme."""
    if case.delivered_on is not None and case.delivered_on <= due:
        return True
    printed = case.printed
    return printed is not None and printed.printed_on <= due and printed.pickup_from <= due


def notified_on(due: date, calendar: BusinessCalendar) -> date:
    """The digest of the first business day after the due day reports the miss: that is
    when staff are "notificados de la no entrega"."""
    return calendar.add(due, 1)


def corrective_due(due: date, rules: ProcedureRules, calendar: BusinessCalendar) -> date:
    """Section 8's credential action: "entregar máximo dos días después de haber sido
    notificada la no entrega"."""
    return calendar.add(notified_on(due, calendar), rules.credential_corrective_days)
