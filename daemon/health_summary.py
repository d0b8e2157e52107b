"""``afilia status``: mailbox health, the outbox queue and today's decisions, read from the
database. The Prometheus endpoint (``daemon.metrics``) serves the same numbers.

Kept apart from ``metrics`` and written in SQLAlchemy Core (no ORM models, no
prometheus_client) so the status command starts in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Engine, String, column, func, select, table

from daemon.store.db import READ_ONLY

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

_PENDING, _FAILED = "pending", "failed"  # OutboxRow.status values (services.outbox.Status)
_HEALTH = table(
    "mailbox_health",
    column("mailbox", String),
    column("last_success_at", DateTime(timezone=True)),
    column("last_error_at", DateTime(timezone=True)),
    column("last_error", String),
)
_OUTBOX = table("outbox", column("status", String), column("created_at", DateTime(timezone=True)))
_DECISIONS = table(
    "decisions", column("outcome", String), column("decided_at", DateTime(timezone=True))
)


@dataclass(frozen=True)
class MailboxHealth:
    mailbox: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    down: bool  # an error since the last success


@dataclass(frozen=True)
class HealthSummary:
    now: datetime
    mailboxes: tuple[MailboxHealth, ...]
    outbox_pending: int
    outbox_failed: int
    oldest_pending_at: datetime | None
    decisions_today: dict[str, int] = field(default_factory=dict)

    @property
    def oldest_pending_age(self) -> timedelta | None:
        return None if self.oldest_pending_at is None else self.now - self.oldest_pending_at

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        age = self.oldest_pending_age
        data["oldest_pending_age_seconds"] = None if age is None else int(age.total_seconds())
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def health_summary(
    source: Engine | sessionmaker[Session],
    now: datetime,
    tz: ZoneInfo,
    mailbox_names: Sequence[str] = (),
) -> HealthSummary:
    """Read the health tables; configured mailboxes never read show up as such.

    SQLAlchemy Core on a read-only connection, so ``afilia status`` loads no ORM."""
    engine = source if isinstance(source, Engine) else source.kw["bind"]
    start_of_day = datetime.combine(now.astimezone(tz).date(), time(0), tz).astimezone(UTC)
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        rows = {
            r.mailbox: r
            for r in connection.execute(
                select(
                    _HEALTH.c.mailbox,
                    _HEALTH.c.last_success_at,
                    _HEALTH.c.last_error_at,
                    _HEALTH.c.last_error,
                )
            )
        }
        counts = dict(
            connection.execute(
                select(_OUTBOX.c.status, func.count())
                .where(_OUTBOX.c.status.in_((_PENDING, _FAILED)))
                .group_by(_OUTBOX.c.status)
            ).all()
        )
        oldest = connection.scalar(
            select(func.min(_OUTBOX.c.created_at)).where(_OUTBOX.c.status == _PENDING)
        )
        decided = dict(
            connection.execute(
                select(_DECISIONS.c.outcome, func.count())
                .where(_DECISIONS.c.decided_at >= start_of_day)
                .group_by(_DECISIONS.c.outcome)
            ).all()
        )
    mailboxes = [_mailbox_health(rows.get(name), name) for name in mailbox_names]
    mailboxes += [
        _mailbox_health(row, name) for name, row in rows.items() if name not in mailbox_names
    ]
    return HealthSummary(
        now=now,
        mailboxes=tuple(mailboxes),
        outbox_pending=int(counts.get(_PENDING, 0)),
        outbox_failed=int(counts.get(_FAILED, 0)),
        oldest_pending_at=_utc(oldest),
        decisions_today={k: int(v) for k, v in sorted(decided.items())},
    )


def _utc(moment: datetime | str | None) -> datetime | None:
    """Stored datetimes are UTC; SQLite gives naive ones, or raw text for an aggregate."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _mailbox_health(row: Any, name: str) -> MailboxHealth:
    if row is None:
        return MailboxHealth(name, None, None, "", down=False)
    success, error = _utc(row.last_success_at), _utc(row.last_error_at)
    down = error is not None and (success is None or error > success)
    return MailboxHealth(name, success, error, row.last_error, down)


def render_summary(summary: HealthSummary, tz: ZoneInfo) -> str:
    def when(moment: datetime | None) -> str:
        if moment is None:
            return "never"
        ago = _ago(summary.now - moment)
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M} ({ago} ago)"

    lines = ["Mailboxes:"]
    for box in summary.mailboxes:
        mark = "✗" if box.down or box.last_success_at is None else "✓"
        line = f"  {mark} {box.mailbox}: last read {when(box.last_success_at)}"
        if box.down:
            line += f"; failing since {when(box.last_error_at)}: {box.last_error[:200]}"
        lines.append(line)
    if not summary.mailboxes:
        lines.append("  (none recorded yet)")
    oldest = summary.oldest_pending_age
    lines.append(
        f"Outbox: {summary.outbox_pending} pending"
        + (f" (oldest {_ago(oldest)})" if oldest is not None else "")
        + f", {summary.outbox_failed} failed"
        + ("  -> see 'afilia outbox --status failed'" if summary.outbox_failed else "")
    )
    total = sum(summary.decisions_today.values())
    lines.append(f"Decisions today: {total}")
    for outcome, count in summary.decisions_today.items():
        lines.append(f"  {outcome}: {count}")
    return "\n".join(lines)


def _ago(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
