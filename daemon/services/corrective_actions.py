"""Use case: PAB-24 paso 12, record a corrective action on a salida no conforme (by CLI or by
a staff mail) and read them back for the digest's follow-up and the term report.

A record is refused, with the reason in Spanish, when the student is not on the roster, the
text says nothing, or the student has no salida no conforme of that kind (open, or closed
late) in the current term. When staff do not say which kind (``ACCIÓN CORRECTIVA
UTE2026001: se dio de alta el 25/09``), the word "alta" or "credencial" in the text decides,
else the student's only salida of the term; if that is still ambiguous the record is refused
asking for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.domain.calendar import BusinessCalendar, local_date
from daemon.domain.corrective_actions import CorrectiveAction
from daemon.domain.digest import DigestFacts, OverdueKind, build_digest
from daemon.domain.imss_forms import fold
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase, Term
from daemon.domain.term_report import salidas_of
from daemon.services.procedure_actions import ActionReport, load_cases, load_terms
from daemon.store.procedure import CorrectiveActionRow
from daemon.store.schema import AuditRow

ACTION = "accion_correctiva"
MAX_ACTION_CHARS = 2000
_KIND_WORDS = {
    OverdueKind.ALTA: re.compile(r"\bALTA"),
    OverdueKind.CREDENTIAL: re.compile(r"\bCREDENCIAL"),
}
_LABEL = {OverdueKind.ALTA: "alta en el IMSS", OverdueKind.CREDENTIAL: "entrega de credencial"}


def load_corrective_actions(session: Session, tz: ZoneInfo) -> list[CorrectiveAction]:
    """Every corrective action, oldest first, with its time in the school's zone."""
    rows = session.scalars(
        select(CorrectiveActionRow).order_by(CorrectiveActionRow.at, CorrectiveActionRow.id)
    )
    return [
        CorrectiveAction(
            row.id,
            row.matricula,
            OverdueKind(row.kind),
            row.action,
            row.actor,
            row.at.astimezone(tz),
        )
        for row in rows
    ]


def record_corrective_action(
    session: Session,
    matriculas: Sequence[str],
    *,
    kind: OverdueKind | None,
    action: str,
    actor: str,
    now: datetime,
    tz: ZoneInfo,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ActionReport:
    """Record the same action for each student named; each is checked on its own."""
    report = ActionReport(ACTION)
    text = " ".join(action.split())[:MAX_ACTION_CHARS]
    wanted = list(dict.fromkeys(m.strip().upper() for m in matriculas if m and m.strip()))
    if not text:
        report.rejected.append(("*", "falta describir la acción correctiva"))
    if not wanted:
        report.rejected.append(("*", "no se encontró ninguna matrícula"))
    if report.rejected:
        return _audited(session, report, actor, now)
    today = local_date(now, tz)
    cases = {c.matricula: c for c in load_cases(session, tz, wanted)}
    terms = load_terms(session)
    actions = load_corrective_actions(session, tz)
    for matricula in wanted:
        case = cases.get(matricula)
        if case is None:
            report.rejected.append((matricula, "no está en el padrón"))
            continue
        kinds = _salida_kinds(case, terms, actions, today, policy, calendar, tz)
        chosen = kind or _kind_from(kinds, text)
        if chosen is None and not kinds:
            report.rejected.append((matricula, "no tiene salidas no conformes en el periodo"))
        elif chosen is None:
            report.rejected.append(
                (matricula, "indica si es de ALTA o de CREDENCIAL: tiene salidas de ambas")
            )
        elif chosen not in kinds:
            report.rejected.append(
                (matricula, f"no tiene salida no conforme de {_LABEL[chosen]} en el periodo")
            )
        else:
            session.add(
                CorrectiveActionRow(
                    matricula=matricula, kind=str(chosen), action=text, actor=actor, at=now
                )
            )
            report.applied.append(matricula)
    session.flush()
    return _audited(session, report, actor, now)


def _salida_kinds(
    case: StudentCase,
    terms: list[Term],
    actions: list[CorrectiveAction],
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> set[OverdueKind]:
    """The kinds of the student's salidas this term: closed late ones (the term report's
    count) and those the digest shows open today, so a salida staff read in the digest can
    always be answered even if the two ever count from different days."""
    late = salidas_of(case, terms, actions, today=today, policy=policy, calendar=calendar, tz=tz)
    facts = DigestFacts(since=None, counts={}, terms=tuple(terms))
    shown = build_digest([case], facts, today=today, policy=policy, calendar=calendar).overdue
    return {s.kind for s in late} | {o.kind for o in shown}


def _kind_from(kinds: set[OverdueKind], text: str) -> OverdueKind | None:
    """The salida the text names ("se dio de alta..."), else the student's only one."""
    folded = fold(text)
    named = [k for k, word in _KIND_WORDS.items() if word.search(folded)]
    if len(named) == 1:
        return named[0]
    return next(iter(kinds)) if len(kinds) == 1 else None


def _audited(session: Session, report: ActionReport, actor: str, now: datetime) -> ActionReport:
    session.add(AuditRow(at=now, actor=actor, action=report.action, detail=report.as_dict()))
    session.flush()
    return report
