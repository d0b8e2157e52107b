"""Use case: staff settle one review item with a word, by mail or with ``afilia review settle``.

One implementation for both doors. Settling records what staff decided as a decision of
its own (so ``load_cases`` sees the alta pending, the document on file...), marks the
reviewed decision ``reviewed_at``, queues the student's reply (the outcome's own template,
with the staff's note) under the key ``settled:<decision id>`` and audits it, all in the
caller's transaction. An item already settled is left as it is, and staff are told so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from daemon.config import Settings
from daemon.domain.calendar import local_date, next_movement_date
from daemon.domain.digest import review_outcomes
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.review_replies import ReviewRef, ReviewWord, settlement
from daemon.services.calendar_settings import business_calendar
from daemon.services.outbox import Purpose, queue_mail
from daemon.store.roster import to_student
from daemon.store.schema import (
    AuditRow,
    DecisionRow,
    DocumentRow,
    InboundMessageRow,
    StudentRow,
)

if TYPE_CHECKING:
    from daemon.mail.compose import Renderer

log = structlog.get_logger("afilia.review")

_PLAIN_ADDRESS = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"()]+$")

AUDIT_ACTION = "review_settled"
STAFF_REVIEW_REASON = "staff review"  # first reason of the decisions staff record
# A student's reply echoes the document's data only when it is theirs (as replies.py).
_OWN_DOCUMENT = frozenset(
    {
        Outcome.ACCEPTED_NOT_INSURED,
        Outcome.ACCEPTED_INSURED_HERE,
        Outcome.COVERED_OTHER_REGIME,
        Outcome.REGISTERED_ELSEWHERE,
        Outcome.WAIVER_RECEIVED,
        Outcome.NSS_ACUSE_RECEIVED,
    }
)


@dataclass
class SettlementReport:
    """What settling did, for the staff's answer (``review_settled``) and the CLI."""

    token: str
    word: str = ""
    settled: bool = False
    already_settled_at: datetime | None = None
    recorded: str = ""  # outcome code of the staff decision recorded
    recorded_id: int | None = None
    reply: str = ""  # template of the student's reply queued
    reply_to: str = ""
    matricula: str | None = None
    note: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.token,
            "word": self.word,
            "settled": self.settled,
            "already_settled_at": self.already_settled_at.isoformat()
            if self.already_settled_at
            else None,
            "recorded": self.recorded or None,
            "recorded_id": self.recorded_id,
            "reply": self.reply or None,
            "reply_to": self.reply_to or None,
            "matricula": self.matricula,
            "note": self.note,
            "problems": self.problems,
        }


def received_decisions() -> ColumnElement[bool]:
    """Decisions about a received mail, not the ones staff recorded by settling a review
    item (those are decided and reviewed at the same instant): the digest counts mails."""
    return or_(DecisionRow.reviewed_at.is_(None), DecisionRow.reviewed_at != DecisionRow.decided_at)


