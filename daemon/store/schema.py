"""The tables. Every change goes with an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EmailAddress(TypeDecorator[str]):
    """An address stored lowercased, so lookups compare the column as stored and use its index.

    Every write (ORM or Core) and every value compared with the column goes through here.
    """

    impl = String(320)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else value.strip().lower()


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TermRow(Base):
    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class StudentRow(Base):
    __tablename__ = "students"

    matricula: Mapped[str] = mapped_column(String(32), primary_key=True)
    curp: Mapped[str] = mapped_column(String(18), unique=True)
    nombres: Mapped[str] = mapped_column(String(200))
    apellido_paterno: Mapped[str] = mapped_column(String(200))
    apellido_materno: Mapped[str] = mapped_column(String(200), default="")
    email_institucional: Mapped[str] = mapped_column(EmailAddress(), default="", index=True)
    email_personal: Mapped[str] = mapped_column(EmailAddress(), default="", index=True)
    programa: Mapped[str] = mapped_column(String(200), default="")
    term_number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(32))
    new_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"), nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboundMessageRow(Base):
    """One mail taken from a mailbox, keyed like paperless' processed-mail table."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity", "uid_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    uid_key: Mapped[str] = mapped_column(String(255))  # IMAP UID or Maildir key
    message_id: Mapped[str] = mapped_column(String(998), default="")
    sender: Mapped[str] = mapped_column(String(320), default="", index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(index=True)
    processed_at: Mapped[datetime]
    moved_at: Mapped[datetime | None] = mapped_column(nullable=True)  # done on the server


class QuarantineRow(Base):
    """A mail that raised while being decided, stored or answered (Mailman's shunt queue):
    its raw bytes are in the blob store, it was moved out of the inbox, staff see it in the
    digest and ``afilia review list``, and ``afilia quarantine retry`` decides it again."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity", "uid_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    uid_key: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(998), default="")
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    error_class: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)  # server time
    quarantined_at: Mapped[datetime] = mapped_column(index=True)
    moved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[str] = mapped_column(String(16))
    problem: Mapped[str | None] = mapped_column(String(32), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    document_pk: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    matricula: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(40), index=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime] = mapped_column(index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutboxRow(Base):
    """A mail to send. Rows are written with the decision that caused them."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    purpose: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_pk: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    matricula: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # A sender's lease on the row, on the database's clock (store.db.database_now): short,
    # renewed by the claimer's heartbeat while it sends, so a killed one's rows free at once.
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class MailboxHealthRow(Base):
    __tablename__ = "mailbox_health"

    mailbox: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    down_since: Mapped[datetime | None] = mapped_column(nullable=True)  # first error of an outage
    alerted_down: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRow(Base):
    """What staff and the system did, for the record (commands, imports, purges)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# The procedure tables (issue 4) live in their own module; importing it here registers them
# on Base.metadata for Alembic and for every session.
import daemon.store.procedure  # noqa: E402, F401
