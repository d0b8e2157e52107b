"""Use case: take every waiting mail from a mailbox, decide, store, queue the reply.

Never lose a mail, never answer twice: the raw bytes go to the blob store, then the
message row, its documents, decisions and the reply row commit in one transaction; only
then is the mail moved out of the inbox. A restart finds the (UIDVALIDITY, UID) already
recorded and only finishes the move. Document parsing for a batch runs in the reader's
worker processes in parallel, before any transaction is opened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import Settings
from daemon.documents import DocumentReader
from daemon.domain.classification import Case, Decision, Roster, classify
from daemon.domain.facts import (
    ConstanciaFacts,
    DocumentReading,
    NssAcuseFacts,
    RenunciaFacts,
)
from daemon.domain.outcomes import REPLY_PRIORITY, Outcome
from daemon.domain.policy import Policy
from daemon.domain.requests import asks_for_hoja_de_afiliacion, request_outcome
from daemon.domain.student import Student
from daemon.errors import TransientError
from daemon.mail import message_rules
from daemon.mail.compose import Renderer
from daemon.mail.inbound import InboundMail
from daemon.mail.loop_guard import AutomaticReason, automatic_reason
from daemon.mail.ports import FetchedMail, Mailbox, MailRef
from daemon.metrics import Metrics
from daemon.services import quarantine, review_mails
from daemon.services.hoja_afiliacion import hoja_attachment, hoja_for
from daemon.services.mail_reading import ParsedMail
from daemon.services.replies import own_addresses, queue_reply, received_on
from daemon.store import roster
from daemon.store.blobs import BlobStore, sha256_hex
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, DocumentRow, InboundMessageRow

log = structlog.get_logger("afilia.intake")


@dataclass(frozen=True)
class Intake:
    """Everything the intake needs, built once by the entry point."""

    settings: Settings
    policy: Policy
    sessions: sessionmaker[Session]
    blobs: BlobStore
    reader: DocumentReader
    renderer: Renderer
    clock: Callable[[], datetime]
    staff_handler: Callable[..., None] | None = None
    next_movement: Callable[[date], date | None] = field(default=lambda _today: None)
    metrics: Metrics | None = None
    on_decided: Callable[[], None] | None = None  # after each commit (wakes the outbox)


@dataclass
class IntakeReport:
    processed: int = 0
    already_done: int = 0
    quarantined: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Decided:
    reading: DocumentReading | None
    decision: Decision
    reply: bool = True  # False: no reply at all (a forged sender, whatever the outcome)
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # of the reply (a hoja de afiliación)


# Trouble of the database or a server, not of the mail: the pass stops and is retried.
_NOT_THE_MAILS_FAULT = (TransientError, OperationalError, InterfaceError)
# Unknown holds: re-decided when the roster changes, and a re-send is not a duplicate.
HELD_OUTCOMES = frozenset({Outcome.NOT_ENROLLED, Outcome.IDENTITY_MISMATCH})


def ingest_mailbox(
    mailbox: Mailbox, intake: Intake, stop: threading.Event, *, batch_size: int = 16
) -> IntakeReport:
    """One pass over the mailbox: everything waiting now, in batches.

    Pipelined: while the reader's worker processes parse batch N+1 (MIME and documents),
    this thread decides and stores batch N, so every core has work on a backlog. Mailbox
    IO stays on this thread (an IMAP connection is not thread-safe).
    """
    report = IntakeReport()
    waiting = mailbox.pending()
    exhausted = False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="afilia-reader") as reading:
        ahead: tuple[list[FetchedMail], Future[list[_Parsed]]] | None = None
        while not stop.is_set():
            fetched = [] if exhausted else list(islice(waiting, batch_size))
            exhausted = exhausted or len(fetched) < batch_size
            batch = _not_yet_recorded(fetched, mailbox, intake, report)
            queued = (batch, reading.submit(_parse_batch, batch, intake)) if batch else None
            if ahead is not None:
                _decide_batch(*ahead, mailbox, intake, report, stop)
            ahead = queued
            if ahead is None and exhausted:
                break
    return report


@dataclass(frozen=True, slots=True)
class _Parsed:
    mail: InboundMail
    readings: list[DocumentReading]
    failure: str | None = None  # the body was not read within limits (headers only)


def _not_yet_recorded(
    fetched: list[FetchedMail], mailbox: Mailbox, intake: Intake, report: IntakeReport
) -> list[FetchedMail]:
    """Mails decided before a crash or restart only need their move finished."""
    fresh = []
    for mail in fetched:
        if _in_quarantine(intake.sessions, mail.ref):
            mailbox.quarantine(mail.ref)  # quarantined before a crash: finish the move
            quarantine.record_moved(intake.sessions, mail.ref, intake.clock())
            report.already_done += 1
        elif _already_recorded(intake.sessions, mail):
            _finish_moves(mailbox, intake, [mail])
            report.already_done += 1
        else:
            fresh.append(mail)
    return fresh


def _in_quarantine(sessions: sessionmaker[Session], ref: MailRef) -> bool:
    with transaction(sessions) as session:
        return quarantine.is_quarantined(session, ref)


def _parse_batch(batch: list[FetchedMail], intake: Intake) -> list[_Parsed | BaseException]:
    """MIME parsing and document reading of a whole batch, in the reader's workers.

    Never parses in this process: a mail whose worker died or overran comes back parsed
    from its headers only. A bug that breaks the whole batch is retried mail by mail, so
    it ends up attached (as the exception) to the one mail that causes it."""
    started = time.monotonic()
    try:
        parsed = _read(batch, intake)
    except _NOT_THE_MAILS_FAULT:
        raise
    except Exception:
        log.exception("batch_parse_failed", mails=len(batch))
        parsed = []
        for fetched in batch:
            try:
                parsed.extend(_read([fetched], intake))
            except _NOT_THE_MAILS_FAULT:
                raise
            except Exception as err:
                parsed.append(err)
    if intake.metrics is not None:
        intake.metrics.parse_timed((time.monotonic() - started) / len(batch))
    return [
        p
        if isinstance(p, BaseException)
        else _Parsed(
            p.mail,
            [r for found in p.readings for r in found] if _needs_reading(f, p, intake) else [],
            p.failure,
        )
        for f, p in zip(batch, parsed, strict=True)
    ]


def _read(batch: list[FetchedMail], intake: Intake) -> list[ParsedMail]:
    limits = intake.settings.limits
    reader = intake.reader
    raws = [f.raw for f in batch]
    if hasattr(reader, "read_mails_bounded"):
        return reader.read_mails_bounded(  # type: ignore[no-any-return]
            raws, max_header_bytes=limits.max_header_bytes, max_attachments=limits.max_attachments
        )
    found = reader.read_mails(
        raws, max_header_bytes=limits.max_header_bytes, max_attachments=limits.max_attachments
    )
    return [ParsedMail(mail, readings) for mail, readings in found]


def _decide_batch(
    batch: list[FetchedMail],
    parsing: Future[list[_Parsed | BaseException]],
    mailbox: Mailbox,
    intake: Intake,
    report: IntakeReport,
    stop: threading.Event,
) -> None:
    decided: list[FetchedMail] = []
    try:
        for fetched, parsed in zip(batch, parsing.result(), strict=True):
            try:
                if isinstance(parsed, BaseException):
                    raise parsed
                outcome = _decide_and_store(fetched, parsed, intake)
            except _NOT_THE_MAILS_FAULT:
                raise
            except Exception as err:  # the shunt queue: this mail alone, then the next one
                _quarantine(fetched, parsed, err, mailbox, intake)
                report.quarantined += 1
                if stop.is_set():
                    break
                continue
            decided.append(fetched)  # moved with the whole batch, below
            if outcome is None:
                report.already_done += 1
            else:
                report.processed += 1
                report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
            if stop.is_set():
                break
    finally:
        # Every mail here is committed: one server move for the batch (a crash before it
        # leaves them in the inbox, and the next pass finds them recorded and moves them).
        _finish_moves(mailbox, intake, decided)


def _quarantine(
    fetched: FetchedMail,
    parsed: _Parsed | BaseException,
    err: Exception,
    mailbox: Mailbox,
    intake: Intake,
) -> None:
    mail = parsed.mail if isinstance(parsed, _Parsed) else None
    now = intake.clock()
    quarantine_id = quarantine.record(intake.sessions, intake.blobs, fetched, mail, err, now)
    _queue_quarantine_review(intake, quarantine_id)
    if intake.metrics is not None:
        intake.metrics.message_decided("quarantined")
    mailbox.quarantine(fetched.ref)
    quarantine.record_moved(intake.sessions, fetched.ref, intake.clock())


def review_mailing(intake: Intake) -> review_mails.ReviewMailing:
    return review_mails.ReviewMailing(intake.settings, intake.policy, intake.renderer, intake.blobs)


def _queue_quarantine_review(intake: Intake, quarantine_id: int) -> None:
    """Staff get the quarantined mail attached; if that fails too, the digest retries."""
    try:
        with transaction(intake.sessions) as session:
            review_mails.queue_quarantine_review(
                session, review_mailing(intake), quarantine_id, intake.clock()
            )
    except _NOT_THE_MAILS_FAULT:
        raise
    except Exception:
        log.exception("review_mail_failed", quarantine_id=quarantine_id)


def ingest_one(fetched: FetchedMail, intake: Intake) -> tuple[str | None, int | None]:
    """Decide one mail outside a mailbox pass (``afilia quarantine retry``): the outcome
    and the message row's id; exceptions propagate to the caller."""
    [parsed] = _parse_batch([fetched], intake)
    if isinstance(parsed, BaseException):
        raise parsed
    outcome = _decide_and_store(fetched, parsed, intake)
    with transaction(intake.sessions) as session:
        row = _message_row(session, fetched.ref)
        return outcome, row.id if row is not None else None


