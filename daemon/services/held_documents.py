"""Held documents are decided again when what held them changes (issue 9).

A constancia answered ``not_enrolled`` or ``identity_mismatch`` because the roster had not
arrived yet is re-read from the kept mail after ``afilia roster import``; when the sender is
now a student and the decision changes, the new decision is stored beside the old one (which
leaves the review queue) and the student gets one new reply, under a key of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.sql.selectable import Exists

from daemon.domain.classification import Case, Roster, classify
from daemon.domain.outcomes import Outcome
from daemon.services.ingest import HELD_OUTCOMES, Intake, document_owner
from daemon.services.mail_reading import MailReader
from daemon.services.replies import queue_reply, received_on
from daemon.store import roster
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, DocumentRow, InboundMessageRow, StudentRow

log = structlog.get_logger("afilia.held")


@dataclass
class RedecideReport:
    looked_at: int = 0
    decided_again: int = 0


def redecide_held(intake: Intake, now: datetime) -> RedecideReport:
    """Re-decide every held, unreviewed document whose sender is now on the roster."""
    report = RedecideReport()
    with transaction(intake.sessions) as session:
        rows = session.execute(
            select(DecisionRow.id, InboundMessageRow.raw_sha256, DocumentRow.sha256)
            .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
            .join(DocumentRow, DecisionRow.document_pk == DocumentRow.id)
            .where(
                DecisionRow.outcome.in_([str(o) for o in HELD_OUTCOMES]),
                DecisionRow.reviewed_at.is_(None),
                _sender_on_roster(),
            )
            .order_by(DecisionRow.id)
        ).all()
    done: set[str] = set()  # a document sent twice gets one new decision and one reply
    for decision_id, raw_sha, document_sha in rows:
        report.looked_at += 1
        if document_sha in done:
            _mark_reviewed(intake, decision_id, now)
        elif _redecide(intake, decision_id, raw_sha, document_sha, now):
            report.decided_again += 1
            done.add(document_sha)
    return report


def _mark_reviewed(intake: Intake, decision_id: int, now: datetime) -> None:
    with transaction(intake.sessions) as session:
        row = session.get(DecisionRow, decision_id)
        if row is not None:
            row.reviewed_at = now


def _sender_on_roster() -> Exists:
    """SQL: the message's sender is a roster address (institutional or personal)."""
    known = select(StudentRow.matricula).where(
        (StudentRow.email_institucional == InboundMessageRow.sender)
        | (StudentRow.email_personal == InboundMessageRow.sender)
    )
    return known.exists()


def _redecide(
    intake: Intake, decision_id: int, raw_sha: str, document_sha: str, now: datetime
) -> bool:
    limits = intake.settings.limits
    raw = intake.blobs.get(raw_sha)
    reader = intake.reader
    assert isinstance(reader, MailReader)
    [parsed] = reader.read_mails_bounded(
        [raw], max_header_bytes=limits.max_header_bytes, max_attachments=limits.max_attachments
    )
    reading = next(
        (r for found in parsed.readings for r in found if r.sha256 == document_sha), None
    )
    if reading is None:
        return False
    mail = parsed.mail
    with transaction(intake.sessions) as session:
        old = session.get(DecisionRow, decision_id)
        assert old is not None
        message = session.get(InboundMessageRow, old.message_pk)
        assert message is not None
        by_sender = roster.find_by_email(session, message.sender)
        day = received_on(mail, message.received_at, intake.settings, arrived_at=None)
        case = Case(
            reading=reading,
            roster=Roster(by_sender=by_sender, by_document=document_owner(session, reading)),
            sender=message.sender,
            received_on=day,
            policy=intake.policy,
        )
        decision = classify(case)
        if decision.outcome in HELD_OUTCOMES or decision.outcome is Outcome.DUPLICATE:
            return False
        row = DecisionRow(
            message_pk=message.id,
            document_pk=old.document_pk,
            matricula=decision.matricula,
            outcome=str(decision.outcome),
            reasons=[
                *decision.reasons,
                f"decided again after the roster changed (was {old.outcome})",
            ],
            decided_at=now,
        )
        session.add(row)
        old.reviewed_at = now
        session.flush()
        reply = queue_reply(
            session,
            mail,
            decision,
            reading,
            row,
            message,
            intake,
            now,
            dedupe_key=f"redecided:{decision_id}",
        )
    log.info(
        "held_document_decided_again",
        decision=decision_id,
        was=old.outcome,
        outcome=str(decision.outcome),
        reply=reply,
    )
    return True


__all__ = ["RedecideReport", "redecide_held"]
