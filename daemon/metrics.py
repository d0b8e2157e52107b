"""What afilia measures about itself: ``afilia status`` and the optional Prometheus endpoint.

Two kinds of numbers. Counted in the process as things happen: messages by outcome, parse
time. Read from the database when asked: mailbox health, outbox queue depth and age,
today's decisions. The second kind is true for the whole deployment even with several
workers on one PostgreSQL, and survives restarts, so Prometheus reads it at scrape time
instead of trusting one process's memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from threading import Thread
from typing import Any
from wsgiref.simple_server import WSGIServer
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import MetricsSettings
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, MailboxHealthRow, OutboxRow

_PENDING, _FAILED = "pending", "failed"  # OutboxRow.status values (services.outbox.Status)


# -- the health summary (database) --------------------------------------------------------------


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
    sessions: sessionmaker[Session],
    now: datetime,
    tz: ZoneInfo,
    mailbox_names: Sequence[str] = (),
) -> HealthSummary:
    """Read the health tables; configured mailboxes never read show up as such."""
    start_of_day = datetime.combine(now.astimezone(tz).date(), time(0), tz).astimezone(UTC)
    with transaction(sessions) as session:
        rows = {r.mailbox: r for r in session.scalars(select(MailboxHealthRow))}
        counts = dict(
            session.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.status.in_((_PENDING, _FAILED)))
                .group_by(OutboxRow.status)
            ).all()
        )
        oldest = session.scalar(
            select(func.min(OutboxRow.created_at)).where(OutboxRow.status == _PENDING)
        )
        decided = dict(
            session.execute(
                select(DecisionRow.outcome, func.count())
                .where(DecisionRow.decided_at >= start_of_day)
                .group_by(DecisionRow.outcome)
            ).all()
        )
    mailboxes = [_mailbox_health(rows.get(name), name) for name in mailbox_names]
    mailboxes += [
        _mailbox_health(row, name) for name, row in rows.items() if name not in mailbox_names
    ]
    if oldest is not None and oldest.tzinfo is None:  # func.min bypasses the UTC type
        oldest = oldest.replace(tzinfo=UTC)
    elif isinstance(oldest, str):  # SQLite returns the raw text for an aggregate
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
    return HealthSummary(
        now=now,
        mailboxes=tuple(mailboxes),
        outbox_pending=int(counts.get(_PENDING, 0)),
        outbox_failed=int(counts.get(_FAILED, 0)),
        oldest_pending_at=oldest,
        decisions_today={k: int(v) for k, v in sorted(decided.items())},
    )


def _mailbox_health(row: MailboxHealthRow | None, name: str) -> MailboxHealth:
    if row is None:
        return MailboxHealth(name, None, None, "", down=False)
    down = row.last_error_at is not None and (
        row.last_success_at is None or row.last_error_at > row.last_success_at
    )
    return MailboxHealth(name, row.last_success_at, row.last_error_at, row.last_error, down)


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


# -- Prometheus -----------------------------------------------------------------------------------


class Metrics:
    """The in-process counters; the daemon holds one and calls it as things happen."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.messages = Counter(
            "afilia_messages",
            "Documents and messages decided, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.parse_seconds = Histogram(
            "afilia_parse_seconds",
            "Time to read one document (PDF text, fields, classification).",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def message_decided(self, outcome: str) -> None:
        self.messages.labels(outcome=str(outcome)).inc()

    def parse_timed(self, seconds: float) -> None:
        self.parse_seconds.observe(seconds)


class DatabaseHealthCollector(Collector):
    """Gauges read from the database at scrape time (queue depth and age, mailbox health)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        tz: ZoneInfo,
        mailbox_names: Sequence[str] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._tz = tz
        self._mailboxes = tuple(mailbox_names)
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        summary = health_summary(self._sessions, self._clock(), self._tz, self._mailboxes)
        depth = GaugeMetricFamily(
            "afilia_outbox_queue_depth", "Outbox rows by status.", labels=["status"]
        )
        depth.add_metric([_PENDING], summary.outbox_pending)
        depth.add_metric([_FAILED], summary.outbox_failed)
        yield depth
        age = summary.oldest_pending_age
        yield GaugeMetricFamily(
            "afilia_outbox_oldest_pending_age_seconds",
            "Age of the oldest mail waiting to be sent (0 when none).",
            value=0 if age is None else age.total_seconds(),
        )
        last = GaugeMetricFamily(
            "afilia_mailbox_last_success_timestamp_seconds",
            "When each mailbox was last read successfully (Unix time; 0 = never).",
            labels=["mailbox"],
        )
        down = GaugeMetricFamily(
            "afilia_mailbox_down", "1 when the mailbox's last check failed.", labels=["mailbox"]
        )
        for box in summary.mailboxes:
            stamp = box.last_success_at.timestamp() if box.last_success_at else 0
            last.add_metric([box.mailbox], stamp)
            down.add_metric([box.mailbox], 1 if box.down else 0)
        yield last
        yield down
        today = GaugeMetricFamily(
            "afilia_decisions_today",
            "Decisions since local midnight, by outcome.",
            labels=["outcome"],
        )
        for outcome, count in summary.decisions_today.items():
            today.add_metric([outcome], count)
        yield today

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []  # collected lazily: no database query at registration


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start_metrics_server(
    settings: MetricsSettings,
    metrics: Metrics,
    sessions: sessionmaker[Session] | None = None,
    tz: ZoneInfo | None = None,
    mailbox_names: Sequence[str] = (),
) -> MetricsServer | None:
    """Serve /metrics on ``settings.address:port`` when enabled; None when disabled.

    Bind to loopback (the default) and let the local Prometheus or a proxy fetch it: the
    endpoint has no authentication.
    """
    if not settings.enabled:
        return None
    if sessions is not None:
        metrics.registry.register(
            DatabaseHealthCollector(sessions, tz or ZoneInfo("UTC"), mailbox_names)
        )
    server, thread = start_http_server(settings.port, settings.address, registry=metrics.registry)
    return MetricsServer(server, thread)