def _needs_reading(fetched: FetchedMail, parsed: ParsedMail, intake: Intake) -> bool:
    mail = parsed.mail
    return not (
        fetched.truncated
        or parsed.failure is not None
        or automatic_reason(mail, own_addresses(intake.settings))
        or _is_staff(mail, intake.settings)
        or request_outcome(mail.subject, mail.body_text, intake.policy) is not None
    )


def _is_staff(mail: InboundMail, settings: Settings) -> bool:
    return mail.sender in {a.lower() for a in settings.staff.addresses}


def _already_recorded(sessions: sessionmaker[Session], fetched: FetchedMail) -> bool:
    """Recorded under this (UIDVALIDITY, UID), or, after a UIDVALIDITY change, the same
    bytes recorded in this folder but never moved out of it (we crashed before the move)."""
    ref = fetched.ref
    with transaction(sessions) as session:
        if _message_row(session, ref) is not None:
            return True
        unmoved_copy = session.scalar(
            select(InboundMessageRow.id)
            .where(
                InboundMessageRow.mailbox == ref.mailbox,
                InboundMessageRow.folder == ref.folder,
                InboundMessageRow.raw_sha256 == sha256_hex(fetched.raw),
                InboundMessageRow.moved_at.is_(None),
            )
            .limit(1)
        )
        return unmoved_copy is not None


