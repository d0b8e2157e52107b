"""Use case: one mail to staff per review item, with the document attached.

The digest only lists the review queue; to judge an item staff need to see the document.
So each item gets its own mail to every staff recipient: the stored document (or the raw
mail when no document was kept), the fields read with their sources and doubts, the
student, the reason in Spanish, when it arrived (school time) and the words to answer. It
is queued in the transaction of the decision that puts the item in the queue (the intake);
a 15-minute job and the digest catch up on any item without one (decided before this
existed, re-decided after a roster import, or whose mail failed to render). The key
``review:<decision id>:<recipient>`` (``review:C<id>:...`` for a quarantined mail) makes it
exactly once, and its Message-ID, derived from the key, is how a reply finds the item
again (``reviewed_item``).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from daemon.config import Settings
from daemon.domain.digest import review_outcomes
from daemon.domain.facts import DocumentReading
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.review_items import (
    document_label,
    field_lines,
    reason_of,
    short_reason,
    technical_detail,
)
from daemon.domain.review_replies import ReviewRef, review_ref_in_subject, words_for
from daemon.services import quarantine
from daemon.services.outbox import Purpose, queue_mail
from daemon.services.procedure_actions import pending_review
from daemon.store.blobs import BlobStore, sha256_hex
from daemon.store.db import transaction
from daemon.store.roster import to_student
from daemon.store.schema import (
    DecisionRow,
    DocumentRow,
    InboundMessageRow,
    OutboxRow,
    QuarantineRow,
    StudentRow,
)

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.mail.compose import Renderer
    from daemon.mail.inbound import InboundMail

log = structlog.get_logger("afilia.review")

TEMPLATE = "review_item"
QUARANTINE_TEMPLATE = "review_quarantined"
TEMPLATES = (TEMPLATE, QUARANTINE_TEMPLATE)
MAX_ATTACHED_BYTES = 15 * 1024 * 1024  # what mail providers take in one message
CATCH_UP_LIMIT = 50  # per run, oldest first: a first run after an upgrade is not a flood
_KEY = re.compile(r"^review:(C?)(\d+):")
_UNSAFE_NAME = re.compile(r"[^\w.\- ()áéíóúñÁÉÍÓÚÑüÜ]+")


@dataclass(frozen=True)
class ReviewMailing:
    """What queueing a review mail needs."""

    settings: Settings
    policy: Policy
    renderer: Renderer
    blobs: BlobStore


def review_key(ref: ReviewRef, recipient: str) -> str:
    kind = "C" if ref.quarantine else ""
    return f"review:{kind}{ref.number}:{recipient.strip().lower()}"


# --- queueing ---------------------------------------------------------------------------


def queue_new_reviews(
    session: Session,
    mailing: ReviewMailing,
    decided: Iterable[tuple[DecisionRow, DocumentReading | None]],
    now: datetime,
    *,
    mail: InboundMail | None = None,
) -> int:
    """From the intake, in the decision's transaction: a review mail for each decision that
    enters the queue. A failure here is logged and rolled back alone (a savepoint): the
    decision and the student's reply must not fail for the staff copy; ``run_review_mails``
    (every 15 minutes) and the digest send it later."""
    queued = 0
    wanted = review_outcomes(mailing.policy)
    for row, reading in decided:
        if Outcome(row.outcome) not in wanted:
            continue
        queued += _guarded(
            session, ReviewRef(row.id), queue_decision_review, mailing, row, now, reading, mail
        )
    return queued


def queue_decision_review(
    session: Session,
    mailing: ReviewMailing,
    decision: DecisionRow,
    now: datetime,
    reading: DocumentReading | None = None,
    mail: InboundMail | None = None,
) -> int:
    """The review mail of one decision to every staff recipient; how many were queued."""
    recipients = mailing.settings.staff.digest_recipients()
    ref = ReviewRef(decision.id)
    if not recipients or _all_queued(session, ref, recipients):
        return 0
    item = decision_item(session, mailing, decision, reading)
    attachments, left_out = _decision_attachments(session, mailing.blobs, decision, mail)
    context = {
        **item,
        "attachment_names": [name for name, _type, _data in attachments],
        "left_out": left_out,
        "question": _question(mail) if decision.outcome == Outcome.NO_ATTACHMENT else "",
    }
    return _queue(session, mailing, TEMPLATE, ref, recipients, context, attachments, now)


def queue_quarantine_review(
    session: Session, mailing: ReviewMailing, quarantine_id: int, now: datetime
) -> int:
    """A quarantined mail's review mail, with the raw mail attached: staff see what failed."""
    recipients = mailing.settings.staff.digest_recipients()
    ref = ReviewRef(quarantine_id, quarantine=True)
    row = session.get(QuarantineRow, quarantine_id)
    if row is None or not recipients or _all_queued(session, ref, recipients):
        return 0
    tz = mailing.settings.tz
    attachments, left_out = [], []
    raw = _blob(mailing.blobs, row.raw_sha256)
    name = f"cuarentena_{row.id}.eml"
    if raw is not None and len(raw) <= MAX_ATTACHED_BYTES:
        attachments.append((name, "message/rfc822", raw))
    else:
        left_out.append(name)
    context = {
        "number": row.id,
        "token": ref.token,
        "sender": row.sender or "(sin remitente)",
        "mail_subject": row.subject,
        "error_class": row.error_class,
        "error": row.reason,
        "attempts": row.attempts,
        "quarantined_at": row.quarantined_at.astimezone(tz),
        "received_at": row.received_at.astimezone(tz) if row.received_at else None,
        "attachment_names": [n for n, _t, _d in attachments],
        "left_out": left_out,
    }
    return _queue(session, mailing, QUARANTINE_TEMPLATE, ref, recipients, context, attachments, now)


