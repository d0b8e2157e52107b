"""Use case: the staff's daily digest, on business days at ``[staff] digest_time``.

It gathers the day's facts (decisions since the last digest, the review queue, outbox
failures, mailbox health), asks the domain what the digest says, and queues one mail per
staff recipient with the alta and baja lists attached as CSV in the IMSS forms' style. The
key ``digest:<date>:<recipient>`` makes a second run the same day a no-op.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon.domain.calendar import local_date, next_movement_date
from daemon.domain.corrective_actions import follow_up
from daemon.domain.digest import (
    Digest,
    DigestFacts,
    MailboxHealth,
    OutboxFailure,
    ReviewItem,
    build_digest,
    movements_csv,
    review_outcomes,
)
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase
from daemon.domain.reason_texts import reasons_in_spanish
from daemon.domain.resello import resello_overdue
from daemon.services import intake_review, review_mails
from daemon.services.corrective_actions import load_corrective_actions
from daemon.services.outbox import Purpose, queue_mail
from daemon.services.procedure_actions import load_cases, load_terms, pending_review
from daemon.services.reminders import Mailing
from daemon.services.review_settlement import received_decisions
from daemon.services.roster_import import AUDIT_ACTION as ROSTER_IMPORT
from daemon.store.blobs import BlobStore
from daemon.store.db import transaction
from daemon.store.schema import (
    AuditRow,
    DecisionRow,
    MailboxHealthRow,
    OutboxRow,
)

if TYPE_CHECKING:
    from daemon.bootstrap import App

log = structlog.get_logger("afilia.digest")

TEMPLATE = "digest"
_REVIEW_LIMIT = 200


@dataclass(frozen=True)
class PreparedDigest:
    digest: Digest
    context: dict[str, Any]
    attachments: tuple[tuple[str, str, bytes], ...]


def prepare_digest(session: Session, mailing: Mailing, now: datetime) -> PreparedDigest:
    settings = mailing.settings
    today = local_date(now, settings.tz)
    cases = load_cases(session, settings.tz)
    digest = build_digest(
        cases,
        _facts(session, now, settings.tz, mailing.policy),
        today=today,
        policy=mailing.policy,
        calendar=mailing.calendar,
        next_movement=next_movement_date(today, mailing.policy, mailing.calendar),
    )
    digest = _with_follow_up(session, digest, cases, mailing, today)
    attachments = []
    stamp = today.strftime("%Y%m%d")
    if digest.altas:
        data = movements_csv(cases, (line.matricula for line in digest.altas))
        attachments.append((f"altas_imss_{stamp}.csv", "text/csv", data))
    if digest.bajas:
        data = movements_csv(cases, (line.matricula for line in digest.bajas))
        attachments.append((f"bajas_imss_{stamp}.csv", "text/csv", data))
    context = {
        "digest": digest,
        "day": digest.day,
        "since": digest.since,
        "counts": dict(digest.counts),
        "altas": digest.altas,
        "bajas": digest.bajas,
        "subdelegacion": digest.subdelegacion,
        "to_print": digest.to_print,
        "to_deliver": digest.to_deliver,
        "uncollected": digest.uncollected,
        "to_verify": digest.to_verify,
        "roster_due": digest.roster_due,
        "overdue": digest.overdue,
        "no_document": digest.no_document,
        "review": digest.review,
        "outbox_failures": digest.outbox_failures,
        "indicators": digest.indicators,
        "health": digest.health,
        "bajas_list_due": digest.bajas_list_due,
        "next_movement_date": digest.next_movement,
        "has_work": digest.has_work,
        "attachment_names": [name for name, _type, _data in attachments],
        "without_corrective_action": digest.without_corrective_action,
        "corrective_unresolved": digest.corrective_unresolved,
        "resello_overdue": digest.resello_overdue,
    }
    return PreparedDigest(digest, context, tuple(attachments))


def _with_follow_up(
    session: Session, digest: Digest, cases: list[StudentCase], mailing: Mailing, today: date
) -> Digest:
    """PAB-24 paso 12 (follow-up of the corrective actions) and paso 9 (resellos overdue)."""
    actions = load_corrective_actions(session, mailing.settings.tz)
    followed = follow_up(digest.overdue, actions)
    return replace(
        digest,
        without_corrective_action=followed.without_action,
        corrective_unresolved=followed.unresolved,
        resello_overdue=resello_overdue(
            cases, today=today, policy=mailing.policy, calendar=mailing.calendar
        ),
    )


def _motivo(decision: DecisionRow) -> str:
    """A needs_review decision's first reason is, in Spanish, why staff must decide."""
    reasons = decision.reasons or ()
    return str(reasons[0]) if decision.outcome == Outcome.NEEDS_REVIEW and reasons else ""