def settle_review(
    session: Session,
    ref: ReviewRef,
    word: ReviewWord,
    note: str,
    *,
    actor: str,
    now: datetime,
    settings: Settings,
    policy: Policy,
    renderer: Renderer,
) -> SettlementReport:
    """Settle item ``ref`` with ``word``; nothing changes when the report has problems."""
    report = SettlementReport(ref.token, word=str(word), note=note.strip())
    if ref.quarantine:
        report.problems.append(
            f"El correo {ref.token} está en cuarentena: no se decide con una palabra. "
            f"Cuando se corrija la causa, decídelo de nuevo con: afilia quarantine retry "
            f"{ref.number}"
        )
        return report
    decision = session.get(DecisionRow, ref.number)
    if decision is None or Outcome(decision.outcome) not in review_outcomes(policy):
        report.problems.append(f"No hay ninguna revisión {ref.token}.")
        return report
    report.matricula = decision.matricula
    if decision.reviewed_at is not None:
        report.already_settled_at = decision.reviewed_at.astimezone(settings.tz)
        report.problems.append(
            "Si hay que corregirla, hazlo con los comandos del resumen diario o con "
            "afilia review / afilia student."
        )
        return report
    document = session.get(DocumentRow, decision.document_pk) if decision.document_pk else None
    student_row = session.get(StudentRow, decision.matricula) if decision.matricula else None
    plan = settlement(
        word,
        outcome=Outcome(decision.outcome),
        kind=document.kind if document is not None else None,
        fields=dict(document.fields or {}) if document is not None else {},
        on_roster=student_row is not None,
        policy=policy,
    )
    if plan.refusal:
        report.problems.append(plan.refusal)
        return report
    if plan.record is not None:
        staff_decision = DecisionRow(
            message_pk=decision.message_pk,
            document_pk=decision.document_pk,
            matricula=decision.matricula,
            outcome=str(plan.record),
            reasons=[f"{STAFF_REVIEW_REASON} of #{decision.id}: {word}", f"by {actor}"],
            decided_at=now,
            reviewed_at=now,  # decided by staff: it never enters the queue itself
        )
        session.add(staff_decision)
        session.flush()
        report.recorded, report.recorded_id = str(plan.record), staff_decision.id
    decision.reviewed_at = now
    report.settled = True
    if plan.reply is not None:
        _reply_to_student(
            session,
            report,
            plan.reply,
            decision,
            document,
            student_row,
            settings=settings,
            policy=policy,
            renderer=renderer,
            now=now,
        )
    session.add(AuditRow(at=now, actor=actor, action=AUDIT_ACTION, detail=report.as_dict()))
    session.flush()
    log.info("review_settled", item=ref.token, word=str(word), recorded=report.recorded)
    return report


def _reply_to_student(
    session: Session,
    report: SettlementReport,
    outcome: Outcome,
    decision: DecisionRow,
    document: DocumentRow | None,
    student_row: StudentRow | None,
    *,
    settings: Settings,
    policy: Policy,
    renderer: Renderer,
    now: datetime,
) -> None:
    message = session.get(InboundMessageRow, decision.message_pk)
    sender = message.sender if message is not None else ""
    ours = {settings.school.address.lower(), *(a.lower() for a in settings.staff.addresses)}
    if not _PLAIN_ADDRESS.match(sender) or sender in ours:
        report.problems.append("No se escribió al alumno: su correo no tiene un remitente válido.")
        return
    assert message is not None
    fields = dict(document.fields or {}) if document is not None else {}
    own = outcome in _OWN_DOCUMENT
    student = to_student(student_row) if student_row is not None and own else None
    if student is None and outcome is not Outcome.NOT_ENROLLED and student_row is not None:
        student = to_student(student_row)  # a new constancia: greet the sender by name
    today = local_date(now, settings.tz)
    context = {
        "student": student,
        "outcome": str(outcome),
        "missing": (),
        "fecha_expedicion": _date(fields.get("fecha_expedicion")) if own else None,
        "received_on": local_date(message.received_at, settings.tz),
        "next_movement_date": next_movement_date(today, policy, business_calendar(settings, now)),
        "acudir_subdelegacion": bool(fields.get("acudir_subdelegacion", False)),
        "reviewed_by_staff": True,
        "staff_note": report.note,
    }
    queue_mail(
        session,
        renderer=renderer,
        settings=settings,
        policy=policy,
        purpose=Purpose.REPLY,
        template=str(outcome),
        context=context,
        recipient=sender,
        dedupe_key=f"settled:{decision.id}",
        now=now,
        matricula=decision.matricula,
        decision_pk=report.recorded_id or decision.id,
        in_reply_to=message.message_id or None,
        references=(message.message_id,) if message.message_id else (),
    )
    report.reply, report.reply_to = str(outcome), sender


def _date(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


__all__ = ["AUDIT_ACTION", "SettlementReport", "received_decisions", "settle_review"]
