"""What afilia measures about itself: ``afilia status`` and the optional Prometheus endpoint.

Two kinds of numbers. Counted in the process as things happen: messages by outcome, parse
time. Read from the database when asked: mailbox health, outbox queue depth and age,
today's decisions. The second kind is true for the whole deployment even with several
workers on one PostgreSQL, and survives restarts, so Prometheus reads it at scrape time
instead of trusting one process's memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Thread
from wsgiref.simple_server import WSGIServer
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import MetricsSettings
from daemon.health_summary import HealthSummary, MailboxHealth, health_summary, render_summary

__all__ = ["HealthSummary", "MailboxHealth", "Metrics", "health_summary", "render_summary"]

_PENDING, _FAILED = "pending", "failed"  # OutboxRow.status values (services.outbox.Status)


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