def catch_up(session: Session, mailing: ReviewMailing, now: datetime) -> int:
    """Queue the review mails still missing (items decided before review mails existed, or
    whose mail failed); at most ``CATCH_UP_LIMIT`` items per run."""
    mailed = mailed_refs(session)
    queued = 0
    items = 0
    for decision, _sender in pending_review(session, review_outcomes(mailing.policy), now):
        if items >= CATCH_UP_LIMIT:
            return queued
        if ReviewRef(decision.id) in mailed:
            continue
        items += 1
        queued += _guarded(
            session, ReviewRef(decision.id), queue_decision_review, mailing, decision, now
        )
    for waiting in quarantine.waiting_for_staff(session, now):
        if items >= CATCH_UP_LIMIT:
            break
        ref = ReviewRef(waiting.id, quarantine=True)
        if ref in mailed:
            continue
        items += 1
        queued += _guarded(session, ref, queue_quarantine_review, mailing, waiting.id, now)
    return queued


def run_review_mails(app: App, now: datetime) -> int:
    """The daemon's 15-minute job: an item whose review mail failed at intake (or a mail
    quarantined while the database was busy) reaches staff within minutes, not at the
    next digest."""
    mailing = ReviewMailing(app.settings, app.policy, app.renderer, app.blobs)
    with transaction(app.sessions) as session:
        queued = catch_up(session, mailing, now)
    if queued:
        log.info("review_mails_caught_up", queued=queued)
    return queued


def _guarded(session: Session, ref: ReviewRef, queue: Callable[..., int], *args: Any) -> int:
    """One item's review mail in a savepoint: a failure (a template that does not render)
    is logged and leaves the digest, and the other items, to go on."""
    try:
        with session.begin_nested():
            return queue(session, *args)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        log.exception("review_mail_failed", item=ref.token)
        return 0


def mailed_refs(session: Session) -> set[ReviewRef]:
    """Every item that has had its review mail queued (for the digest and the catch-up)."""
    found = set()
    for (key,) in session.execute(
        select(OutboxRow.dedupe_key).where(OutboxRow.template.in_(TEMPLATES))
    ):
        match = _KEY.match(key)
        if match:
            found.add(ReviewRef(int(match.group(2)), quarantine=bool(match.group(1))))
    return found


def reviewed_item(
    session: Session, subject: str, in_reply_to: str, references: Sequence[str]
) -> ReviewRef | None:
    """The item a staff reply answers: by the review mail's Message-ID in In-Reply-To or
    References (what every client sets), else by the ``#123`` token of the subject."""
    ids = [i for i in (in_reply_to, *references) if i]
    tokens = {token for value in ids for token in re.findall(r"<[^<>\s]+>", value)}
    if tokens:
        keys = session.scalars(
            select(OutboxRow.dedupe_key).where(
                OutboxRow.message_id.in_(sorted(tokens)), OutboxRow.template.in_(TEMPLATES)
            )
        ).all()
        for key in keys:
            match = _KEY.match(key)
            if match:
                return ReviewRef(int(match.group(2)), quarantine=bool(match.group(1)))
    return review_ref_in_subject(subject)


# --- what staff see ---------------------------------------------------------------------


def decision_item(
    session: Session,
    mailing: ReviewMailing,
    decision: DecisionRow,
    reading: DocumentReading | None = None,
) -> dict[str, Any]:
    """The review mail's (and ``afilia review show``'s) variables for one decision."""
    tz = mailing.settings.tz
    message = session.get(InboundMessageRow, decision.message_pk)
    document = session.get(DocumentRow, decision.document_pk) if decision.document_pk else None
    student_row = session.get(StudentRow, decision.matricula) if decision.matricula else None
    student = to_student(student_row) if student_row is not None else None
    reasons = list(decision.reasons or ())
    fields = dict(document.fields or {}) if document is not None else {}
    kind = document.kind if document is not None else None
    sender = message.sender if message is not None else ""
    words = words_for(
        outcome=Outcome(decision.outcome), kind=kind, fields=fields, policy=mailing.policy
    )
    return {
        "number": decision.id,
        "token": ReviewRef(decision.id).token,
        "outcome": decision.outcome,
        "reason": reason_of(decision.outcome, reasons),
        "short_reason": short_reason(decision.outcome, reasons),
        "detalle": technical_detail(decision.outcome, reasons)[:500],
        "student": student,
        "matricula": decision.matricula,
        "who": student.nombre_completo if student else (sender or "(sin remitente)"),
        "sender": sender or "(sin remitente)",
        "mail_subject": message.subject if message is not None else "",
        "received_at": (message.received_at if message else decision.decided_at).astimezone(tz),
        "document": _document_context(document, fields, reading),
        "words": [{"word": str(w), "outcome": str(o) if o else ""} for w, o in words],
        "reviewed_at": decision.reviewed_at.astimezone(tz) if decision.reviewed_at else None,
    }