def _message_row(session: Session, ref: MailRef) -> InboundMessageRow | None:
    return session.scalar(
        select(InboundMessageRow).where(
            InboundMessageRow.mailbox == ref.mailbox,
            InboundMessageRow.folder == ref.folder,
            InboundMessageRow.uidvalidity == ref.uidvalidity,
            InboundMessageRow.uid_key == ref.uid_key,
        )
    )


def _finish_moves(mailbox: Mailbox, intake: Intake, mails: list[FetchedMail]) -> None:
    if mails:
        mailbox.mark_processed_many([fetched.ref for fetched in mails])
    _record_moves(intake, mails)


def _record_moves(intake: Intake, mails: list[FetchedMail]) -> None:
    """One transaction per batch: ``moved_at`` only serves to re-find a mail after a
    UIDVALIDITY change, so losing it in a crash costs nothing."""
    if not mails:
        return
    with transaction(intake.sessions) as session:
        for fetched in mails:
            ref = fetched.ref
            row = _message_row(session, ref) or session.scalar(
                select(InboundMessageRow).where(
                    InboundMessageRow.mailbox == ref.mailbox,
                    InboundMessageRow.folder == ref.folder,
                    InboundMessageRow.raw_sha256 == sha256_hex(fetched.raw),
                    InboundMessageRow.moved_at.is_(None),
                )
            )
            if row is not None and row.moved_at is None:
                row.moved_at = intake.clock()


