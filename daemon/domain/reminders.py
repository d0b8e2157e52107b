"""Which mails to students are due now: a pure function of the cases, the keys already
sent, the policy and the date.

The sweep calls ``due_reminders`` every few minutes and queues each result under its
``key`` (the outbox refuses a key twice), so a restart, a second daemon or a rerun never
sends one twice, and a reminder missed while the daemon was down is sent late, once: only
the latest reminder of a series is ever due, never a backlog. At most one mail of each
series goes to a student per day. Nothing is due on a non-business day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase, baja_pending


class ReminderKind(StrEnum):
    """Each kind is also the name of its e-mail template."""

    REQUEST = "request_constancia"
    REQUEST_REMINDER = "request_constancia_reminder"
    ALTA_DONE = "alta_done"
    CARNET = "carnet_reminder"
    PICKUP = "credential_pickup"
    PICKUP_REMINDER = "credential_pickup_reminder"
    RESELLO = "resello"
    RESELLO_REMINDER = "resello_reminder"


# Notices staff actions also queue at once; the sweep only catches up on them.
NOTICES = frozenset({ReminderKind.ALTA_DONE, ReminderKind.PICKUP})


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    case: StudentCase
    key: str  # the outbox dedupe key: one mail per key, ever
    deadline: date | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return str(self.kind)

    @property
    def matricula(self) -> str:
        return self.case.matricula


def request_window(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> tuple[date, date] | None:
    """(first request day, deadline) for a new-entry student of a term, else None.

    Counted from term start, or from the day the roster first listed a late student.
    High schools (seed 004) want the NSS acuse "durante los tres días posteriores a la
    inscripción": calendar days from each student's own enrolment (the roster's date, else
    the day it first listed them), asked for from that day on; a roster that came later
    than the enrolment gives the student those days from when afilia could ask.
    """
    if case.term is None or not case.student.new_entry:
        return None
    within = policy.procedure.nss_acuse_within_days
    if within:
        enrolled = case.student.enrolled_on or case.first_seen_on
        asked_from = max(enrolled, case.first_seen_on)
        return calendar.on_or_after(asked_from), asked_from + timedelta(days=within)
    start = calendar.on_or_after(max(case.term.starts_on, case.first_seen_on))
    return start, calendar.add(start, policy.procedure.request_deadline)


def resello_window(
    case: StudentCase, calendar: BusinessCalendar, policy: Policy
) -> tuple[date, date] | None:
    if case.term is None or case.student.term_number < 2:
        return None
    start = calendar.on_or_after(max(case.term.starts_on, case.first_seen_on))
    return start, calendar.add(
        calendar.on_or_after(case.term.starts_on), policy.procedure.resello_window
    )


def due_reminders(
    cases: Iterable[StudentCase],
    *,
    sent: Mapping[str, date],
    now: datetime,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
) -> list[Reminder]:
    """Every mail due at ``now`` (``today`` is its local date) whose key is not in ``sent``.

    ``sent`` maps the keys already queued to the local date they were queued on: a series
    that already mailed the student today waits until tomorrow.
    """
    if not calendar.is_business_day(today):
        return []
    due: list[Reminder] = []
    for case in cases:
        if not case.student.status.is_enrolled or not case.student.reply_address():
            continue
        for series in (_request, _alta, _pickup, _resello):
            candidates = list(series(case, now, today, policy, calendar))
            if any(sent.get(r.key) == today for r in candidates):
                continue
            reminder = next((r for r in candidates if r.key not in sent), None)
            if reminder is not None:
                due.append(reminder)
    return due


def _request(
    case: StudentCase, now: datetime, today: date, policy: Policy, calendar: BusinessCalendar
) -> Iterator[Reminder]:
    window = request_window(case, policy, calendar)
    if window is None or case.on_file is not None:
        return
    start, deadline = window
    if not start <= today <= deadline:
        return
    assert case.term is not None
    base = f"{case.term.id}:{case.matricula}"
    yield Reminder(ReminderKind.REQUEST, case, f"request:{base}", deadline)
    every = policy.procedure.request_reminder_every
    if every <= 0:
        return
    latest = None
    number, day = 1, calendar.add(start, every)
    while day <= min(today, deadline):
        latest = number
        number, day = number + 1, calendar.add(start, every * (number + 1))
    if latest is not None:
        yield Reminder(
            ReminderKind.REQUEST_REMINDER,
            case,
            f"request_reminder:{base}:{latest}",
            deadline,
            {"reminder_number": latest},
        )


def _alta(
    case: StudentCase, now: datetime, today: date, policy: Policy, calendar: BusinessCalendar
) -> Iterator[Reminder]:
    """The alta notice once staff saw the alta on the IMSS portal (paso 5), then the carnet
    reminder ``carnet_after_hours`` later."""
    alta = case.alta
    if alta is None or alta.verified_at is None or alta.verified_at > now:
        return
    if baja_pending(case, policy.procedure):
        return
    yield Reminder(ReminderKind.ALTA_DONE, case, f"alta_done:{case.matricula}:{alta.action_id}")
    carnet_at = alta.verified_at + timedelta(hours=policy.procedure.carnet_after_hours)
    if now >= carnet_at and (now - carnet_at) < timedelta(days=30):
        yield Reminder(ReminderKind.CARNET, case, f"carnet:{case.matricula}:{alta.action_id}")


def _pickup(
    case: StudentCase, now: datetime, today: date, policy: Policy, calendar: BusinessCalendar
) -> Iterator[Reminder]:
    printed = case.printed
    if printed is None or case.delivered_on is not None:
        return
    if not printed.printed_on <= today <= printed.pickup_until:
        return
    base = f"{printed.batch_id}:{case.matricula}"
    yield Reminder(ReminderKind.PICKUP, case, f"pickup:{base}", printed.pickup_until)
    remind_on = calendar.add(printed.pickup_until, -policy.procedure.pickup_reminder_before)
    if remind_on > printed.printed_on and today >= max(remind_on, printed.pickup_from):
        yield Reminder(
            ReminderKind.PICKUP_REMINDER, case, f"pickup_reminder:{base}", printed.pickup_until
        )


def _resello(
    case: StudentCase, now: datetime, today: date, policy: Policy, calendar: BusinessCalendar
) -> Iterator[Reminder]:
    window = resello_window(case, calendar, policy)
    if window is None or case.resello_done:
        return
    start, deadline = window
    if not start <= today <= deadline:
        return
    assert case.term is not None
    base = f"{case.term.id}:{case.matricula}"
    yield Reminder(ReminderKind.RESELLO, case, f"resello:{base}", deadline)
    remind_on = calendar.add(deadline, -policy.procedure.resello_reminder_before)
    if remind_on > start and today >= remind_on:
        yield Reminder(ReminderKind.RESELLO_REMINDER, case, f"resello_reminder:{base}", deadline)
