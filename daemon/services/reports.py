"""Read-only views for staff and scripts: ``afilia decisions`` and ``afilia outbox``."""

from __future__ import annotations

import email
import email.message
import email.policy
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.store.schema import DecisionRow, DocumentRow, InboundMessageRow, OutboxRow

DECISION_FIELDS = (
    "nss",
    "curp",
    "nombre",
    "fecha_expedicion",
    "vigente",
    "servicio_medico",
    "registro_patronal",
    "modalidad",
    "patron",
)


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 in the school's time zone, to the minute: what staff and sysadmins read is
    the wall clock of the office, never UTC (the offset stays, for scripts)."""
    return value.astimezone(tz).isoformat(timespec="minutes")


def decisions(
    session: Session, since: datetime | None = None, *, tz: ZoneInfo
) -> Iterator[dict[str, Any]]:
    """One object per decision, oldest first, with the status of the reply it caused."""
    query = (
        select(DecisionRow, InboundMessageRow, DocumentRow)
        .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
        .outerjoin(DocumentRow, DecisionRow.document_pk == DocumentRow.id)
        .order_by(DecisionRow.id)
    )
    if since is not None:
        query = query.where(DecisionRow.decided_at >= since)
    replies = _reply_status_by_message(session)
    for decision, message, document in session.execute(query).yield_per(500):
        fields = document.fields if document is not None else {}
        yield {
            "message_id": message.message_id or None,
            "received_at": local_time(message.received_at, tz),
            "sender": message.sender,
            "matricula": decision.matricula,
            "document": document.kind if document is not None else None,
            "outcome": decision.outcome,
            "reasons": list(decision.reasons),
            "fields": {name: fields.get(name) for name in DECISION_FIELDS} if fields else {},
            "reply_status": replies.get(message.id, "none"),
        }


def _reply_status_by_message(session: Session) -> dict[int, str]:
    query = select(DecisionRow.message_pk, OutboxRow.status).join(
        OutboxRow, OutboxRow.decision_pk == DecisionRow.id
    )
    return {message_pk: status for message_pk, status in session.execute(query)}


def outbox(
    session: Session, status: str | None = None, *, tz: ZoneInfo
) -> Iterator[dict[str, Any]]:
    query = select(OutboxRow).order_by(OutboxRow.id)
    if status:
        query = query.where(OutboxRow.status == status)
    for row in session.scalars(query).yield_per(500):
        yield {
            "id": row.id,
            "message_id": row.message_id,
            "purpose": row.purpose,
            "template": row.template,
            "recipient": row.recipient,
            "subject": row.subject,
            "status": row.status,
            "attempts": row.attempts,
            "created_at": local_time(row.created_at, tz),
            "next_attempt_at": local_time(row.next_attempt_at, tz),
            "sent_at": local_time(row.sent_at, tz) if row.sent_at else None,
            "last_error": row.last_error or None,
            "matricula": row.matricula,
        }


def outbox_mail(session: Session, mail_id: int, *, tz: ZoneInfo) -> str | None:
    """One outbox mail as a person reads it: the stored bytes decoded (the exact mail that
    is or was sent), with its delivery state; None when there is no such mail."""
    row = session.get(OutboxRow, mail_id)
    if row is None:
        return None
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    lines = [f"{name}: {message[name]}" for name in _SHOWN_HEADERS if message[name]]
    sent = f", sent {local_time(row.sent_at, tz)}" if row.sent_at else ""
    lines.append(
        f"afilia: #{row.id} {row.purpose}/{row.template}, {row.status} after "
        f"{row.attempts} attempt(s), queued {local_time(row.created_at, tz)}{sent}"
    )
    if row.last_error:
        lines.append(f"afilia: last error: {row.last_error}")
    body = message.get_body(("plain",)) if isinstance(message, email.message.EmailMessage) else None
    lines += ["", body.get_content().rstrip() if body is not None else "(no text part)"]
    attachments = [
        f"  {part.get_filename() or '(no name)'}  {part.get_content_type()}  "
        f"{len(part.get_payload(decode=True) or b'')} bytes"
        for part in message.iter_attachments()  # type: ignore[union-attr]
    ]
    if attachments:
        lines += ["", "Attachments:", *attachments]
    return "\n".join(lines)


_SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To")