def _decide_and_store(fetched: FetchedMail, parsed: _Parsed, intake: Intake) -> str | None:
    """Decide and commit; None when another afilia worker committed this mail first (the
    unique (mailbox, folder, UIDVALIDITY, UID) key makes the second commit fail whole, so
    two workers never answer one mail twice)."""
    started = time.monotonic()
    now = intake.clock()
    mail, readings = parsed.mail, parsed.readings
    raw_sha = intake.blobs.put(fetched.raw)
    for reading_data in _attachments_to_keep(mail, readings):
        intake.blobs.put(reading_data)
    try:
        decided, reply = _store_case(fetched, parsed, intake, raw_sha, now)
    except IntegrityError:
        log.info("message_taken_by_another_worker", uid=fetched.ref.uid_key)
        return None
    if intake.on_decided is not None:
        intake.on_decided()
    primary = decided[_primary(decided)]
    if intake.metrics is not None:
        intake.metrics.message_decided(str(primary.decision.outcome))
    log.info(
        "message_processed",
        mailbox=fetched.ref.mailbox,
        uid=fetched.ref.uid_key,
        outcome=str(primary.decision.outcome),
        outcomes=[str(d.decision.outcome) for d in decided],
        documents=len(readings),
        reply=reply,
        matricula=primary.decision.matricula,
        ms=round((time.monotonic() - started) * 1000, 1),
    )
    return str(primary.decision.outcome)


def _store_case(
    fetched: FetchedMail, parsed: _Parsed, intake: Intake, raw_sha: str, now: datetime
) -> tuple[list[_Decided], str]:
    """One transaction: the message, its documents and decisions, and the reply row."""
    mail = parsed.mail
    with transaction(intake.sessions) as session:
        message = InboundMessageRow(
            mailbox=fetched.ref.mailbox,
            folder=fetched.ref.folder,
            uidvalidity=fetched.ref.uidvalidity,
            uid_key=fetched.ref.uid_key,
            message_id=mail.message_id[:998],
            sender=mail.sender[:320],
            subject=mail.subject[:2000],
            raw_sha256=raw_sha,
            size=fetched.size,
            received_at=now,
            processed_at=now,
        )
        session.add(message)
        session.flush()
        by_sender = roster.find_by_email(session, mail.sender)
        decided = _decide(session, fetched, parsed, by_sender, intake, now)
        decision_rows = _store_decisions(session, message, decided, now)
        hoja = _hoja_with_the_constancia(session, mail, decided, by_sender, intake, now)
        if hoja is not None:
            decided.append(hoja)
            decision_rows += _store_decisions(session, message, [hoja], now)
        review_mails.queue_new_reviews(
            session,
            review_mailing(intake),
            zip(decision_rows, (item.reading for item in decided), strict=True),
            now,
            mail=mail,
        )
        primary_index = _primary(decided)
        primary = decided[primary_index]
        if not primary.reply:
            return decided, "none (forged sender)"
        reply = queue_reply(
            session,
            mail,
            primary.decision,
            primary.reading,
            decision_rows[primary_index],
            message,
            intake,
            now,
            arrived_at=fetched.received_at,
            attachments=primary.attachments,
        )
    return decided, reply


