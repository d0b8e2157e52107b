"""The long-running daemon: intake per mailbox, the outbox sender, periodic jobs.

Threads, not asyncio: each mailbox has its own intake thread (one failing login never stops
the others), one thread sends the outbox, APScheduler (in-memory, jobs defined here with
fixed ids; state lives in our tables) runs the reminder sweep, the digest and the purge.
SIGTERM/SIGINT set the stop event: the message in hand is finished, then we exit.
SIGHUP reloads rules and templates, keeping the old ones if the new ones are invalid.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from daemon import systemd_notify
from daemon.bootstrap import App
from daemon.config import ImapSource, Settings
from daemon.errors import AfiliaError, ConfigError, PermanentError, TransientError
from daemon.mail.ports import Mailbox, Mailer, Shard
from daemon.metrics import Metrics, start_metrics_server
from daemon.services.health import record_mailbox_error, record_mailbox_success
from daemon.services.ingest import IntakeReport, ingest_mailbox
from daemon.services.outbox import SendReport, held_elsewhere, send_due
from daemon.store.db import require_current_schema

log = structlog.get_logger("afilia.daemon")

BACKOFF_START_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
MAILDIR_POLL_SECONDS = 5.0
OUTBOX_IDLE_SECONDS = 10.0  # the outbox loop's wait when nothing woke it
OUTBOX_HELD_POLL_SECONDS = 1.0  # ... when due rows sit under another sender's lease
ONCE_HELD_WAIT_SECONDS = 30.0  # run --once waits this long at most for another's lease


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PassReport:
    intake: dict[str, IntakeReport] = field(default_factory=dict)
    failed_mailboxes: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    failed: int = 0
    pending_retry: int = 0


def run_once(
    app: App, clock: Callable[[], datetime] = utc_now, shard: Shard | None = None
) -> PassReport:
    """One full pass: fetch everything waiting in every mailbox, decide, send, exit.

    A mailbox that cannot be read is reported and skipped; the others still run.
    """
    require_current_schema(app.engine)
    report = PassReport()
    stop = threading.Event()
    intake = app.intake(clock)
    try:
        for mailbox in app.mailboxes(shard):
            try:
                report.intake[mailbox.name] = ingest_mailbox(mailbox, intake, stop)
                record_mailbox_success(app.sessions, mailbox.name, clock())
            except (TransientError, PermanentError) as err:
                record_mailbox_error(app.sessions, mailbox.name, clock(), str(err))
                log.error("mailbox_failed", mailbox=mailbox.name, error=str(err))
                report.failed_mailboxes[mailbox.name] = str(err)
            finally:
                mailbox.close()
        mailer = app.mailer()
        try:
            outcome = _drain_outbox(app, mailer, clock)
            deadline = time.monotonic() + ONCE_HELD_WAIT_SECONDS
            # Rows another sender still holds (a daemon killed mid-send, whose lease has not
            # lapsed yet, or one alive and sending): wait for them rather than leave them.
            while (
                not outcome.throttled
                and time.monotonic() < deadline
                and held_elsewhere(app.sessions, clock())
            ):
                time.sleep(0.5)
                outcome = _add(outcome, _drain_outbox(app, mailer, clock))
        finally:
            mailer.close()
    finally:
        intake.reader.close()
    report.sent, report.failed, report.pending_retry = outcome.sent, outcome.failed, outcome.retried
    return report


def _drain_outbox(app: App, mailer: Mailer, clock: Callable[[], datetime]) -> SendReport:
    total = SendReport()
    while True:
        step = send_due(app.sessions, mailer, app.settings.outgoing, clock())
        total = _add(total, step)
        if step.sent + step.failed + step.retried == 0 or step.throttled or step.retried:
            return total


def _add(total: SendReport, step: SendReport) -> SendReport:
    return SendReport(
        sent=total.sent + step.sent,
        retried=total.retried + step.retried,
        failed=total.failed + step.failed,
        throttled=step.throttled,
    )


class Daemon:
    """``afilia run``: runs until SIGTERM/SIGINT."""

    def __init__(
        self, app: App, clock: Callable[[], datetime] = utc_now, shard: Shard | None = None
    ) -> None:
        self.app = app
        self.shard = shard
        self.clock = clock
        self.stop = threading.Event()
        self.outbox_kick = threading.Event()
        self.reload_requested = threading.Event()
        self.threads: list[threading.Thread] = []
        self._checked: set[str] = set()  # mailboxes tried at least once since start
        self.scheduler = BackgroundScheduler(timezone=app.settings.tz)

    def run(self) -> None:
        require_current_schema(self.app.engine)
        self._install_signals()
        settings = self.app.settings
        metrics = Metrics()
        mailboxes = self.app.mailboxes(self.shard)
        names = [m.name for m in mailboxes]
        server = start_metrics_server(
            settings.metrics, metrics, self.app.sessions, settings.tz, names
        )
        self.intake = self.app.intake(self.clock, metrics=metrics, on_decided=self.outbox_kick.set)
        for mailbox in mailboxes:
            self._start(f"intake-{mailbox.name}", self._intake_loop, mailbox)
        self._start("outbox", self._outbox_loop)
        if self.shard is None or self.shard.index == 0:  # periodic jobs run in one process
            self._schedule_jobs()
        self.scheduler.start()
        self._wait_for_first_mailbox_check(names)
        systemd_notify.ready(f"afilia running: {', '.join(names)}")
        log.info("daemon_started", mailboxes=names)
        try:
            while not self.stop.wait(self._watchdog_period()):
                systemd_notify.watchdog_ping()
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    self._reload()
        finally:
            systemd_notify.stopping()
            log.info("daemon_stopping")
            self.outbox_kick.set()
            self.scheduler.shutdown(wait=True)
            for thread in self.threads:
                thread.join(timeout=60)
            self.intake.reader.close()
            if server is not None:
                server.stop()
            log.info("daemon_stopped")

    def _wait_for_first_mailbox_check(self, names: list[str], timeout: float = 60.0) -> None:
        """READY=1 once every mailbox has been tried (or a minute passed): systemd then
        knows the database and the mailbox logins were checked. A failing mailbox does not
        hold the others back; it is reported in STATUS= and to staff after an hour."""
        deadline = time.monotonic() + timeout
        while not self.stop.is_set() and time.monotonic() < deadline:
            if self._checked.issuperset(names):
                return
            self.stop.wait(0.2)

    def _watchdog_period(self) -> float:
        interval = systemd_notify.watchdog_interval()
        return min(interval / 2, 5.0) if interval else 5.0

    def _install_signals(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal_received", signal=signal.Signals(signum).name)
            self.stop.set()

        def reload(_signum: int, _frame: FrameType | None) -> None:
            self.reload_requested.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def _reload(self) -> None:
        try:
            self.app.reload()
        except ConfigError as err:
            log.error("reload_refused", error=str(err))
            systemd_notify.status(f"reload refused: {err}")
            return
        self.intake = self.app.intake(
            self.clock,
            reader=self.intake.reader,
            metrics=self.intake.metrics,
            on_decided=self.outbox_kick.set,
        )
        log.info("reloaded", profile=self.app.policy.profile)

    def _start(self, name: str, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _intake_loop(self, mailbox: Mailbox) -> None:
        backoff = BACKOFF_START_SECONDS
        settings = self.app.settings
        while not self.stop.is_set():
            try:
                report = ingest_mailbox(mailbox, self.intake, self.stop)
                self._checked.add(mailbox.name)
                record_mailbox_success(self.app.sessions, mailbox.name, self.clock())
                if report.processed:
                    self.outbox_kick.set()
                backoff = BACKOFF_START_SECONDS
                mailbox.wait_for_new(_poll_seconds(settings, mailbox.name), self.stop)
            except AfiliaError as err:
                self._checked.add(mailbox.name)
                systemd_notify.status(f"mailbox {mailbox.name} failing: {err}")
                mailbox.close()
                record_mailbox_error(self.app.sessions, mailbox.name, self.clock(), str(err))
                log.error("mailbox_failed", mailbox=mailbox.name, error=str(err), retry_in=backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            except Exception:  # a bug must not kill the daemon: log it, back off, go on
                log.exception("intake_crashed", mailbox=mailbox.name)
                mailbox.close()
                self.stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
        mailbox.close()

    def _outbox_loop(self) -> None:
        """Sends at once at start, then whenever a decision or a job queued mail (the kick),
        every ``OUTBOX_IDLE_SECONDS`` otherwise; every second while another sender's lease
        holds due rows (a killed daemon's rows are sent as soon as its lease lapses)."""
        mailer: Mailer | None = None
        while not self.stop.is_set():
            self.outbox_kick.clear()  # a kick during the drain below wakes the next wait
            try:
                mailer = mailer or self.app.mailer()
                _drain_outbox(self.app, mailer, self.clock)
                held = held_elsewhere(self.app.sessions, self.clock())
            except AfiliaError as err:
                log.error("outbox_failed", error=str(err))
                if mailer is not None:
                    mailer.close()
                mailer = None
                self.stop.wait(BACKOFF_START_SECONDS)
                continue
            except Exception:
                log.exception("outbox_crashed")
                mailer = None
                self.stop.wait(BACKOFF_START_SECONDS)
                continue
            if not self.stop.is_set():
                self.outbox_kick.wait(OUTBOX_HELD_POLL_SECONDS if held else OUTBOX_IDLE_SECONDS)
        if mailer is not None:
            with contextlib.suppress(Exception):
                mailer.close()

    def _schedule_jobs(self) -> None:
        """Fixed ids, coalesced, with a grace time: a missed run happens once, late."""
        staff = self.app.settings.staff
        for job_id, func, trigger in self.app.periodic_jobs(staff.digest_time):
            self.scheduler.add_job(
                self._guarded(job_id, func),
                trigger=CronTrigger(**trigger) if "hour" in trigger else IntervalTrigger(**trigger),
                id=job_id,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
                replace_existing=True,
            )

    def _guarded(self, job_id: str, func: Callable[[App, datetime], object]) -> Callable[[], None]:
        def run() -> None:
            started = time.monotonic()
            try:
                result = func(self.app, self.clock())
                self.outbox_kick.set()
                log.info("job_done", job=job_id, result=str(result), ms=_ms(started))
            except Exception:
                log.exception("job_failed", job=job_id)

        return run


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _poll_seconds(settings: Settings, mailbox_name: str) -> float:
    """How long one wait for new mail lasts: the IMAP poll/IDLE period, 5 s for a Maildir."""
    for source in settings.mailboxes:
        if source.name == mailbox_name and isinstance(source, ImapSource):
            return source.poll_seconds
    return MAILDIR_POLL_SECONDS
