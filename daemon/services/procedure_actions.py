"""Use cases staff run by email or CLI: altas and bajas done at IMSS, credentials printed and
delivered (FOR-24-02), resellos; and ``load_cases``, which derives every student's standing
from the intake decisions plus these records.

Each action validates every matrícula on its own and reports what was applied and what was
rejected, with the reason in Spanish (the staff reply shows it verbatim). The notice a
student gets after an action (alta done, credential ready) is queued in the same
transaction, under the same key the reminder sweep would use, so it is never sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from daemon.domain.calendar import BusinessCalendar, local_date
from daemon.domain.classification import ACUSE_NOT_ENOUGH
from daemon.domain.credentials import reposicion_verdict, resello_verdict
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy, ProcedureRules
from daemon.domain.procedure_state import (
    NEEDS_ALTA,
    ON_FILE,
    Alta,
    PrintedCredential,
    StudentCase,
    Term,
    baja_pending,
)
from daemon.store.procedure import (
    ActionKind,
    CorrectiveActionRow,
    CredentialBatchRow,
    CredentialPrintRow,
    ProcedureActionRow,
)
from daemon.store.roster import STUDENT_COLUMNS, to_student
from daemon.store.schema import (
    AuditRow,
    DecisionRow,
    DocumentRow,
    InboundMessageRow,
    StudentRow,
    TermRow,
)

_TRACKED = ON_FILE | {Outcome.BAJA_REQUESTED}
_CASE_COLUMNS = (*STUDENT_COLUMNS, "term_id", "created_at")


@dataclass
class ActionReport:
    """What one command did: applied matrículas and (matrícula, reason) rejections."""

    action: str
    applied: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    batch_id: int | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # applied, with a remark

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "applied": self.applied,
            "rejected": [{"matricula": m, "reason": r} for m, r in self.rejected],
            "batch_id": self.batch_id,
            "notes": [{"matricula": m, "note": n} for m, n in self.notes],
        }


# --- deriving the cases -----------------------------------------------------------------


def load_terms(session: Session) -> list[Term]:
    rows = session.scalars(select(TermRow).order_by(TermRow.starts_on))
    return [Term(r.id, r.name, r.starts_on, r.ends_on) for r in rows]


def load_cases(
    session: Session, tz: ZoneInfo, matriculas: Iterable[str] | None = None
) -> list[StudentCase]:
    """One case per rostered student (or only those named), from decisions and actions."""
    wanted = None if matriculas is None else sorted(set(matriculas))
    terms = {t.id: t for t in load_terms(session)}
    # Plain rows of the columns a case needs, through the connection: no ORM instances
    # nor ORM result processing for a roster of 50,000 (the reminder sweep reads it all).
    students = select(*(StudentRow.__table__.c[name] for name in _CASE_COLUMNS))
    decisions = (
        select(
            DecisionRow.matricula,
            DecisionRow.outcome,
            DecisionRow.decided_at,
            DecisionRow.reasons,
            DocumentRow.fields,
        )
        .outerjoin(DocumentRow, DecisionRow.document_pk == DocumentRow.id)
        .where(
            DecisionRow.matricula.is_not(None), DecisionRow.outcome.in_([str(o) for o in _TRACKED])
        )
        .order_by(DecisionRow.decided_at, DecisionRow.id)
    )
    actions = select(ProcedureActionRow).order_by(ProcedureActionRow.at, ProcedureActionRow.id)
    prints = (
        select(CredentialPrintRow.matricula, CredentialBatchRow)
        .join(CredentialBatchRow, CredentialPrintRow.batch_id == CredentialBatchRow.id)
        .order_by(CredentialBatchRow.printed_at, CredentialBatchRow.id)
    )
    if wanted is not None:
        students = students.where(StudentRow.matricula.in_(wanted))
        decisions = decisions.where(DecisionRow.matricula.in_(wanted))
        actions = actions.where(ProcedureActionRow.matricula.in_(wanted))
        prints = prints.where(CredentialPrintRow.matricula.in_(wanted))
    connection = session.connection()
    by_student_decisions: dict[str, list[Any]] = defaultdict(list)
    for row in connection.execute(decisions):
        by_student_decisions[row.matricula].append(row)
    by_student_actions: dict[str, list[ProcedureActionRow]] = defaultdict(list)
    for action in session.scalars(actions):
        by_student_actions[action.matricula].append(action)
    printed: dict[str, CredentialBatchRow] = {}
    for matricula, batch in session.execute(prints):
        printed[matricula] = batch
    cases = []
    for row in connection.execute(students.order_by(StudentRow.matricula)):
        term = terms.get(row.term_id) if row.term_id is not None else None
        decided, acted = (
            by_student_decisions.get(row.matricula),
            by_student_actions.get(row.matricula),
        )
        batch = printed.get(row.matricula)
        if not decided and not acted and batch is None:  # most of a roster: nothing yet
            cases.append(StudentCase(to_student(row), term, local_date(row.created_at, tz)))
            continue
        cases.append(_case(row, term, decided or [], acted or [], batch, tz))
    return cases


def _case(
    row: StudentRow | Row[Any],
    term: Term | None,
    decisions: Sequence[Any],
    actions: Sequence[ProcedureActionRow],
    batch: CredentialBatchRow | None,
    tz: ZoneInfo,
) -> StudentCase:
    on_file = on_file_at = nss = None
    # Events in time order decide the alta: a NEEDS_ALTA decision opens it, an alta done or
    # a constancia with our registro closes it.
    events: list[tuple[datetime, str, Any]] = [(d.decided_at, "decision", d) for d in decisions]
    events += [(a.at, "action", a) for a in actions]
    events.sort(key=lambda e: e[0])
    alta_requested_at: datetime | None = None
    subdelegacion = False
    alta: Alta | None = None
    insured_here = False
    baja_requested_at: datetime | None = None
    baja_done_at: datetime | None = None
    delivered_at: datetime | None = None
    first_delivered_at: datetime | None = None
    reposicion_at: datetime | None = None
    resello_at: datetime | None = None
    for at, what, item in events:
        if what == "decision":
            outcome = Outcome(item.outcome)
            if ACUSE_NOT_ENOUGH in (item.reasons or ()):
                continue  # an NSS acuse where the school needs the constancia itself
            if outcome in ON_FILE:
                on_file, on_file_at = outcome, at
                nss = (item.fields or {}).get("nss") or nss
            if outcome in NEEDS_ALTA:
                alta_requested_at = at
                subdelegacion = any("Subdelegaci" in str(r) for r in item.reasons or ())
            elif outcome is Outcome.ACCEPTED_INSURED_HERE:
                # Our registro on a constancia confirms the alta; a baja the student asked
                # for stays asked for (IMSS shows it only once staff have applied it).
                alta_requested_at, insured_here, subdelegacion = None, True, False
            elif outcome is Outcome.BAJA_REQUESTED and not insured_here:
                # Not registered yet: asking for the baja withdraws the pending alta.
                alta_requested_at, subdelegacion = None, False
            elif outcome is Outcome.BAJA_REQUESTED:
                baja_requested_at = at
        else:
            kind = ActionKind(item.kind)
            if kind is ActionKind.ALTA_DONE:
                alta = Alta(item.id, at, local_date(at, tz))
                insured_here, subdelegacion = True, False
                alta_requested_at = baja_requested_at = None
            elif kind is ActionKind.ALTA_VERIFIED and alta is not None:
                alta = replace(alta, verified_at=at)
            elif kind is ActionKind.ALTA_NOT_SHOWING and alta is not None:
                # Not on the portal: staff register it again; nothing was told yet.
                alta, insured_here, alta_requested_at = None, False, at
            elif kind is ActionKind.BAJA_DONE:
                baja_done_at, baja_requested_at, insured_here = at, None, False
            elif kind is ActionKind.DELIVERED:
                delivered_at = at
                first_delivered_at = first_delivered_at or at
            elif kind is ActionKind.REPOSICION_PAID:
                # Policy 4.4: the card in hand is gone; a duplicate goes to the print queue.
                reposicion_at, delivered_at = at, None
            elif kind is ActionKind.RESELLO_DONE:
                resello_at = at
    if batch is not None and reposicion_at is not None and batch.printed_at < reposicion_at:
        batch = None  # the lost card's batch: the duplicate is not printed yet
    return StudentCase(
        student=to_student(row),
        term=term,
        first_seen_on=local_date(row.created_at, tz),
        on_file=on_file,
        on_file_on=local_date(on_file_at, tz) if on_file_at else None,
        nss=nss,
        alta_requested_on=local_date(alta_requested_at, tz) if alta_requested_at else None,
        subdelegacion=subdelegacion,
        alta=alta,
        insured_here=insured_here,
        baja_requested_on=local_date(baja_requested_at, tz) if baja_requested_at else None,
        baja_done_at=baja_done_at,
        printed=(
            PrintedCredential(
                batch.id,
                local_date(batch.printed_at, tz),
                batch.pickup_from,
                batch.pickup_until,
                batch.place,
            )
            if batch is not None
            else None
        ),
        delivered_on=local_date(delivered_at, tz) if delivered_at else None,
        resello_done=bool(resello_at and term and local_date(resello_at, tz) >= term.starts_on),
        reposicion_on=local_date(reposicion_at, tz) if reposicion_at else None,
        first_delivered_on=local_date(first_delivered_at, tz) if first_delivered_at else None,
    )


# --- actions ----------------------------------------------------------------------------


def mark_altas_done(
    session: Session, matriculas: Sequence[str], *, actor: str, now: datetime, tz: ZoneInfo
) -> ActionReport:
    """Staff registered these students at IMSS (PAB-24 step 4)."""
    report = ActionReport("altas_hechas")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif case.alta_requested_on is not None and not case.student.status.is_enrolled:
            report.rejected.append((matricula, f"estatus {case.student.status}: no se da de alta"))
        elif case.alta_requested_on is None:
            report.rejected.append((matricula, "no tiene alta pendiente"))
        else:
            _act(session, matricula, ActionKind.ALTA_DONE, actor, now)
            report.applied.append(matricula)
    return _audited(session, report, actor, now)


def mark_altas_verified(
    session: Session, matriculas: Sequence[str], *, actor: str, now: datetime, tz: ZoneInfo
) -> ActionReport:
    """Paso 5: staff saw these altas on the IMSS portal; each student is now told."""
    report = ActionReport("altas_verificadas")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif case.alta is None:
            report.rejected.append((matricula, "no tiene un alta registrada por verificar"))
        elif case.alta.verified_at is not None:
            report.rejected.append((matricula, "su alta ya fue verificada"))
        else:
            _act(session, matricula, ActionKind.ALTA_VERIFIED, actor, now)
            report.applied.append(matricula)
    return _audited(session, report, actor, now)


def mark_altas_not_showing(
    session: Session, matriculas: Sequence[str], *, actor: str, now: datetime, tz: ZoneInfo
) -> ActionReport:
    """Paso 5: the alta does not show on the portal; it goes back to the altas to do."""
    report = ActionReport("altas_no_aparecen")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif case.alta is None or case.alta.verified_at is not None:
            report.rejected.append((matricula, "no tiene un alta registrada por verificar"))
        else:
            _act(session, matricula, ActionKind.ALTA_NOT_SHOWING, actor, now)
            report.applied.append(matricula)
    return _audited(session, report, actor, now)


def mark_bajas_done(
    session: Session,
    matriculas: Sequence[str],
    *,
    actor: str,
    now: datetime,
    tz: ZoneInfo,
    rules: ProcedureRules,
) -> ActionReport:
    """Staff deregistered these students at IMSS (PAB-24 paso 11)."""
    report = ActionReport("bajas_hechas")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif not baja_pending(case, rules):
            report.rejected.append((matricula, "no está en la lista de bajas"))
        else:
            _act(session, matricula, ActionKind.BAJA_DONE, actor, now)
            report.applied.append(matricula)
    return _audited(session, report, actor, now)


def record_printed(
    session: Session,
    matriculas: Sequence[str] | None,
    *,
    pickup_from: date,
    pickup_until: date,
    place: str,
    actor: str,
    now: datetime,
    tz: ZoneInfo,
) -> ActionReport:
    """A batch of credentials is printed; ``None`` means the whole print queue."""
    report = ActionReport("credenciales_impresas")
    if pickup_until < pickup_from:  # a typo; swapping it would announce dates nobody chose
        report.rejected.append(
            ("*", f"la entrega empieza ({pickup_from:%d/%m/%Y}) después de terminar "
                  f"({pickup_until:%d/%m/%Y}): revisa las fechas")
        )  # fmt: skip
        return _audited(session, report, actor, now)
    if pickup_until < local_date(now, tz):
        report.rejected.append(("*", "el periodo de entrega ya terminó"))
        return _audited(session, report, actor, now)
    if matriculas is None:
        cases = {c.matricula: c for c in load_cases(session, tz) if c.in_print_queue}
        wanted = sorted(c for c, case in cases.items() if case.student.status.is_enrolled)
    else:
        wanted = _unique(matriculas)
        cases = _cases_by_matricula(session, wanted, tz)
    accepted = []
    for matricula in wanted:
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif case.delivered_on is not None:
            report.rejected.append((matricula, "su credencial ya fue entregada"))
        elif case.on_file is None:
            report.rejected.append((matricula, "no ha entregado constancia ni renuncia"))
        else:
            accepted.append(matricula)
    if accepted:
        batch = CredentialBatchRow(
            printed_at=now,
            pickup_from=pickup_from,
            pickup_until=pickup_until,
            place=place,
            actor=actor,
        )
        session.add(batch)
        session.flush()
        session.add_all(CredentialPrintRow(batch_id=batch.id, matricula=m) for m in accepted)
        session.flush()
        report.batch_id = batch.id
        report.applied.extend(accepted)
    return _audited(session, report, actor, now)


def record_delivered(
    session: Session, matriculas: Sequence[str], *, actor: str, now: datetime, tz: ZoneInfo
) -> ActionReport:
    """FOR-24-02: the student received their credential."""
    report = ActionReport("entregada")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
        elif case.delivered_on is not None:
            report.rejected.append(
                (matricula, f"ya se registró su entrega el {case.delivered_on:%d/%m/%Y}")
            )
        elif case.printed is None:
            report.rejected.append((matricula, "su credencial no está en ningún lote impreso"))
        else:
            note = "duplicado (reposición)" if case.reposicion_on is not None else ""
            _act(session, matricula, ActionKind.DELIVERED, actor, now, case.printed.batch_id, note)
            report.applied.append(matricula)
    return _audited(session, report, actor, now)


def record_resello(
    session: Session,
    matriculas: Sequence[str],
    *,
    actor: str,
    now: datetime,
    tz: ZoneInfo,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ActionReport:
    """The card was re-stamped this term; who may be is ``resello_verdict``'s (4.3, 4.5)."""
    report = ActionReport("resellada")
    cases = _cases_by_matricula(session, matriculas, tz)
    today = local_date(now, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
            continue
        verdict = resello_verdict(case, today, calendar=calendar, policy=policy)
        if verdict.refusal is not None:
            report.rejected.append((matricula, verdict.refusal))
            continue
        _act(session, matricula, ActionKind.RESELLO_DONE, actor, now, note=verdict.note)
        report.applied.append(matricula)
        if verdict.note:
            report.notes.append((matricula, verdict.note))
    return _audited(session, report, actor, now)


def record_reposicion(
    session: Session, matriculas: Sequence[str], *, actor: str, now: datetime, tz: ZoneInfo
) -> ActionReport:
    """Policy 4.4: staff confirmed the payment for a duplicate of a lost or stolen card; it
    goes back to the print queue, then pickup notice and FOR-24-02 delivery as a first card."""
    report = ActionReport("reposicion_pagada")
    cases = _cases_by_matricula(session, matriculas, tz)
    for matricula in _unique(matriculas):
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
            continue
        verdict = reposicion_verdict(case)
        if verdict.refusal is not None:
            report.rejected.append((matricula, verdict.refusal))
            continue
        _act(session, matricula, ActionKind.REPOSICION_PAID, actor, now)
        report.applied.append(matricula)
    return _audited(session, report, actor, now)


def mark_reviewed(
    session: Session,
    matriculas: Sequence[str],
    addresses: Sequence[str],
    *,
    outcomes: Iterable[Outcome],
    actor: str,
    now: datetime,
) -> ActionReport:
    """Staff dealt with the review-queue items of these students (or senders not on the
    roster): they leave the digest. ``outcomes`` is the queue's definition for the policy."""
    report = ActionReport("revisado")
    queued = [str(o) for o in outcomes]
    pending = (
        select(DecisionRow)
        .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
        .where(
            DecisionRow.outcome.in_(queued),
            DecisionRow.reviewed_at.is_(None),
            DecisionRow.decided_at <= now,
        )
    )
    wanted = [(m, DecisionRow.matricula == m) for m in _unique(matriculas)]
    wanted += [
        (a, func.lower(InboundMessageRow.sender) == a)
        for a in dict.fromkeys(x.strip().lower() for x in addresses if x.strip())
    ]
    for who, condition in wanted:
        rows = session.scalars(pending.where(condition)).all()
        if not rows:
            report.rejected.append((who, "no tiene nada pendiente de revisión"))
            continue
        for row in rows:
            row.reviewed_at = now
        report.applied.append(who)
    session.flush()
    return _audited(session, report, actor, now)


def pending_review(
    session: Session, outcomes: Iterable[Outcome], now: datetime, limit: int | None = None
) -> list[tuple[DecisionRow, str]]:
    """The review queue, oldest first: each decision with the sender of its mail."""
    query = (
        select(DecisionRow, InboundMessageRow.sender)
        .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
        .where(
            DecisionRow.outcome.in_([str(o) for o in outcomes]),
            DecisionRow.reviewed_at.is_(None),
            DecisionRow.decided_at <= now,
        )
        .order_by(DecisionRow.decided_at, DecisionRow.id)
        .limit(limit)
    )
    return [(decision, sender) for decision, sender in session.execute(query)]


def _unique(matriculas: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(m.strip().upper() for m in matriculas if m and m.strip()))


def _cases_by_matricula(
    session: Session, matriculas: Iterable[str], tz: ZoneInfo
) -> dict[str, StudentCase]:
    return {c.matricula: c for c in load_cases(session, tz, _unique(matriculas))}


def _act(
    session: Session,
    matricula: str,
    kind: ActionKind,
    actor: str,
    now: datetime,
    batch_id: int | None = None,
    note: str = "",
) -> None:
    session.add(
        ProcedureActionRow(
            matricula=matricula, kind=str(kind), at=now, actor=actor, batch_id=batch_id, note=note
        )
    )
    session.flush()


def _audited(session: Session, report: ActionReport, actor: str, now: datetime) -> ActionReport:
    session.add(AuditRow(at=now, actor=actor, action=report.action, detail=report.as_dict()))
    session.flush()
    return report


# --- history ----------------------------------------------------------------------------


def student_history(session: Session, matricula: str) -> list[dict[str, Any]]:
    """Everything afilia knows happened to one student, oldest first (``afilia student``)."""
    from daemon.store.schema import OutboxRow

    matricula = matricula.strip().upper()
    events: list[dict[str, Any]] = []
    decisions = session.execute(
        select(DecisionRow, InboundMessageRow.subject)
        .join(InboundMessageRow, DecisionRow.message_pk == InboundMessageRow.id)
        .where(DecisionRow.matricula == matricula)
    )
    for decision, subject in decisions:
        events.append(
            {
                "at": decision.decided_at,
                "event": f"decision {decision.outcome}",
                "detail": "; ".join(str(r) for r in decision.reasons or ()) or subject,
            }
        )
    for action in session.scalars(
        select(ProcedureActionRow).where(ProcedureActionRow.matricula == matricula)
    ):
        events.append({"at": action.at, "event": action.kind, "detail": f"por {action.actor}"})
    for batch in session.scalars(
        select(CredentialBatchRow)
        .join(CredentialPrintRow, CredentialPrintRow.batch_id == CredentialBatchRow.id)
        .where(CredentialPrintRow.matricula == matricula)
    ):
        events.append(
            {
                "at": batch.printed_at,
                "event": "credential_printed",
                "detail": f"lote {batch.id}, entrega {batch.pickup_from:%d/%m/%Y}"
                f" al {batch.pickup_until:%d/%m/%Y} {batch.place}".strip(),
            }
        )
    for corrective in session.scalars(
        select(CorrectiveActionRow).where(CorrectiveActionRow.matricula == matricula)
    ):
        events.append(
            {
                "at": corrective.at,
                "event": f"corrective_action {corrective.kind}",
                "detail": f"{corrective.action} (por {corrective.actor})",
            }
        )
    for mail in session.scalars(select(OutboxRow).where(OutboxRow.matricula == matricula)):
        events.append(
            {
                "at": mail.created_at,
                "event": f"mail {mail.template}",
                "detail": f"{mail.status} -> {mail.recipient}",
            }
        )
    events.sort(key=lambda e: e["at"])
    return events
