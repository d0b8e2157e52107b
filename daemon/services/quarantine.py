"""Quarantine (Mailman's shunt queue): a mail that raised is kept, listed, and retryable.

A mail whose decision, storage or reply raised is rolled back alone: its raw bytes stay in
the blob store, a ``quarantine`` row records the error class and a short reason, the mail
moves to the mailbox's quarantine folder, and the pass goes on with the next one. Staff
see it in the digest and ``afilia review list``; after an upgrade that fixes the cause,
``afilia quarantine retry ID`` decides it from the kept bytes (a retry that fails again
stays in quarantine with the new error). A mail never goes back into the inbox loop, so
no poison mail is retried forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from daemon.mail.inbound import InboundMail
from daemon.mail.ports import FetchedMail, MailRef
from daemon.store.blobs import BlobStore
from daemon.store.db import transaction
from daemon.store.schema import QuarantineRow

log = structlog.get_logger("afilia.quarantine")

QUARANTINE_FOLDER = "quarantine"  # the folder name of a retried mail's reference
_REASON_CHARS = 500


@dataclass(frozen=True, slots=True)
class QuarantinedMail:
    id: int
    quarantined_at: datetime
    sender: str
    subject: str
    error_class: str
    reason: str
    attempts: int
    resolved_at: datetime | None


def short_reason(err: BaseException) -> tuple[str, str]:
    """(error class, one-line message) for the record; never the mail's content."""
    kind = type(err)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    message = " ".join(str(err).split())[:_REASON_CHARS]
    cause = err.__cause__ or err.__context__
    if cause is not None and not message:
        message = f"{type(cause).__name__}: {' '.join(str(cause).split())}"[:_REASON_CHARS]
    return name[:200], message


def record(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    fetched: FetchedMail,
    mail: InboundMail | None,
    err: BaseException,
    now: datetime,
) -> int:
    """Keep the raw bytes and write (or update) the quarantine row; its id."""
    raw_sha = blobs.put(fetched.raw)
    error_class, reason = short_reason(err)
    ref = fetched.ref
    with transaction(sessions) as session:
        row = _row(session, ref)
        if row is None:
            row = QuarantineRow(
                mailbox=ref.mailbox,
                folder=ref.folder,
                uidvalidity=ref.uidvalidity,
                uid_key=ref.uid_key,
                message_id=mail.message_id[:998] if mail else "",
                sender=mail.sender[:320] if mail else "",
                subject=mail.subject[:2000] if mail else "",
                raw_sha256=raw_sha,
                size=fetched.size,
                error_class=error_class,
                reason=reason,
                attempts=1,
                received_at=fetched.received_at,
                quarantined_at=now,
            )
            session.add(row)
        else:
            row.attempts += 1
            row.error_class, row.reason = error_class, reason
        session.flush()
        quarantine_id = row.id
    log.error(
        "message_quarantined",
        quarantine_id=quarantine_id,
        mailbox=ref.mailbox,
        uid=ref.uid_key,
        error_class=error_class,
        reason=reason,
    )
    return quarantine_id


def is_quarantined(session: Session, ref: MailRef) -> bool:
    return _row(session, ref) is not None


def record_moved(sessions: sessionmaker[Session], ref: MailRef, now: datetime) -> None:
    with transaction(sessions) as session:
        row = _row(session, ref)
        if row is not None and row.moved_at is None:
            row.moved_at = now


def _row(session: Session, ref: MailRef) -> QuarantineRow | None:
    return session.scalar(
        select(QuarantineRow).where(
            QuarantineRow.mailbox == ref.mailbox,
            QuarantineRow.folder == ref.folder,
            QuarantineRow.uidvalidity == ref.uidvalidity,
            QuarantineRow.uid_key == ref.uid_key,
        )
    )


def listed(session: Session, *, include_resolved: bool = False) -> list[QuarantinedMail]:
    """Quarantined mails, oldest first (by default only those still waiting)."""
    query = select(QuarantineRow).order_by(QuarantineRow.quarantined_at, QuarantineRow.id)
    if not include_resolved:
        query = query.where(QuarantineRow.resolved_at.is_(None))
    return [
        QuarantinedMail(
            id=row.id,
            quarantined_at=row.quarantined_at,
            sender=row.sender,
            subject=row.subject,
            error_class=row.error_class,
            reason=row.reason,
            attempts=row.attempts,
            resolved_at=row.resolved_at,
        )
        for row in session.scalars(query)
    ]


def waiting_for_staff(session: Session, now: datetime) -> list[QuarantinedMail]:
    """What the digest and the review queue list: unresolved, quarantined before ``now``."""
    return [m for m in listed(session) if m.quarantined_at <= now]


def retry_fetched(session: Session, blobs: BlobStore, quarantine_id: int) -> FetchedMail | None:
    """The kept mail as a fetched mail with its own reference (so its reply key is new)."""
    row = session.get(QuarantineRow, quarantine_id)
    if row is None:
        return None
    ref = MailRef(row.mailbox, QUARANTINE_FOLDER, 0, str(row.id))
    raw = blobs.get(row.raw_sha256)
    return FetchedMail(ref=ref, raw=raw, size=row.size, received_at=row.received_at)


def mark_resolved(
    sessions: sessionmaker[Session], quarantine_id: int, message_pk: int | None, now: datetime
) -> None:
    with transaction(sessions) as session:
        row = session.get(QuarantineRow, quarantine_id)
        if row is not None:
            row.resolved_at = now
            row.message_pk = message_pk


def mark_failed_again(
    sessions: sessionmaker[Session], quarantine_id: int, err: BaseException
) -> None:
    error_class, reason = short_reason(err)
    with transaction(sessions) as session:
        row = session.get(QuarantineRow, quarantine_id)
        if row is not None:
            row.attempts += 1
            row.error_class, row.reason = error_class, reason


__all__ = [
    "QUARANTINE_FOLDER",
    "QuarantinedMail",
    "is_quarantined",
    "listed",
    "mark_failed_again",
    "mark_resolved",
    "record",
    "record_moved",
    "retry_fetched",
    "short_reason",
    "waiting_for_staff",
]