def _attachments_to_keep(mail: InboundMail, readings: list[DocumentReading]) -> Iterator[bytes]:
    """Documents are kept content-addressed beside the raw mail (the raw mail has them too,
    but a purge of raw mails must not lose a waiver that has to be kept for 3 years)."""
    wanted = {r.sha256 for r in readings if r.facts is not None}
    for attachment in mail.attachments:
        if sha256_hex(attachment.data) in wanted:
            yield attachment.data


def _decide(
    session: Session,
    fetched: FetchedMail,
    parsed: _Parsed,
    by_sender: Student | None,
    intake: Intake,
    now: datetime,
) -> list[_Decided]:
    """The message-level rules in order, then one decision per document."""
    settings, policy = intake.settings, intake.policy
    mail, readings = parsed.mail, parsed.readings
    if fetched.truncated:
        size_mb = fetched.size // (1024 * 1024)
        return [
            _message_level(
                Outcome.REJECTED_UNSAFE, f"message of {size_mb} MiB over the cap", by_sender
            )
        ]
    unreadable = message_rules.not_a_mail(mail)
    if unreadable:  # binary garbage or no From: a person looks, nobody is answered
        return [_message_level(Outcome.NEEDS_REVIEW, unreadable, None)]
    auto = automatic_reason(mail, own_addresses(settings))
    if auto and auto is not AutomaticReason.NO_SENDER:
        return [_message_level(Outcome.IGNORED_AUTO, auto, by_sender)]
    if _is_staff(mail, settings):
        if intake.staff_handler is not None:
            intake.staff_handler(session, mail, now=now)
        return [_message_level(Outcome.STAFF_COMMAND, "mail from a staff address", None)]
    forged = message_rules.forged_sender(mail, settings.staff.authserv_id)
    if forged:  # changes no student's state, and the forged address gets nothing
        return [_Decided(None, Decision(Outcome.REJECTED_UNSAFE, (forged,), None), reply=False)]
    unanswerable = message_rules.unanswerable_sender(mail)
    if unanswerable:
        return [_message_level(Outcome.NEEDS_REVIEW, unanswerable, None)]
    if parsed.failure is not None:
        why = f"mail could not be read within limits: {parsed.failure}"
        return [_message_level(Outcome.REJECTED_UNSAFE, why, by_sender)]
    requested = request_outcome(mail.subject, mail.body_text, policy)
    if requested is not None:
        if by_sender is None:
            return [
                _message_level(Outcome.NOT_ENROLLED, f"{requested} from an unknown sender", None)
            ]
        return [_message_level(requested, "subject keyword of the profile", by_sender)]
    executable = message_rules.executable_attachment(mail)
    if executable:
        return [_message_level(Outcome.REJECTED_UNSAFE, executable, by_sender)]
    if settings.limits.zip_policy == "reject":
        zipped = message_rules.zip_attachment(mail)
        if zipped:
            return [_message_level(Outcome.REJECTED_UNSAFE, zipped, by_sender)]
    # A signature logo or a photo is not a document: the hoja request still stands.
    recognised = any(r.facts is not None for r in readings)
    if not recognised and asks_for_hoja_de_afiliacion(mail.subject, mail.body_text, policy):
        return [_hoja_de_afiliacion(session, by_sender, intake, now)]
    if not readings:
        return [_message_level(Outcome.NO_ATTACHMENT, "no usable document attached", by_sender)]
    day = received_on(mail, now, settings, arrived_at=fetched.received_at)
    decided: list[_Decided] = []
    for reading in readings:
        if _seen_before(session, reading):
            why = "same document already processed"
            decided.append(_Decided(reading, Decision(Outcome.DUPLICATE, (why,), by_sender)))
            continue
        case = Case(
            reading=reading,
            roster=Roster(by_sender=by_sender, by_document=document_owner(session, reading)),
            sender=mail.sender,
            received_on=day,
            policy=policy,
        )
        decided.append(_Decided(reading, classify(case)))
    return decided


