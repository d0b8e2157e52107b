"""Which mails are due: the procedure's timings, each sent once, none on non-business days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import Alta, PrintedCredential, StudentCase
from daemon.domain.reminders import Reminder, ReminderKind, due_reminders
from daemon.domain.student import RosterStatus
from tests.unit.procedure.conftest import continuing


def _at(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _run_term(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar, days: int = 40
) -> list[tuple[date, Reminder]]:
    """Every sweep of every day, remembering what was sent, like the outbox does."""
    sent: dict[str, date] = {}
    mails = []
    day = case.term.starts_on - timedelta(days=3) if case.term else date(2026, 5, 1)
    for _ in range(days):
        for hour in (8, 12, 16):
            for reminder in due_reminders(
                [case], sent=sent, now=_at(day, hour), today=day, policy=policy, calendar=calendar
            ):
                sent[reminder.key] = day
                mails.append((day, reminder))
        day += timedelta(days=1)
    return mails


def test_new_entry_student_is_asked_at_term_start_and_reminded_every_three_days(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    mails = _run_term(case, policy, calendar)
    assert [(d, r.kind) for d, r in mails] == [
        (date(2026, 5, 4), ReminderKind.REQUEST),
        (date(2026, 5, 7), ReminderKind.REQUEST_REMINDER),
        (date(2026, 5, 12), ReminderKind.REQUEST_REMINDER),
        (date(2026, 5, 15), ReminderKind.REQUEST_REMINDER),
    ]
    assert {r.deadline for _d, r in mails} == {date(2026, 5, 18)}


def test_reminders_stop_once_a_document_is_on_file(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    answered = replace(case, on_file=Outcome.WAIVER_RECEIVED, on_file_on=date(2026, 5, 5))
    assert _run_term(answered, policy, calendar) == []


def test_continuing_and_withdrawn_students_are_not_asked_for_a_constancia(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    withdrawn = replace(case, student=replace(case.student, status=RosterStatus.BAJA_DEFINITIVA))
    assert _run_term(withdrawn, policy, calendar) == []
    kinds = {r.kind for _d, r in _run_term(continuing(case), policy, calendar)}
    assert ReminderKind.REQUEST not in kinds


def test_late_student_gets_the_full_deadline_from_the_day_they_appear(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    late = replace(case, first_seen_on=date(2026, 5, 20))
    mails = _run_term(late, policy, calendar)
    assert mails[0][0] == date(2026, 5, 20)
    assert mails[0][1].deadline == calendar.add(date(2026, 5, 20), 10)


def test_a_missed_sweep_sends_only_the_latest_reminder_once(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    sent = {f"request:{case.term.id}:{case.matricula}": date(2026, 5, 4)}
    today = date(2026, 5, 13)  # reminders were due on the 7th and 12th; the daemon was down
    due = due_reminders(
        [case], sent=sent, now=_at(today), today=today, policy=policy, calendar=calendar
    )
    assert [r.key for r in due] == [f"request_reminder:7:{case.matricula}:2"]


def test_nothing_is_due_on_a_holiday(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    labour_day = date(2026, 5, 1)
    assert (
        due_reminders(
            [replace(case, term=replace(case.term, starts_on=labour_day))],
            sent={},
            now=_at(labour_day),
            today=labour_day,
            policy=policy,
            calendar=calendar,
        )
        == []
    )


def test_paso_5_no_alta_notice_before_staff_verified_it_on_the_portal(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    registered = replace(
        case,
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 6),
        alta=Alta(action_id=3, done_at=datetime(2026, 5, 11, 17, tzinfo=UTC)),
        insured_here=True,
    )
    assert _run_term(registered, policy, calendar) == []


def test_paso_5_alta_notice_once_verified_then_carnet_reminder_24_hours_later(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    verified = replace(
        case,
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 6),
        alta=Alta(
            action_id=3,
            done_at=datetime(2026, 5, 11, 17, tzinfo=UTC),
            verified_at=datetime(2026, 5, 12, 11, tzinfo=UTC),
        ),
        insured_here=True,
    )
    mails = _run_term(verified, policy, calendar)
    assert [(d, r.kind) for d, r in mails] == [
        (date(2026, 5, 12), ReminderKind.ALTA_DONE),
        (date(2026, 5, 13), ReminderKind.CARNET),
    ]
    assert mails[1][1].deadline is None  # "en un día hábil": on a business day, no deadline


def test_pickup_notice_and_a_reminder_before_the_window_closes(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    printed = replace(
        case,
        on_file=Outcome.WAIVER_RECEIVED,
        printed=PrintedCredential(9, date(2026, 5, 20), date(2026, 5, 25), date(2026, 5, 29), "A"),
    )
    mails = _run_term(printed, policy, calendar)
    assert [(d, r.kind) for d, r in mails] == [
        (date(2026, 5, 20), ReminderKind.PICKUP),
        (date(2026, 5, 28), ReminderKind.PICKUP_REMINDER),
    ]
    collected = replace(printed, delivered_on=date(2026, 5, 26))
    assert _run_term(collected, policy, calendar) == []


def test_resello_from_the_second_term_for_active_and_internship_students(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    returning = continuing(case)
    mails = _run_term(returning, policy, calendar)
    deadline = calendar.add(date(2026, 5, 4), 15)
    assert [(d, r.kind) for d, r in mails] == [
        (date(2026, 5, 4), ReminderKind.RESELLO),
        (calendar.add(deadline, -3), ReminderKind.RESELLO_REMINDER),
    ]
    estadia = replace(returning, student=replace(returning.student, status=RosterStatus.ESTADIA))
    assert len(_run_term(estadia, policy, calendar)) == 2
    on_leave = replace(
        returning, student=replace(returning.student, status=RosterStatus.BAJA_TEMPORAL)
    )
    assert _run_term(on_leave, policy, calendar) == []
    assert [
        r.kind for _d, r in _run_term(replace(returning, resello_done=True), policy, calendar)
    ] == []


def test_seed_004_acuse_is_due_three_calendar_days_after_each_students_enrolment(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    """Seed 004: "durante los tres días posteriores a la inscripción", not the term start."""
    rules = replace(policy.procedure, nss_acuse_within_days=3, request_reminder_every=1)
    high_school = replace(policy, procedure=rules)
    listed_early = replace(
        case,
        student=replace(case.student, enrolled_on=date(2026, 5, 6)),
        first_seen_on=date(2026, 4, 28),
    )
    mails = _run_term(listed_early, high_school, calendar)
    assert [(d, r.kind) for d, r in mails] == [
        (date(2026, 5, 6), ReminderKind.REQUEST),
        (date(2026, 5, 7), ReminderKind.REQUEST_REMINDER),
        (date(2026, 5, 8), ReminderKind.REQUEST_REMINDER),  # due Saturday 9th: no more
    ]
    assert mails[0][1].deadline == date(2026, 5, 9)


def test_seed_004_without_an_enrolment_date_the_day_the_roster_listed_them_counts(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    high_school = replace(policy, procedure=replace(policy.procedure, nss_acuse_within_days=3))
    listed = replace(case, first_seen_on=date(2026, 5, 4))
    mails = _run_term(listed, high_school, calendar)
    assert mails[0][0] == date(2026, 5, 4)
    assert mails[0][1].deadline == date(2026, 5, 7)


def test_every_key_is_unique_per_student_and_term(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    other = replace(case, student=replace(case.student, matricula="UTE2026002"))
    sent: dict[str, date] = {}
    keys = []
    for offset in range(30):
        day = date(2026, 5, 4) + timedelta(days=offset)
        for r in due_reminders(
            [case, other], sent=sent, now=_at(day), today=day, policy=policy, calendar=calendar
        ):
            sent[r.key] = day
            keys.append(r.key)
    assert len(keys) == len(set(keys)) == 8
