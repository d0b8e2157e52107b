from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from daemon.domain.calendar import BusinessCalendar, local_date, next_movement_date
from daemon.domain.policy import MovementDays, Policy


def test_weekends_and_federal_holidays_are_not_business_days() -> None:
    calendar = BusinessCalendar()
    assert not calendar.is_business_day(date(2026, 5, 2))  # Saturday
    assert not calendar.is_business_day(date(2026, 5, 1))  # Día del Trabajo
    assert not calendar.is_business_day(date(2026, 3, 16))  # Benito Juárez, third Monday
    assert not calendar.is_business_day(date(2026, 11, 16))  # Revolución, third Monday
    assert calendar.is_business_day(date(2026, 11, 20))  # the old date is a working day
    assert calendar.is_business_day(date(2026, 5, 4))


def test_school_non_working_days_count_as_holidays() -> None:
    calendar = BusinessCalendar([date(2026, 12, 21)])
    assert not calendar.is_business_day(date(2026, 12, 21))
    assert calendar.holiday_name(date(2026, 12, 21)) == "día inhábil del calendario escolar"


def test_fifteen_business_days_skip_weekends_and_holidays() -> None:
    calendar = BusinessCalendar()
    # Friday 13 March 2026 + 1 business day skips the weekend and Monday 16 (holiday).
    assert calendar.add(date(2026, 3, 13), 1) == date(2026, 3, 17)
    assert calendar.add(date(2026, 5, 4), 15) == date(2026, 5, 25)
    assert calendar.add(date(2026, 5, 25), -15) == date(2026, 5, 4)
    assert calendar.elapsed(date(2026, 5, 4), date(2026, 5, 25)) == 15
    assert calendar.elapsed(date(2026, 5, 25), date(2026, 5, 4)) == 0


def test_local_date_is_the_schools_date() -> None:
    late_evening = datetime(2026, 5, 5, 3, 0, tzinfo=UTC)  # 21:00 on the 4th in CDMX
    assert local_date(late_evening, ZoneInfo("America/Mexico_City")) == date(2026, 5, 4)


def test_any_business_day_schools_have_no_movement_date(policy: Policy) -> None:
    assert next_movement_date(date(2026, 5, 4), policy, BusinessCalendar()) is None


def test_movements_on_the_16th_and_month_end_move_off_weekends(policy: Policy) -> None:
    batched = replace(
        policy,
        procedure=replace(policy.procedure, movement_days=MovementDays.SIXTEENTH_AND_MONTH_END),
    )
    calendar = BusinessCalendar()
    assert next_movement_date(date(2026, 6, 3), batched, calendar) == date(2026, 6, 16)
    assert next_movement_date(date(2026, 6, 16), batched, calendar) == date(2026, 6, 16)
    assert next_movement_date(date(2026, 6, 17), batched, calendar) == date(2026, 6, 30)
    # 16 May 2026 is a Saturday: applied Monday 18.
    assert next_movement_date(date(2026, 5, 10), batched, calendar) == date(2026, 5, 18)
    # 31 May 2026 is a Sunday: applied Monday 1 June.
    assert next_movement_date(date(2026, 5, 19), batched, calendar) == date(2026, 6, 1)
