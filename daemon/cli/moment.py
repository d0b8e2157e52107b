"""``--now`` for commands that act at a moment: staff previews, simulations, tests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from daemon.bootstrap import App


def acting_moment(app: App, value: str | None) -> datetime:
    """The moment a command acts at: ``--now`` (school time zone when naive) or now."""
    if value is None:
        return datetime.now(app.settings.tz)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use an ISO date-time, e.g. 2026-09-01T09:00", param_hint="--now"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=app.settings.tz)
