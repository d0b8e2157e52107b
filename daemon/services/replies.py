"""The reply a student gets: when we answer at all, and what the template is told.

Never answer auto-replies, bounces, lists or ourselves (decided upstream as ignored_auto),
at most N replies per sender per hour, and never show data of anyone but the sender.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.orm import Session

from daemon.config import Settings
from daemon.domain.classification import Decision
from daemon.domain.facts import DocumentReading
from daemon.domain.outcomes import NEVER_ANSWERED, Outcome
from daemon.mail.inbound import InboundMail
from daemon.services.outbox import Purpose, queue_mail, replies_sent_recently
from daemon.store.schema import DecisionRow, InboundMessageRow

if TYPE_CHECKING:
    from daemon.services.ingest import Intake

log = structlog.get_logger("afilia.replies")


def own_addresses(settings: Settings) -> tuple[str, ...]:
    return (settings.school.address.lower(),)


def received_on(mail: InboundMail, now: datetime, settings: Settings) -> date:
    """The day the student sent it: the Date header when plausible, else our receipt.

    A mail that waited in the inbox over a weekend (daemon down) is judged by when the
    student sent it, not when we got round to it; an implausible Date header is ignored.
    """
    sent = mail.date
    if sent is not None and sent.tzinfo is not None and now - timedelta(days=7) <= sent <= now:
        return sent.astimezone(settings.tz).date()
    return now.astimezone(settings.tz).date()


def queue_reply(
    session: Session,
    mail: InboundMail,
    decision: Decision,
    reading: DocumentReading | None,
    decision_row: DecisionRow,
    message: InboundMessageRow,
    intake: Intake,
    now: datetime,
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
        context=_reply_context(mail, decision, reading, intake, now),
        recipient=mail.sender,
        dedupe_key=f"reply:{message.mailbox}:{message.folder}:{message.uidvalidity}:{message.uid_key}",
        now=now,
        matricula=decision.matricula,
        decision_pk=decision_row.id,
        in_reply_to=mail.message_id or None,
        references=(*mail.references, mail.message_id) if mail.message_id else mail.references,
    )
    return "queued"


def _reply_context(
    mail: InboundMail,
    decision: Decision,
    reading: DocumentReading | None,
    intake: Intake,
    now: datetime,
) -> dict[str, Any]:
    """Only the sender's own roster record is shown; document data is echoed only when the
    document is the sender's (never for identity_mismatch or not_enrolled)."""
    facts = reading.facts if reading else None
    own_document = decision.outcome not in (Outcome.IDENTITY_MISMATCH, Outcome.NOT_ENROLLED)
    today = received_on(mail, now, intake.settings)
    return {
        "student": decision.student,
        "outcome": str(decision.outcome),
        "missing": decision.missing,
        "fecha_expedicion": getattr(facts, "fecha_expedicion", None) if own_document else None,
        "received_on": today,
        "next_movement_date": intake.next_movement(now.astimezone(intake.settings.tz).date()),
        "acudir_subdelegacion": bool(getattr(facts, "acudir_subdelegacion", False)),
    }
