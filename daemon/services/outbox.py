"""The transactional outbox: every mail afilia sends is a row first.

Rows are written in the same transaction as the decision (or reminder, or digest) that
caused them, with the exact bytes to send and a Message-ID derived from their unique key.
One loop sends them: a resend after a crash between the server's 250 and our commit sends
the same bytes, so mail clients show it once. A sender holds the rows it sends under a short
lease on the database's clock, renewed by a heartbeat while it is alive and sending: rows
of a killed sender are free again within ``LEASE_SECONDS``. Transient failures back off
exponentially; permanent ones (5xx, refused recipient) are marked failed for the digest.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import OutgoingSettings, Settings
from daemon.domain.policy import Policy
from daemon.errors import TransientError
from daemon.mail.ports import DeliveryResult, Mailer, OutgoingMail
from daemon.store.db import database_now, transaction
from daemon.store.schema import OutboxRow

if TYPE_CHECKING:
    from daemon.mail.compose import Renderer

log = structlog.get_logger("afilia.outbox")

LEASE_SECONDS = 5.0  # a claim lapses this long after the claimer's last heartbeat
HEARTBEAT_SECONDS = 1.5  # how often a live claimer renews its lease while it sends


class Purpose(StrEnum):
    REPLY = "reply"
    REMINDER = "reminder"
    NOTICE = "notice"
    DIGEST = "digest"
    STAFF_REPLY = "staff_reply"
    REVIEW = "review"  # one mail to staff per review item, with its document
    ALERT = "alert"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def queue_mail(
    session: Session,
    *,
    renderer: Renderer,
    settings: Settings,
    policy: Policy,
    purpose: Purpose,
    template: str,
    context: Mapping[str, Any],
    recipient: str,
    dedupe_key: str,
    now: datetime,
    matricula: str | None = None,
    decision_pk: int | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bool:
    """Render, compose and store one mail; False when ``dedupe_key`` was already queued."""
    exists = session.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    session.add(
        OutboxRow(
            **compose_mail(
                renderer=renderer,
                settings=settings,
                policy=policy,
                purpose=purpose,
                template=template,
                context=context,
                recipient=recipient,
                dedupe_key=dedupe_key,
                now=now,
                matricula=matricula,
                decision_pk=decision_pk,
                in_reply_to=in_reply_to,
                references=references,
                attachments=attachments,
            )
        )
    )
    session.flush()
    return True


def compose_mail(
    *,
    renderer: Renderer,
    settings: Settings,
    policy: Policy,
    purpose: Purpose,
    template: str,
    context: Mapping[str, Any],
    recipient: str,
    dedupe_key: str,
    now: datetime,
    matricula: str | None = None,
    decision_pk: int | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> dict[str, Any]:
    """The outbox row of one mail, rendered and composed, not stored: no database needed,
    so a caller queueing many composes them outside its write transaction."""
    from daemon.mail.compose import base_context, build_message, make_message_id

    today = now.astimezone(settings.tz).date()
    rendered = renderer.render(template, {**base_context(policy, today), **context})
    domain = settings.school.address.rpartition("@")[2] or "afilia.invalid"
    message_id = make_message_id(dedupe_key, domain)
    raw = build_message(
        rendered,
        sender=settings.school.address,
        sender_name=settings.school.office,
        recipients=[recipient],
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted="auto-replied" if purpose is Purpose.REPLY else "auto-generated",
        attachments=attachments,
        date=now.astimezone(settings.tz),  # the Date students read: the school's clock
    )
    return {
        "message_id": message_id,
        "dedupe_key": dedupe_key,
        "purpose": str(purpose),
        "template": template,
        "recipient": recipient,
        "subject": rendered.subject,
        "raw": raw,
        "status": str(Status.PENDING),
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "decision_pk": decision_pk,
        "matricula": matricula,
    }


def queue_composed(session: Session, mails: Sequence[Mapping[str, Any]]) -> list[str]:
    """Store composed mails (``compose_mail``) in one statement; the dedupe keys stored.

    A key already queued is skipped, here or by the database (ON CONFLICT DO NOTHING, for
    a key another process queued meanwhile): re-running never queues a mail twice.
    """
    if not mails:
        return []
    keys = [m["dedupe_key"] for m in mails]
    stored = set(
        session.scalars(select(OutboxRow.dedupe_key).where(OutboxRow.dedupe_key.in_(keys)))
    )
    fresh: dict[str, Mapping[str, Any]] = {}
    for mail in mails:
        if mail["dedupe_key"] not in stored:
            fresh.setdefault(mail["dedupe_key"], mail)
    if fresh:
        session.execute(_insert_ignoring_duplicates(session), list(fresh.values()))
    return list(fresh)


def _insert_ignoring_duplicates(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(OutboxRow).on_conflict_do_nothing()


def replies_sent_recently(session: Session, recipient: str, now: datetime) -> int:
    """Replies queued to this address in the last hour (the per-sender reply cap)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(
                OutboxRow.recipient == recipient,
                OutboxRow.purpose == Purpose.REPLY,
                OutboxRow.created_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    throttled: bool = False


def _budget(session: Session, limits: OutgoingSettings, now: datetime) -> int:
    """How many mails the provider's per-minute and per-day limits still allow."""

    def sent_since(moment: datetime) -> int:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.status == Status.SENT, OutboxRow.sent_at > moment)
            )
            or 0
        )

    return max(
        0,
        min(
            limits.per_minute - sent_since(now - timedelta(minutes=1)),
            limits.per_day - sent_since(now - timedelta(days=1)),
        ),
    )