def _detail(decision: DecisionRow) -> list[object]:
    reasons = list(decision.reasons or ())
    return reasons[1:] if _motivo(decision) else reasons


def _facts(session: Session, now: datetime, tz: ZoneInfo, policy: Policy) -> DigestFacts:
    since = session.scalar(
        select(func.max(OutboxRow.created_at)).where(
            OutboxRow.purpose == str(Purpose.DIGEST), OutboxRow.created_at < now
        )
    )
    window_start = since or now - timedelta(days=1)
    counts = Counter(
        outcome
        for (outcome,) in session.execute(
            select(DecisionRow.outcome).where(
                DecisionRow.decided_at > window_start,
                DecisionRow.decided_at <= now,
                received_decisions(),
            )
        )
    )
    review = [
        ReviewItem(
            sender=sender,
            outcome=decision.outcome,
            reason="; ".join(reasons_in_spanish(_detail(decision)))[:300],
            at=decision.decided_at,
            matricula=decision.matricula,
            motivo=_motivo(decision),
            token=f"#{decision.id}",
        )
        for decision, sender in pending_review(
            session, review_outcomes(policy), now, limit=_REVIEW_LIMIT
        )
    ]
    mailed = {ref.token for ref in review_mails.mailed_refs(session)}
    review = sorted(
        (
            replace(item, at=item.at.astimezone(tz), mailed=item.token in mailed)
            for item in [*review, *intake_review.review_items(session, now)]
        ),
        key=lambda r: r.at,
    )
    failures = [
        OutboxFailure(row.recipient, row.template, row.last_error[:200], row.created_at)
        for row in session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == "failed", OutboxRow.created_at > now - timedelta(days=7))
            .order_by(OutboxRow.created_at)
        )
    ]
    health = [
        MailboxHealth(row.mailbox, row.last_success_at, row.last_error_at, row.last_error)
        for row in session.scalars(select(MailboxHealthRow).order_by(MailboxHealthRow.mailbox))
    ]
    imported = session.scalar(
        select(func.max(AuditRow.at)).where(AuditRow.action == ROSTER_IMPORT, AuditRow.at <= now)
    )
    return DigestFacts(
        since=since,
        counts=counts,
        review=review,
        outbox_failures=failures,
        health=health,
        terms=tuple(load_terms(session)),
        roster_imported_on=local_date(imported, tz) if imported else None,
    )


def send_digest(
    session: Session,
    mailing: Mailing,
    now: datetime,
    *,
    dry_run: bool = False,
    blobs: BlobStore | None = None,
) -> PreparedDigest:
    """Build the digest and (unless dry) queue it to every staff recipient. With ``blobs``,
    first queue the review mails still missing, so the digest can point to them."""
    if blobs is not None and not dry_run:
        review_mails.catch_up(
            session,
            review_mails.ReviewMailing(mailing.settings, mailing.policy, mailing.renderer, blobs),
            now,
        )
    prepared = prepare_digest(session, mailing, now)
    if dry_run:
        return prepared
    today = prepared.digest.day
    for recipient in mailing.settings.staff.digest_recipients():
        queue_mail(
            session,
            renderer=mailing.renderer,
            settings=mailing.settings,
            policy=mailing.policy,
            purpose=Purpose.DIGEST,
            template=TEMPLATE,
            context=prepared.context,
            recipient=recipient,
            dedupe_key=f"digest:{today.isoformat()}:{recipient.lower()}",
            now=now,
            attachments=prepared.attachments,
        )
    return prepared


def run_digest(app: App, now: datetime) -> bool:
    """The daemon's daily job: True when a digest was queued (business days only)."""
    mailing = Mailing.from_app(app, now)
    today = local_date(now, app.settings.tz)
    if not mailing.calendar.is_business_day(today):
        return False
    if not app.settings.staff.digest_recipients():
        log.warning("digest_without_recipients")
        return False
    with transaction(app.sessions) as session:
        prepared = send_digest(session, mailing, now, blobs=app.blobs)
    log.info(
        "digest_queued",
        altas=len(prepared.digest.altas),
        bajas=len(prepared.digest.bajas),
        overdue=len(prepared.digest.overdue),
        review=len(prepared.digest.review),
    )
    return True