def _hoja_de_afiliacion(
    session: Session, student: Student | None, intake: Intake, now: datetime
) -> _Decided:
    """Seed 002: the PDF when our records prove we insure the sender, else what we need."""
    if student is None:
        return _message_level(Outcome.NOT_ENROLLED, "hoja de afiliación from unknown sender", None)
    hoja = hoja_for(session, student, intake.policy, now=now, tz=intake.settings.tz)
    if hoja is None:
        why = "hoja de afiliación asked for; not insured by us on our records"
        return _message_level(Outcome.HOJA_AFILIACION_PENDING, why, student)
    return _Decided(
        None,
        Decision(Outcome.HOJA_AFILIACION_SENT, ("hoja de afiliación sent",), student),
        attachments=(hoja_attachment(hoja),),
    )


def _hoja_with_the_constancia(
    session: Session,
    mail: InboundMail,
    decided: list[_Decided],
    student: Student | None,
    intake: Intake,
    now: datetime,
) -> _Decided | None:
    """The leaflet (procedures/002): a student without their hoja sends their vigencia. When
    that constancia is theirs and shows our registro, the hoja goes with the reply; its
    decision is already stored (flushed), so the case counts it."""
    if student is None or not any(
        d.decision.outcome is Outcome.ACCEPTED_INSURED_HERE
        and d.decision.matricula == student.matricula
        for d in decided
    ):
        return None
    if not asks_for_hoja_de_afiliacion(mail.subject, mail.body_text, intake.policy):
        return None
    hoja = _hoja_de_afiliacion(session, student, intake, now)
    return hoja if hoja.decision.outcome is Outcome.HOJA_AFILIACION_SENT else None


def _message_level(outcome: Outcome, reason: str, student: Student | None) -> _Decided:
    return _Decided(None, Decision(outcome, (reason,), student))


def _seen_before(session: Session, reading: DocumentReading) -> bool:
    if reading.facts is None:
        return False
    return (
        session.scalar(
            select(DocumentRow.id)
            .join(DecisionRow, DecisionRow.document_pk == DocumentRow.id)
            .where(
                DocumentRow.sha256 == reading.sha256,
                DecisionRow.outcome.not_in([Outcome.DUPLICATE, *HELD_OUTCOMES]),
            )
            .limit(1)
        )
        is not None
    )


def document_owner(session: Session, reading: DocumentReading) -> Student | None:
    facts = reading.facts
    if isinstance(facts, ConstanciaFacts | NssAcuseFacts):
        return roster.find_by_curp(session, facts.curp)
    if isinstance(facts, RenunciaFacts):
        return roster.find_by_matricula(session, facts.matricula) or roster.find_by_curp(
            session, facts.curp
        )
    return None


def _store_decisions(
    session: Session, message: InboundMessageRow, decided: list[_Decided], now: datetime
) -> list[DecisionRow]:
    rows = []
    for item in decided:
        document_pk = None
        if item.reading is not None:
            document = DocumentRow(
                message_pk=message.id,
                filename=item.reading.filename[:255],
                sha256=item.reading.sha256,
                kind=str(item.reading.kind),
                confidence=str(item.reading.confidence),
                problem=str(item.reading.problem) if item.reading.problem else None,
                fields=item.reading.report_fields(),
            )
            session.add(document)
            session.flush()
            document_pk = document.id
        row = DecisionRow(
            message_pk=message.id,
            document_pk=document_pk,
            matricula=item.decision.matricula,
            outcome=str(item.decision.outcome),
            reasons=list(item.decision.reasons),
            decided_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _primary(decided: list[_Decided]) -> int:
    rank = {outcome: i for i, outcome in enumerate(REPLY_PRIORITY)}
    return min(range(len(decided)), key=lambda i: rank.get(decided[i].decision.outcome, 99))
