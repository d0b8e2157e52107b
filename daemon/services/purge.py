"""Use case: retention. Waivers (FOR-24-01) go 3 years after the end of their term, the
delivery log (FOR-24-02) 2 years after each delivery, raw mails and their documents after
``raw_mail_days``; the profile sets each period. ``afilia purge --dry-run`` lists what
would go; the decisions themselves stay (outcome and date, no document content).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from daemon.domain.calendar import local_date
from daemon.domain.outcomes import DocumentKind
from daemon.domain.policy import Policy
from daemon.services.terms import list_terms
from daemon.store.blobs import BlobStore
from daemon.store.db import transaction
from daemon.store.procedure import ActionKind, ProcedureActionRow
from daemon.store.schema import AuditRow, DocumentRow, InboundMessageRow

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from daemon.bootstrap import App

log = structlog.get_logger("afilia.purge")


@dataclass
class PurgePlan:
    waiver_documents: list[int] = field(default_factory=list)  # DocumentRow ids
    deliveries: list[int] = field(default_factory=list)  # ProcedureActionRow ids
    raw_mails: list[int] = field(default_factory=list)  # InboundMessageRow ids
    blobs: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.waiver_documents or self.deliveries or self.raw_mails)

    def summary(self) -> dict[str, int]:
        return {
            "waivers_FOR-24-01": len(self.waiver_documents),
            "deliveries_FOR-24-02": len(self.deliveries),
            "raw_mails": len(self.raw_mails),
            "files": len(self.blobs),
        }


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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
        received = local_date(received_at, tz)
        term_end = next((t.ends_on for t in terms if t.contains(received)), received)
        if _years_later(term_end, retention.renuncia_years) < today:
            plan.waiver_documents.append(doc_id)
            plan.blobs.add(sha)
    for action_id, at in session.execute(
        select(ProcedureActionRow.id, ProcedureActionRow.at).where(
            ProcedureActionRow.kind == str(ActionKind.DELIVERED),
        )
    ):
        if _years_later(local_date(at, tz), retention.delivery_log_years) < today:
            plan.deliveries.append(action_id)
    cutoff = now - timedelta(days=retention.raw_mail_days)
    for message_id, sha in session.execute(
        select(InboundMessageRow.id, InboundMessageRow.raw_sha256).where(
            InboundMessageRow.received_at < cutoff, InboundMessageRow.raw_sha256 != ""
        )
    ):
        plan.raw_mails.append(message_id)
        plan.blobs.add(sha)
        for (doc_sha,) in session.execute(
            select(DocumentRow.sha256).where(DocumentRow.message_pk == message_id)
        ):
            plan.blobs.add(doc_sha)
    return plan


def apply_purge(
    session: Session, plan: PurgePlan, blobs: BlobStore, now: datetime, actor: str
) -> None:
    """Forget the content, keep the facts: document fields emptied, delivery rows deleted,
    raw mails' bytes removed (the message row keeps date and outcome for the statistics)."""
    if plan.waiver_documents:
        session.execute(
            update(DocumentRow).where(DocumentRow.id.in_(plan.waiver_documents)).values(fields={})
        )
    if plan.deliveries:
        session.execute(
            delete(ProcedureActionRow).where(ProcedureActionRow.id.in_(plan.deliveries))
        )
    if plan.raw_mails:
        session.execute(
            update(InboundMessageRow)
            .where(InboundMessageRow.id.in_(plan.raw_mails))
            .values(raw_sha256="")
        )
        session.execute(
            update(DocumentRow).where(DocumentRow.message_pk.in_(plan.raw_mails)).values(fields={})
        )
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
    return len(plan.waiver_documents) + len(plan.deliveries) + len(plan.raw_mails)
