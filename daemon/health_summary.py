"""``afilia status``: mailbox health, the outbox queue and today's decisions, read from the
database. The Prometheus endpoint (``daemon.metrics``) serves the same numbers.

Kept apart from ``metrics`` (no prometheus_client, no ORM models): through the engine it
is SQLAlchemy Core, and on a SQLite file ``afilia status`` reads with sqlite3 alone, so
the command answers in a few tenths of a second.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from daemon.store.revision import check_revision

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from daemon.config import Settings

_PENDING, _FAILED = "pending", "failed"  # OutboxRow.status values (services.outbox.Status)
_SQLITE_FILE = re.compile(r"^sqlite(?:\+pysqlite)?:///([^?]+)$")
_SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a UTC datetime in SQLite


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
    from sqlalchemy import DateTime, Engine, String, column, func, select, table

    from daemon.store.db import READ_ONLY

    health = table(
        "mailbox_health",
        column("mailbox", String),
        column("last_success_at", DateTime(timezone=True)),
        column("last_error_at", DateTime(timezone=True)),
        column("last_error", String),
    )
    outbox = table("outbox", column("status", String), column("created_at", DateTime(True)))
    decisions = table("decisions", column("outcome", String), column("decided_at", DateTime(True)))
    engine = source if isinstance(source, Engine) else source.kw["bind"]
    start_of_day = _start_of_day(now, tz)
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        rows = {
            r.mailbox: r
            for r in connection.execute(
                select(
                    health.c.mailbox,
                    health.c.last_success_at,
                    health.c.last_error_at,
                    health.c.last_error,
                )
            )
        }
        counts = dict(
            connection.execute(
                select(outbox.c.status, func.count())
                .where(outbox.c.status.in_((_PENDING, _FAILED)))
                .group_by(outbox.c.status)
            ).all()
        )
        oldest = connection.scalar(
            select(func.min(outbox.c.created_at)).where(outbox.c.status == _PENDING)
        )
        decided = dict(
            connection.execute(
                select(decisions.c.outcome, func.count())
                .where(decisions.c.decided_at >= start_of_day)
                .group_by(decisions.c.outcome)
            ).all()
        )
    return _summary(now, mailbox_names, rows, counts, oldest, decided)


def status_summary(
    settings: Settings, now: datetime, engine: Callable[[], Engine]
) -> HealthSummary:
    """``afilia status``: on a SQLite file, read with the standard library's sqlite3 (the
    command then loads no SQLAlchemy: it answers in a few tenths of a second); on any other
    database, ``health_summary`` through the engine. Both refuse an out-of-date schema."""
    names = [m.name for m in settings.mailboxes]
    path = _sqlite_file(settings)
    if path is None:
        from daemon.store.db import require_current_schema

        require_current_schema(engine())
        return health_summary(engine(), now, settings.tz, names)
    return _sqlite_summary(path, now, settings.tz, names)


def _sqlite_file(settings: Settings) -> Path | None:
    found = _SQLITE_FILE.match(settings.database.url)
    if found is None or found.group(1) == ":memory:":
        return None
    path = Path(found.group(1))
    if not path.is_absolute() and settings.config_path is not None:
        path = settings.config_path.parent / path
    return path


def _sqlite_summary(
    path: Path, now: datetime, tz: ZoneInfo, mailbox_names: Sequence[str]
) -> HealthSummary:
    from daemon.errors import TransientError

    if not path.exists():
        check_revision(None)  # "empty database: run 'afilia db upgrade'", as for any database
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as err:
        raise TransientError(f"cannot reach the database: {err}") from err
    try:
        has_version = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        versions = (
            connection.execute("SELECT version_num FROM alembic_version").fetchall()
            if has_version
            else []
        )
        check_revision(versions[0][0] if len(versions) == 1 else None)
        rows = {
            r[0]: _Health(*r)
            for r in connection.execute(
                "SELECT mailbox, last_success_at, last_error_at, last_error FROM mailbox_health"
            )
        }
        counts = dict(
            connection.execute(
                "SELECT status, count(*) FROM outbox WHERE status IN (?, ?) GROUP BY status",
                (_PENDING, _FAILED),
            ).fetchall()
        )
        [(oldest,)] = connection.execute(
            "SELECT min(created_at) FROM outbox WHERE status = ?", (_PENDING,)
        ).fetchall()
        start = _start_of_day(now, tz).replace(tzinfo=None).strftime(_SQLITE_MOMENT)
        decided = dict(
            connection.execute(
                "SELECT outcome, count(*) FROM decisions WHERE decided_at >= ? GROUP BY outcome",
                (start,),
            ).fetchall()
        )
    except sqlite3.Error as err:
        raise TransientError(f"cannot read the database: {err}") from err
    finally:
        connection.close()
    return _summary(now, mailbox_names, rows, counts, oldest, decided)


@dataclass(frozen=True)
class _Health:
    mailbox: str
    last_success_at: datetime | str | None
    last_error_at: datetime | str | None
    last_error: str


def _start_of_day(now: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(tz).date(), time(0), tz).astimezone(UTC)


def _summary(
    now: datetime,
    mailbox_names: Sequence[str],
    rows: dict[str, Any],
    counts: dict[str, int],
    oldest: datetime | str | None,
    decided: dict[str, int],
) -> HealthSummary:
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
