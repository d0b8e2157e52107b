"""Use case: a mail from a staff address. Authenticate it, apply its commands, answer.

The lead's ingest calls ``handle_staff_mail`` inside the transaction that records the mail,
so the actions, the students' notices, the audit rows and the reply commit together.
Unauthenticated mail from a staff address is applied to nothing; staff still get an
answer (at their real address, not the forger's) saying why, so spoofing is noticed.
A reply to a review mail whose first line is one of the review words settles that item
(``review_settlement``) instead of being read as commands.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.orm import Session

from daemon.config import Settings
from daemon.domain.digest import OverdueKind, review_outcomes
from daemon.domain.policy import Policy
from daemon.domain.review_replies import ReviewRef, ReviewReply, ReviewWord, parse_review_reply
from daemon.domain.staff_commands import (
    Command,
    CommandKind,
    is_authenticated_staff,
    parse_commands,
)
from daemon.services.calendar_settings import business_calendar
from daemon.services.corrective_actions import record_corrective_action
from daemon.services.outbox import Purpose, queue_mail
from daemon.services.procedure_actions import (
    ActionReport,
    mark_altas_done,
    mark_altas_not_showing,
    mark_altas_verified,
    mark_bajas_done,
    mark_reviewed,
    record_delivered,
    record_printed,
    record_reposicion,
    record_resello,
)
from daemon.services.reminders import Mailing, queue_notices
from daemon.services.review_mails import reviewed_item
from daemon.services.review_settlement import SettlementReport, settle_review
from daemon.store.schema import AuditRow

if TYPE_CHECKING:
    from daemon.mail.compose import Renderer
    from daemon.mail.inbound import InboundMail

log = structlog.get_logger("afilia.staff")

TEMPLATE = "staff_command_result"
SETTLED_TEMPLATE = "review_settled"
_MAX_CSV_BYTES = 1024 * 1024


def handle_staff_mail(
    session: Session,
    mail: InboundMail,
    *,
    settings: Settings,
    policy: Policy,
    renderer: Renderer,
    now: datetime,
) -> None:
    authenticated = is_authenticated_staff(
        mail.sender,
        mail.authentication_results,
        staff_addresses=settings.staff.addresses,
        authserv_id=settings.staff.authserv_id,
    )
    reports: list[ActionReport] = []
    problems: list[str] = []
    unknown: tuple[str, ...] = ()
    if not authenticated:
        problems.append(
            "No se aplicó nada: nuestro servidor no pudo verificar (DKIM/DMARC) que el "
            "mensaje venga de una dirección del personal."
        )
        log.warning("staff_mail_not_authenticated", sender=mail.sender)
    else:
        ref = reviewed_item(session, mail.subject, mail.in_reply_to or "", mail.references)
        answer = parse_review_reply(mail.body_text) if ref is not None else None
        if ref is not None and answer is not None:
            _settle_by_mail(session, mail, ref, answer, settings, policy, renderer, now)
            return
        parsed = parse_commands(mail.subject, mail.body_text, _csv_attachments(mail))
        unknown = parsed.unknown_lines
        if not parsed.commands:
            problems.append("No se encontró ningún comando.")
            if ref is not None:
                problems.append(
                    f"Para resolver la revisión {ref.token}, responde a su correo con una sola "
                    f"palabra en la primera línea: {', '.join(str(w) for w in ReviewWord)}."
                )
        mailing = Mailing(settings, policy, renderer, business_calendar(settings, now))
        for command in parsed.commands:
            reports.append(
                apply_command(
                    session, command, actor=mail.sender, now=now, settings=settings, policy=policy
                )
            )
        touched = [m for r in reports if r.action in _NOTIFYING for m in r.applied]
        if touched:
            queue_notices(session, mailing, touched, now)
    session.add(
        AuditRow(
            at=now,
            actor=mail.sender or "(sin remitente)",
            action="staff_mail",
            detail={
                "message_id": mail.message_id,
                "authenticated": authenticated,
                "reports": [r.as_dict() for r in reports],
                "problems": problems,
            },
        )
    )
    session.flush()
    if mail.sender:
        queue_mail(
            session,
            renderer=renderer,
            settings=settings,
            policy=policy,
            purpose=Purpose.STAFF_REPLY,
            template=TEMPLATE,
            context=result_context(reports, problems, unknown, authenticated),
            recipient=mail.sender,
            dedupe_key=f"staff_reply:{mail.message_id}",
            now=now,
            in_reply_to=mail.message_id or None,
            references=(*mail.references, mail.message_id) if mail.message_id else mail.references,
        )


# Paso 5: the student hears of the alta once staff saw it on the portal, not when it was
# registered.
_NOTIFYING = frozenset({"altas_verificadas", "credenciales_impresas"})


def _settle_by_mail(
    session: Session,
    mail: InboundMail,
    ref: ReviewRef,
    answer: ReviewReply,
    settings: Settings,
    policy: Policy,
    renderer: Renderer,
    now: datetime,
) -> None:
    """A one-word reply to a review mail: settle the item and tell staff what was done."""
    report = settle_review(
        session,
        ref,
        answer.word,
        answer.note,
        actor=mail.sender,
        now=now,
        settings=settings,
        policy=policy,
        renderer=renderer,
    )
    session.add(
        AuditRow(
            at=now,
            actor=mail.sender,
            action="staff_mail",
            detail={
                "message_id": mail.message_id,
                "authenticated": True,
                "review": report.as_dict(),
            },
        )
    )
    session.flush()
    queue_mail(
        session,
        renderer=renderer,
        settings=settings,
        policy=policy,
        purpose=Purpose.STAFF_REPLY,
        template=SETTLED_TEMPLATE,
        context=settled_context(report),
        recipient=mail.sender,
        dedupe_key=f"staff_reply:{mail.message_id}",
        now=now,
        in_reply_to=mail.message_id or None,
        references=(*mail.references, mail.message_id) if mail.message_id else mail.references,
    )


def settled_context(report: SettlementReport) -> dict[str, Any]:
    """Variables of ``review_settled``: what settling one review item did, or why not."""
    return {
        "item": report.token,
        "word": report.word,
        "settled": report.settled,
        "already_settled_at": report.already_settled_at,
        "recorded": report.recorded,
        "reply": report.reply,
        "reply_to": report.reply_to,
        "matricula": report.matricula or "",
        "note": report.note,
        "problems": list(report.problems),
    }


def apply_command(
    session: Session,
    command: Command,
    *,
    actor: str,
    now: datetime,
    settings: Settings,
    policy: Policy,
) -> ActionReport:
    """One parsed command; problems found while parsing refuse it as a whole."""
    tz = settings.tz
    if command.problems:
        report = ActionReport(str(command.kind))
        report.rejected.extend(("*", problem) for problem in command.problems)
        return report
    match command.kind:
        case CommandKind.ALTAS_DONE:
            return mark_altas_done(session, command.matriculas, actor=actor, now=now, tz=tz)
        case CommandKind.ALTAS_VERIFIED:
            return mark_altas_verified(session, command.matriculas, actor=actor, now=now, tz=tz)
        case CommandKind.ALTAS_NOT_SHOWING:
            return mark_altas_not_showing(session, command.matriculas, actor=actor, now=now, tz=tz)
        case CommandKind.BAJAS_DONE:
            return mark_bajas_done(
                session,
                command.matriculas,
                actor=actor,
                now=now,
                tz=tz,
                rules=policy.procedure,
            )
        case CommandKind.DELIVERED:
            return record_delivered(session, command.matriculas, actor=actor, now=now, tz=tz)
        case CommandKind.RESELLO_DONE:
            return record_resello(
                session,
                command.matriculas,
                actor=actor,
                now=now,
                tz=tz,
                policy=policy,
                calendar=business_calendar(settings, now),
            )
        case CommandKind.REPOSICION_PAID:
            return record_reposicion(session, command.matriculas, actor=actor, now=now, tz=tz)
        case CommandKind.REVIEWED:
            return mark_reviewed(
                session,
                command.matriculas,
                command.addresses,
                outcomes=review_outcomes(policy),
                actor=actor,
                now=now,
            )
        case CommandKind.CORRECTIVE_ACTION:
            return record_corrective_action(
                session,
                command.matriculas,
                kind=OverdueKind(command.corrective_kind) if command.corrective_kind else None,
                action=command.action_text,
                actor=actor,
                now=now,
                tz=tz,
                policy=policy,
                calendar=business_calendar(settings, now),
            )
        case CommandKind.CREDENTIALS_PRINTED:
            assert command.pickup_from is not None
            assert command.pickup_until is not None
            return record_printed(
                session,
                None if command.whole_queue else command.matriculas,
                pickup_from=command.pickup_from,
                pickup_until=command.pickup_until,
                place=command.place,
                actor=actor,
                now=now,
                tz=tz,
            )


def result_context(
    reports: list[ActionReport],
    problems: list[str],
    unknown_lines: tuple[str, ...],
    authenticated: bool,
) -> dict[str, Any]:
    """Variables of ``staff_command_result``: each command with applied and rejected."""
    return {
        "authenticated": authenticated,
        "results": [r.as_dict() for r in reports],
        "applied_count": sum(len(r.applied) for r in reports),
        "rejected_count": sum(len(r.rejected) for r in reports),
        "problems": problems,
        "unknown_lines": list(unknown_lines[:20]),
    }


def _csv_attachments(mail: InboundMail) -> list[tuple[str, str]]:
    found = []
    for attachment in mail.attachments:
        is_csv = attachment.filename.lower().endswith(".csv") or attachment.content_type in (
            "text/csv",
            "application/csv",
        )
        if is_csv and len(attachment.data) <= _MAX_CSV_BYTES:
            found.append((attachment.filename, attachment.data.decode("utf-8-sig", "replace")))
    return found
