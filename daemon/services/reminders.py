"""Use case: the reminder sweep. Every 15 minutes the daemon asks the domain which mails are
due (``due_reminders``) and queues each under its unique key; the outbox refuses a key
twice, so reruns, restarts and a second daemon never send one twice.

Quiet hours (``[outgoing] quiet_hours``) hold the sweep back; the outbox throttles sending
to the provider's limits. ``afilia reminders --now ... --dry-run`` runs the same code and
prints instead of queueing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import Settings
from daemon.domain.calendar import BusinessCalendar, local_date, next_movement_date
from daemon.domain.policy import Policy
from daemon.domain.reminders import NOTICES, Reminder, due_reminders
from daemon.services.calendar_settings import business_calendar
from daemon.services.outbox import Purpose, compose_mail, queue_composed
from daemon.services.procedure_actions import load_cases
from daemon.store.db import reading, transaction
from daemon.store.schema import OutboxRow

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.mail.compose import Renderer

log = structlog.get_logger("afilia.reminders")

_STUDENT_PURPOSES = (str(Purpose.REMINDER), str(Purpose.NOTICE))
SWEEP_CHUNK = 200  # mails per write transaction (composed before it begins)


@dataclass(frozen=True)
class Mailing:
    """What queueing a student mail needs, built once by the caller."""

    settings: Settings
    policy: Policy
    renderer: Renderer
    calendar: BusinessCalendar

    @classmethod
    def from_app(cls, app: App, now: datetime) -> Mailing:
        return cls(app.settings, app.policy, app.renderer, business_calendar(app.settings, now))


def in_quiet_hours(now: datetime, settings: Settings) -> bool:
    """Quiet hours are local wall-clock times; a window may span midnight (22:00-07:00)."""
    window = settings.outgoing.quiet_hours
    if window is None:
        return False
    start, end = window
    moment = now.astimezone(settings.tz).time().replace(tzinfo=None)
    return _within(moment, start, end)


def _within(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def sent_keys(
    session: Session, settings: Settings, matriculas: Iterable[str] | None = None
) -> dict[str, date]:
    """Keys of the student mails already queued, with the local date they were queued."""
    query = select(OutboxRow.dedupe_key, OutboxRow.created_at).where(
        OutboxRow.purpose.in_(_STUDENT_PURPOSES)
    )
    if matriculas is not None:
        query = query.where(OutboxRow.matricula.in_(sorted(set(matriculas))))
    return {key: local_date(at, settings.tz) for key, at in session.execute(query)}


def reminder_context(reminder: Reminder, mailing: Mailing, today: date) -> dict[str, Any]:
    """The variables each reminder template gets (besides ``base_context``)."""
    case = reminder.case
    printed = case.printed
    return {
        "student": case.student,
        "kind": str(reminder.kind),
        "deadline": reminder.deadline,
        "reminder_number": reminder.context.get("reminder_number"),
        "term": case.term,
        "term_name": case.term.name if case.term else "",
        "alta_done_at": case.alta.done_at if case.alta else None,
        "pickup_from": printed.pickup_from if printed else None,
        "pickup_until": printed.pickup_until if printed else None,
        "pickup_place": (printed.place if printed else "") or mailing.policy.school.office_location,
        "next_movement_date": next_movement_date(today, mailing.policy, mailing.calendar),
    }


def compose_reminders(
    reminders: Sequence[Reminder], mailing: Mailing, now: datetime
) -> list[dict[str, Any]]:
    """The outbox rows of these reminders, composed without touching the database."""
    today = local_date(now, mailing.settings.tz)
    return [
        compose_mail(
            renderer=mailing.renderer,
            settings=mailing.settings,
            policy=mailing.policy,
            purpose=Purpose.NOTICE if reminder.kind in NOTICES else Purpose.REMINDER,
            template=reminder.template,
            context=reminder_context(reminder, mailing, today),
            recipient=reminder.case.student.reply_address(),
            dedupe_key=reminder.key,
            now=now,
            matricula=reminder.matricula,
        )
        for reminder in reminders
    ]


def queue_reminders(
    session: Session, reminders: Sequence[Reminder], mailing: Mailing, now: datetime
) -> int:
    """Queue these reminders in the caller's transaction; how many were not queued before."""
    return len(queue_composed(session, compose_reminders(reminders, mailing, now)))


def due_now(
    session: Session, mailing: Mailing, now: datetime, matriculas: Iterable[str] | None = None
) -> list[Reminder]:
    tz = mailing.settings.tz
    wanted = None if matriculas is None else list(matriculas)
    return due_reminders(
        load_cases(session, tz, wanted),
        sent=sent_keys(session, mailing.settings, wanted),
        now=now,
        today=local_date(now, tz),
        policy=mailing.policy,
        calendar=mailing.calendar,
    )


def sweep(
    session: Session, mailing: Mailing, now: datetime, *, dry_run: bool = False
) -> list[Reminder]:
    """Queue (or, dry, only list) every mail due at ``now`` in the caller's transaction;
    quiet hours hold everything. For a whole roster, ``sweep_in_chunks``."""
    if in_quiet_hours(now, mailing.settings):
        return []
    due = due_now(session, mailing, now)
    if not dry_run:
        queue_reminders(session, due, mailing, now)
    return due


def sweep_in_chunks(
    sessions: sessionmaker[Session],
    mailing: Mailing,
    now: datetime,
    *,
    dry_run: bool = False,
    chunk: int | None = None,
) -> list[Reminder]:
    """The sweep over a whole roster without holding the write lock: decide once on a
    read-only snapshot (a pure function of what it loaded), compose each chunk of mails
    outside any transaction, then store it in a short transaction of its own.

    Interrupted between chunks, the next sweep finds the stored keys among the sent ones
    and decides only the rest; a key stored meanwhile is skipped (``queue_composed``).
    """
    if in_quiet_hours(now, mailing.settings):
        return []
    with reading(sessions) as session:
        due = due_now(session, mailing, now)
    if dry_run:
        return due
    size = chunk or SWEEP_CHUNK
    for start in range(0, len(due), size):
        composed = compose_reminders(due[start : start + size], mailing, now)
        with transaction(sessions) as session:
            queue_composed(session, composed)
    return due


def queue_notices(
    session: Session, mailing: Mailing, matriculas: Iterable[str], now: datetime
) -> int:
    """After a staff action: the alta or pickup notice goes out now, not at the next sweep."""
    notices = [r for r in due_now(session, mailing, now, matriculas) if r.kind in NOTICES]
    return queue_reminders(session, notices, mailing, now)


def run_reminder_sweep(app: App, now: datetime) -> int:
    """The daemon's 15-minute job; returns how many mails it queued."""
    mailing = Mailing.from_app(app, now)
    due = sweep_in_chunks(app.sessions, mailing, now)
    if due:
        log.info("reminders_queued", count=len(due), kinds=sorted({str(r.kind) for r in due}))
    return len(due)
