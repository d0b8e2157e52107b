"""Business days (días hábiles): weekdays that are neither a Mexican federal holiday nor one
of the school's own non-working days. Every timing of the procedure counts in these.

The federal holidays come from the ``holidays`` package (the rest days of the Ley Federal
del Trabajo, art. 74, including the movable Mondays); the school's calendar is a list of
dates from the config. Dates here are local dates in the school's time zone: ``local_date``
turns an aware ``now`` into one.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from daemon.domain.policy import MovementDays, Policy

_WEEKEND = (5, 6)


class BusinessCalendar:
    """Which dates are días hábiles. Immutable once built; safe to share between threads
    after ``warm`` (the holidays package fills years lazily on first lookup).

    Answers are memoised: a sweep asks the same few questions for every student of a term
    (``add(term start, 15)``), so each is counted once.
    """

    def __init__(self, non_working_days: Iterable[date] = (), *, federal: bool = True) -> None:
        import holidays  # 0.9 s to import: only when a calendar is built, not for --help

        self._school_days_off = frozenset(non_working_days)
        self._federal = holidays.country_holidays("MX") if federal else None
        self.is_business_day = lru_cache(maxsize=8192)(self._is_business_day)
        self.add = lru_cache(maxsize=8192)(self._add)

    def warm(self, years: Iterable[int]) -> BusinessCalendar:
        if self._federal is not None:
            for year in years:
                _ = date(year, 1, 1) in self._federal
        return self

    def is_business_day(self, day: date) -> bool:
        return self._is_business_day(day)  # replaced by its memoised form in __init__

    def _is_business_day(self, day: date) -> bool:
        if day.weekday() in _WEEKEND or day in self._school_days_off:
            return False
        return self._federal is None or day not in self._federal

    def holiday_name(self, day: date) -> str | None:
        if day in self._school_days_off:
            return "día inhábil del calendario escolar"
        if self._federal is not None:
            return self._federal.get(day)
        return None

    def on_or_after(self, day: date) -> date:
        """The first business day from ``day`` on (``day`` itself when it is one)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add(self, start: date, days: int) -> date:
        """The ``days``-th business day after ``start`` (negative: before); 0 gives ``start``.

        "Within 15 business days of term start" means on or before ``add(start, 15)``.
        """
        return self._add(start, days)  # replaced by its memoised form in __init__

    def _add(self, start: date, days: int) -> date:
        step = timedelta(days=1 if days >= 0 else -1)
        day, left = start, abs(days)
        while left:
            day += step
            if self.is_business_day(day):
                left -= 1
        return day

    def elapsed(self, start: date, end: date) -> int:
        """Business days in (start, end]: how many días hábiles have passed since ``start``."""
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return count


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The school's calendar date at ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(tz).date()


def next_movement_date(today: date, policy: Policy, calendar: BusinessCalendar) -> date | None:
    """When the next alta/baja will be applied at IMSS, for schools that batch movements.

    Schools with ``16_and_month_end`` apply them on the 16th and on the last day of each
    month (procedure 003); a movement date that is not a business day moves to the next
    business day. ``None`` when movements are applied any business day (nothing to say).
    """
    if policy.procedure.movement_days is MovementDays.ANY_BUSINESS_DAY:
        return None
    for candidate in _movement_dates_from(today):
        applied = calendar.on_or_after(candidate)
        if applied >= today:
            return applied
    raise AssertionError("unreachable: a movement date exists every month")


def _movement_dates_from(today: date) -> Iterable[date]:
    year, month = today.year, today.month
    for _ in range(3):
        last = _gregorian.monthrange(year, month)[1]
        yield date(year, month, 16)
        yield date(year, month, last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
