"""What the intake adds to the staff's review queue besides the decisions that need review:
quarantined mails and mails with a forged sender (which got no reply and changed nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.domain.digest import ReviewItem
from daemon.domain.outcomes import Outcome
from daemon.mail.message_rules import FORGED_SENDER
from daemon.services import quarantine
from daemon.store.schema import DecisionRow, InboundMessageRow

QUARANTINED = "quarantined"
FORGED = "forged_sender"
_FORGED_DAYS = 14  # a forged mail is listed for two weeks, then it is history


def review_items(session: Session, now: datetime) -> list[ReviewItem]:
    """Quarantined mails (until retried) and recent forged-sender mails, oldest first."""
    items = [
        ReviewItem(
            sender=m.sender or "(sin remitente)",
            outcome=QUARANTINED,
            reason=f"cuarentena #{m.id}: {m.error_class}: {m.reason}"[:300],
            at=m.quarantined_at,
            token=f"#C{m.id}",
        )
        for m in quarantine.waiting_for_staff(session, now)
    ]
    rows = session.execute(
        select(DecisionRow, InboundMessageRow.sender)
        .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
        .where(
            DecisionRow.outcome == str(Outcome.REJECTED_UNSAFE),
            DecisionRow.reviewed_at.is_(None),
            DecisionRow.decided_at <= now,
            DecisionRow.decided_at > now - timedelta(days=_FORGED_DAYS),
        )
        .order_by(DecisionRow.decided_at, DecisionRow.id)
    )
    for decision, sender in rows:
        reasons = [str(r) for r in decision.reasons or ()]
        if any(r.startswith(FORGED_SENDER) for r in reasons):
            items.append(ReviewItem(sender, FORGED, "; ".join(reasons)[:300], decision.decided_at))
    return sorted(items, key=lambda item: item.at)


__all__ = ["FORGED", "QUARANTINED", "review_items"]