def _document_context(
    document: DocumentRow | None, fields: Mapping[str, Any], reading: DocumentReading | None
) -> dict[str, Any] | None:
    if document is None:
        return None
    facts = reading.facts if reading is not None else None
    return {
        "filename": document.filename,
        "kind": document.kind,
        "label": document_label(document.kind, document.confidence, document.problem),
        "lines": [{"label": label, "value": value} for label, value in field_lines(fields)],
        "sources": [f"{name}: {source}" for name, source in getattr(facts, "sources", ())],
        "doubts": [str(d) for d in getattr(facts, "doubts", ())],
        "unread": [str(u) for u in getattr(facts, "unread", ())],
        "tamper": [str(t) for t in (reading.tamper if reading is not None else ())],
    }


def document_files(
    session: Session, blobs: BlobStore, decision: DecisionRow
) -> list[tuple[str, str, bytes]]:
    """(filename, MIME type, bytes) of what staff review: the document, else the raw mail."""
    attachments, _left_out = _decision_attachments(session, blobs, decision, None, cap=None)
    return attachments


def _decision_attachments(
    session: Session,
    blobs: BlobStore,
    decision: DecisionRow,
    mail: InboundMail | None,
    *,
    cap: int | None = MAX_ATTACHED_BYTES,
) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    found: list[tuple[str, str, bytes]] = []
    left_out: list[str] = []
    total = 0
    document = session.get(DocumentRow, decision.document_pk) if decision.document_pk else None
    candidates: list[tuple[str, str, bytes | None]] = []
    if document is not None:
        data = _blob(blobs, document.sha256)
        if data is None:
            # The intake keeps only documents it could read; one under review is kept too,
            # so 'afilia review show' finds it later (the purge removes it with its mail).
            data = _from_mail(mail, document.sha256)
            if data is not None:
                blobs.put(data)
        name = _safe_name(document.filename, f"documento_{decision.id}")
        candidates.append((name, _mime(name), data))
    if document is None or candidates[0][2] is None:
        message = session.get(InboundMessageRow, decision.message_pk)
        raw = _blob(blobs, message.raw_sha256) if message and message.raw_sha256 else None
        candidates.append((f"correo_{decision.id}.eml", "message/rfc822", raw))
    for name, mime, data in candidates:
        if data is None:
            continue
        if cap is not None and total + len(data) > cap:
            left_out.append(name)
            continue
        total += len(data)
        found.append((name, mime, data))
    return found, left_out


def _blob(blobs: BlobStore, digest: str) -> bytes | None:
    if not digest or not blobs.path_for(digest).is_file():
        return None  # purged after its retention, or never kept
    return blobs.get(digest)


def _from_mail(mail: InboundMail | None, digest: str) -> bytes | None:
    if mail is None:
        return None
    return next((a.data for a in mail.attachments if sha256_hex(a.data) == digest), None)


def _question(mail: InboundMail | None) -> str:
    """A mail without a document is usually a question: its first lines, for staff."""
    if mail is None:
        return ""
    return (mail.body_text or "").strip()[:2000]


def _safe_name(filename: str, fallback: str) -> str:
    name = _UNSAFE_NAME.sub("_", (filename or "").replace("/", "_").replace("\\", "_")).strip()
    return name[:120] or fallback


def _mime(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _all_queued(session: Session, ref: ReviewRef, recipients: Sequence[str]) -> bool:
    keys = [review_key(ref, r) for r in recipients]
    queued = session.scalars(select(OutboxRow.dedupe_key).where(OutboxRow.dedupe_key.in_(keys)))
    return len(set(queued)) == len(set(keys))


def _queue(
    session: Session,
    mailing: ReviewMailing,
    template: str,
    ref: ReviewRef,
    recipients: Sequence[str],
    context: Mapping[str, Any],
    attachments: Sequence[tuple[str, str, bytes]],
    now: datetime,
) -> int:
    queued = 0
    for recipient in recipients:
        if queue_mail(
            session,
            renderer=mailing.renderer,
            settings=mailing.settings,
            policy=mailing.policy,
            purpose=Purpose.REVIEW,
            template=template,
            context=context,
            recipient=recipient,
            dedupe_key=review_key(ref, recipient),
            now=now,
            attachments=attachments,
        ):
            queued += 1
    if queued:
        log.info("review_mail_queued", item=ref.token, recipients=queued)
    return queued


__all__ = [
    "QUARANTINE_TEMPLATE",
    "TEMPLATE",
    "ReviewMailing",
    "catch_up",
    "decision_item",
    "document_files",
    "mailed_refs",
    "queue_decision_review",
    "queue_new_reviews",
    "queue_quarantine_review",
    "review_key",
    "reviewed_item",
    "run_review_mails",
]
