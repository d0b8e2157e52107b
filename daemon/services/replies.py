"""The reply a student gets: when we answer at all, and what the template is told.

Never answer auto-replies, bounces, lists or ourselves (decided upstream as ignored_auto),
at most N replies per sender per hour, and never show data of anyone but the sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.orm import Session

from daemon.config import Settings
from daemon.domain.classification import Decision
from daemon.domain.facts import DocumentReading
from daemon.domain.outcomes import NEVER_ANSWERED, Outcome
from daemon.mail.inbound import InboundMail
from daemon.mail.message_rules import unanswerable_sender
from daemon.services.outbox import Purpose, queue_mail, replies_sent_recently
from daemon.store.schema import DecisionRow, InboundMessageRow

if TYPE_CHECKING:
    from daemon.services.ingest import Intake

log = structlog.get_logger("afilia.replies")


def own_addresses(settings: Settings) -> tuple[str, ...]:
    return (settings.school.address.lower(),)


# How much earlier than our server's receipt the sender's Date header may place a mail: a
# phone that queued it offline, a slow relay. Never later, and never more than this.
DATE_HEADER_WINDOW = timedelta(days=1)


def received_on(
    mail: InboundMail, now: datetime, settings: Settings, *, arrived_at: datetime | None = None
) -> date:
    """The day a constancia's age is counted to: when OUR servers received the mail.

    ``arrived_at`` is what the mailbox says (IMAP INTERNALDATE, Maildir delivery time),
    else the topmost Received header (added by our own MX), else now. The student's
    ``Date:`` header may only move that earlier, by at most ``DATE_HEADER_WINDOW``.
    """
    arrived = arrived_at or mail.received_at or now
    if arrived > now:  # a clock ahead of ours, or a Received header written by the sender
        arrived = now
    sent = mail.date
    if sent is not None and sent.tzinfo is not None and arrived - DATE_HEADER_WINDOW <= sent:
        arrived = min(arrived, sent)
    return arrived.astimezone(settings.tz).date()


def queue_reply(
    session: Session,
    mail: InboundMail,
    decision: Decision,
    reading: DocumentReading | None,
    decision_row: DecisionRow,
    message: InboundMessageRow,
    intake: Intake,
    now: datetime,
    *,
    arrived_at: datetime | None = None,
    dedupe_key: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> str:
    """Queue the one reply a mail gets, in the decision's transaction; says what was done."""
    settings, policy = intake.settings, intake.policy
    outcome = decision.outcome
    if outcome in NEVER_ANSWERED or outcome is Outcome.STAFF_COMMAND:
        return "none"
    if outcome is Outcome.DUPLICATE and not policy.intake.reply_to_duplicates:
        return "none (policy)"
    if not mail.sender or mail.sender in own_addresses(settings):
        return "none (no sender)"
    if unanswerable_sender(mail):  # decided upstream as needs_review; belt and braces
        return "none (unsafe address)"
    cap = settings.outgoing.replies_per_sender_per_hour
    if replies_sent_recently(session, mail.sender, now) >= cap:
        log.warning("reply_rate_limited", sender=mail.sender, cap=cap)
        return "none (rate limit)"
    queue_mail(
        session,
        renderer=intake.renderer,
        settings=settings,
        policy=policy,
        purpose=Purpose.REPLY,
        template=str(outcome),
        context=_reply_context(mail, decision, reading, intake, now, arrived_at),
        recipient=mail.sender,
        dedupe_key=dedupe_key
        or f"reply:{message.mailbox}:{message.folder}:{message.uidvalidity}:{message.uid_key}",
        now=now,
        matricula=decision.matricula,
        decision_pk=decision_row.id,
        in_reply_to=mail.message_id or None,
        references=(*mail.references, mail.message_id) if mail.message_id else mail.references,
        attachments=attachments,
    )
    return "queued"


def _reply_context(
    mail: InboundMail,
    decision: Decision,
    reading: DocumentReading | None,
    intake: Intake,
    now: datetime,
    arrived_at: datetime | None,
) -> dict[str, Any]:
    """Only the sender's own roster record is shown; document data is echoed only when the
    document is the sender's (never for identity_mismatch or not_enrolled)."""
    facts = reading.facts if reading else None
    own_document = decision.outcome not in (Outcome.IDENTITY_MISMATCH, Outcome.NOT_ENROLLED)
    today = received_on(mail, now, intake.settings, arrived_at=arrived_at)
    return {
        "student": decision.student,
        "outcome": str(decision.outcome),
        "missing": decision.missing,
        "fecha_expedicion": getattr(facts, "fecha_expedicion", None) if own_document else None,
        "received_on": today,
        "next_movement_date": intake.next_movement(now.astimezone(intake.settings.tz).date()),
        "acudir_subdelegacion": bool(getattr(facts, "acudir_subdelegacion", False)),
    }
