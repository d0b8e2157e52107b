"""Build the business-day calendar from the config (the domain cannot read the config)."""

from __future__ import annotations

from datetime import datetime

from daemon.config import Settings
from daemon.domain.calendar import BusinessCalendar


def business_calendar(settings: Settings, now: datetime | None = None) -> BusinessCalendar:
    """Federal holidays plus the school's non-working days, warmed for the years in use."""
    year = (now or datetime.now(settings.tz)).year
    return BusinessCalendar(settings.school.non_working_days).warm(range(year - 1, year + 3))