def claimer_id() -> str:
    """Who holds a lease: host, process and a random part (two senders in one process)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claim(
    sessions: sessionmaker[Session], limit: int, now: datetime, claimer: str | None = None
) -> list[OutboxRow]:
    """Take due rows for this sender under a lease; a second sender skips them (FOR UPDATE
    SKIP LOCKED on PostgreSQL, the write lock on SQLite) until the lease lapses."""
    with transaction(sessions) as session:
        clock = database_now(session)
        rows = list(
            session.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.status == Status.PENDING,
                    OutboxRow.next_attempt_at <= now,
                    or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < clock),
                )
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.claimed_until = clock + timedelta(seconds=LEASE_SECONDS)
            row.claimed_by = claimer or claimer_id()
        return rows


def renew_lease(sessions: sessionmaker[Session], ids: Sequence[int], claimer: str) -> int:
    """Extend this claimer's lease on its rows still pending; how many it still holds."""
    with transaction(sessions) as session:
        clock = database_now(session)
        result = session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(ids),
                OutboxRow.claimed_by == claimer,
                OutboxRow.status == Status.PENDING,
            )
            .values(claimed_until=clock + timedelta(seconds=LEASE_SECONDS))
        )
        return int(getattr(result, "rowcount", 0) or 0)


def held_elsewhere(sessions: sessionmaker[Session], now: datetime) -> int:
    """Due rows under another sender's lease that has not lapsed (it may still send them)."""
    with transaction(sessions) as session:
        clock = database_now(session)
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    OutboxRow.status == Status.PENDING,
                    OutboxRow.next_attempt_at <= now,
                    OutboxRow.claimed_until >= clock,
                )
            )
            or 0
        )


class _Heartbeat:
    """Renews a lease every ``HEARTBEAT_SECONDS`` from a small thread while a batch is sent."""

    def __init__(self, sessions: sessionmaker[Session], ids: Sequence[int], claimer: str) -> None:
        self._sessions, self._ids, self._claimer = sessions, list(ids), claimer
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="outbox-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(HEARTBEAT_SECONDS):
            try:
                renew_lease(self._sessions, self._ids, self._claimer)
            except Exception as err:  # a missed beat only shortens the lease; keep sending
                log.warning("outbox_heartbeat_failed", error=str(err)[:200])


def send_due(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    limits: OutgoingSettings,
    now: datetime,
    *,
    batch_size: int = 50,
) -> SendReport:
    """Send what is due now, within the throttle. Safe to run from several processes."""
    with transaction(sessions) as session:
        budget = _budget(session, limits, now)
    if budget == 0:
        return SendReport(throttled=True)
    claimer = claimer_id()
    rows = _claim(sessions, min(budget, batch_size), now, claimer)
    if not rows:
        return SendReport()
    with _Heartbeat(sessions, [row.id for row in rows], claimer):
        return _deliver(sessions, mailer, rows, limits, now)


def _deliver(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    rows: list[OutboxRow],
    limits: OutgoingSettings,
    now: datetime,
) -> SendReport:
    mails = [
        OutgoingMail(
            message_id=row.message_id,
            sender=_envelope_sender(row.raw),
            recipients=(row.recipient,),
            raw=row.raw,
        )
        for row in rows
    ]
    try:
        results = mailer.deliver(mails)
    except TransientError as err:
        results = [DeliveryResult(m.message_id, False, False, str(err)) for m in mails]
    return _record(sessions, rows, results, limits, now)


def _envelope_sender(raw: bytes) -> str:
    from email.parser import BytesHeaderParser
    from email.utils import parseaddr

    headers = BytesHeaderParser().parsebytes(raw)
    return parseaddr(str(headers.get("From", "")))[1]


def _record(
    sessions: sessionmaker[Session],
    rows: list[OutboxRow],
    results: list[DeliveryResult],
    limits: OutgoingSettings,
    now: datetime,
) -> SendReport:
    sent = retried = failed = 0
    with transaction(sessions) as session:
        for row, result in zip(rows, results, strict=True):
            attempts = row.attempts + 1
            values: dict[str, Any] = {
                "attempts": attempts,
                "claimed_until": None,
                "claimed_by": None,
            }
            if result.delivered:
                values |= {"status": Status.SENT, "sent_at": now, "last_error": ""}
                sent += 1
            elif result.permanent_failure or attempts >= limits.max_attempts:
                values |= {"status": Status.FAILED, "last_error": result.error[:2000]}
                failed += 1
            else:
                delay = min(
                    limits.retry_base_seconds * 2 ** (attempts - 1), limits.retry_max_seconds
                )
                values |= {
                    "next_attempt_at": now + timedelta(seconds=delay),
                    "last_error": result.error[:2000],
                }
                retried += 1
            session.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(**values))
            log.info(
                "outbox_delivery",
                message_id=row.message_id,
                purpose=row.purpose,
                template=row.template,
                delivered=result.delivered,
                permanent=result.permanent_failure,
                attempts=attempts,
                error=result.error[:200],
            )
    return SendReport(sent=sent, retried=retried, failed=failed)


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == Status.PENDING)
        )
        or 0
    )
