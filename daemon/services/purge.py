"""Use case: retention. Waivers (FOR-24-01) go 3 years after the end of their term, the
delivery log (FOR-24-02) 2 years after each delivery, raw mails, their documents and the
mails we sent after ``raw_mail_days``; the profile sets each period. ``afilia purge
--dry-run`` lists what would go.

Forget the content, keep the facts: decisions stay (outcome and date), so a student who
waived or got their card years ago is not asked again. A waiver inside a purged raw mail
keeps its own copy until its own term; a purged delivery keeps that (and when) the card
was handed over, without who signed for it or who handed it over, nor in which batch's
FOR-24-02 log it was signed (``afilia credenciales log`` prints a batch only while the
deliveries in it are kept).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from daemon.domain.calendar import local_date
from daemon.domain.outcomes import DocumentKind
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import Term
from daemon.services.terms import list_terms
from daemon.store.blobs import BlobStore
from daemon.store.db import transaction
from daemon.store.procedure import ActionKind, CredentialPrintRow, ProcedureActionRow
from daemon.store.schema import AuditRow, DocumentRow, InboundMessageRow, OutboxRow

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from daemon.bootstrap import App

log = structlog.get_logger("afilia.purge")

T = TypeVar("T")
PURGED = "purged"  # what a purged delivery keeps as its actor


@dataclass
class PurgePlan:
    waiver_documents: list[int] = field(default_factory=list)  # DocumentRow ids
    deliveries: list[int] = field(default_factory=list)  # ProcedureActionRow ids
    raw_mails: list[int] = field(default_factory=list)  # InboundMessageRow ids
    raw_documents: list[int] = field(default_factory=list)  # DocumentRow ids in raw mails
    sent_mails: list[int] = field(default_factory=list)  # OutboxRow ids (sent, old)
    blobs: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.waiver_documents or self.deliveries or self.raw_mails or self.sent_mails)

    def summary(self) -> dict[str, int]:
        return {
            "waivers_FOR-24-01": len(self.waiver_documents),
            "deliveries_FOR-24-02": len(self.deliveries),
            "raw_mails": len(self.raw_mails),
            "sent_mails": len(self.sent_mails),
            "files": len(self.blobs),
        }


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _term_end(received: date, terms: Sequence[Term]) -> date:
    """The end of the term a waiver is for: the one it arrived in, or the next one (waivers
    come in before the term starts); the day it arrived when no term is known."""
    return next((t.ends_on for t in terms if t.ends_on >= received), received)


def plan_purge(session: Session, policy: Policy, now: datetime, tz: ZoneInfo) -> PurgePlan:
    today = local_date(now, tz)
    retention = policy.retention
    plan = PurgePlan()
    terms = list_terms(session)
    waivers = session.execute(
        select(
            DocumentRow.id, DocumentRow.sha256, DocumentRow.fields, InboundMessageRow.received_at
        )
        .join(InboundMessageRow, DocumentRow.message_pk == InboundMessageRow.id)
        .where(DocumentRow.kind == str(DocumentKind.RENUNCIA))
    )
    for doc_id, sha, fields, received_at in waivers:
        if not fields:
            continue  # already purged
        term_end = _term_end(local_date(received_at, tz), terms)
        if _years_later(term_end, retention.renuncia_years) < today:
            plan.waiver_documents.append(doc_id)
            plan.blobs.add(sha)
    for action_id, at in session.execute(
        select(ProcedureActionRow.id, ProcedureActionRow.at).where(
            ProcedureActionRow.kind == str(ActionKind.DELIVERED),
            ProcedureActionRow.actor != PURGED,
        )
    ):
        if _years_later(local_date(at, tz), retention.delivery_log_years) < today:
            plan.deliveries.append(action_id)
    cutoff = now - timedelta(days=retention.raw_mail_days)
    old_mails = (InboundMessageRow.received_at < cutoff, InboundMessageRow.raw_sha256 != "")
    for message_id, sha in session.execute(
        select(InboundMessageRow.id, InboundMessageRow.raw_sha256).where(*old_mails)
    ):
        plan.raw_mails.append(message_id)
        plan.blobs.add(sha)
    for doc_id, doc_sha in session.execute(
        select(DocumentRow.id, DocumentRow.sha256)
        .join(InboundMessageRow, DocumentRow.message_pk == InboundMessageRow.id)
        .where(*old_mails, DocumentRow.kind != str(DocumentKind.RENUNCIA))  # its own term
    ):
        plan.raw_documents.append(doc_id)
        plan.blobs.add(doc_sha)
    plan.sent_mails = list(
        session.scalars(
            select(OutboxRow.id).where(
                OutboxRow.status == "sent", OutboxRow.created_at < cutoff, OutboxRow.raw != b""
            )
        )
    )
    plan.blobs -= _still_needed(session, plan)
    return plan


def _chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _still_needed(session: Session, plan: PurgePlan) -> set[str]:
    """Files the plan would delete that something kept still points to (the same document
    sent again later, a waiver inside a purged mail)."""
    going_docs = set(plan.waiver_documents) | set(plan.raw_documents)
    going_mails = set(plan.raw_mails)
    kept: set[str] = set()
    for shas in _chunks(sorted(plan.blobs)):
        for doc_id, sha, fields in session.execute(
            select(DocumentRow.id, DocumentRow.sha256, DocumentRow.fields).where(
                DocumentRow.sha256.in_(shas)
            )
        ):
            if fields and doc_id not in going_docs:
                kept.add(sha)
        for message_id, sha in session.execute(
            select(InboundMessageRow.id, InboundMessageRow.raw_sha256).where(
                InboundMessageRow.raw_sha256.in_(shas)
            )
        ):
            if message_id not in going_mails:
                kept.add(sha)
    return kept


def apply_purge(
    session: Session, plan: PurgePlan, blobs: BlobStore, now: datetime, actor: str
) -> None:
    """Empty the content the plan names, audit it, then delete the files."""
    for ids in _chunks(plan.waiver_documents + plan.raw_documents):
        session.execute(update(DocumentRow).where(DocumentRow.id.in_(ids)).values(fields={}))
    for ids in _chunks(plan.deliveries):
        signed = session.execute(
            select(ProcedureActionRow.batch_id, ProcedureActionRow.matricula).where(
                ProcedureActionRow.id.in_(ids), ProcedureActionRow.batch_id.is_not(None)
            )
        ).all()
        for batch_id, matricula in signed:
            session.execute(
                delete(CredentialPrintRow).where(
                    CredentialPrintRow.batch_id == batch_id,
                    CredentialPrintRow.matricula == matricula,
                )
            )
        session.execute(
            update(ProcedureActionRow)
            .where(ProcedureActionRow.id.in_(ids))
            .values(actor=PURGED, note="", batch_id=None)
        )
    for ids in _chunks(plan.raw_mails):
        session.execute(
            update(InboundMessageRow).where(InboundMessageRow.id.in_(ids)).values(raw_sha256="")
        )
    for ids in _chunks(plan.sent_mails):
        session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(raw=b""))
    session.add(AuditRow(at=now, actor=actor, action="purge", detail=plan.summary()))
    session.flush()
    for digest in plan.blobs:
        blobs.delete(digest)


def run_purge(app: App, now: datetime) -> int:
    """Daily job: how many records were purged."""
    with transaction(app.sessions) as session:
        plan = plan_purge(session, app.policy, now, app.settings.tz)
        if plan.empty:
            return 0
        apply_purge(session, plan, app.blobs, now, "afilia")
    log.info("purged", **plan.summary())
    return (
        len(plan.waiver_documents)
        + len(plan.deliveries)
        + len(plan.raw_mails)
        + len(plan.sent_mails)
    )
