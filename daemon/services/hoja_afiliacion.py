"""Use case: a student asks for their hoja de afiliación by mail (seed 002).

The intake calls ``hoja_for`` inside the mail's transaction: the student's case (derived as
everywhere from decisions and staff actions) plus the latest constancia with our registro
decide, and the PDF is attached to the reply in the same transaction, so a restart never
sends it twice and never sends one that the records did not support when the mail came.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.domain.calendar import local_date
from daemon.domain.hoja_afiliacion import HojaDeAfiliacion, OurConstancia, hoja_de_afiliacion
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.student import Student
from daemon.services.procedure_actions import load_cases
from daemon.store.schema import DecisionRow, DocumentRow


def hoja_for(
    session: Session, student: Student, policy: Policy, *, now: datetime, tz: ZoneInfo
) -> HojaDeAfiliacion | None:
    """The hoja our records support for this rostered student now, or None."""
    cases = load_cases(session, tz, [student.matricula])
    if not cases:
        return None
    return hoja_de_afiliacion(
        cases[0],
        policy,
        today=local_date(now, tz),
        tz=tz,
        our_constancia=_our_constancia(session, student.matricula, tz),
    )


def hoja_attachment(hoja: HojaDeAfiliacion) -> tuple[str, str, bytes]:
    """(filename, media type, bytes) for the reply."""
    from daemon.documents.hoja_afiliacion import MEDIA_TYPE, filename, hoja_pdf

    return filename(hoja), MEDIA_TYPE, hoja_pdf(hoja)


def _our_constancia(session: Session, matricula: str, tz: ZoneInfo) -> OurConstancia | None:
    row = session.execute(
        select(DecisionRow.decided_at, DocumentRow.fields)
        .join(DocumentRow, DecisionRow.document_pk == DocumentRow.id)
        .where(
            DecisionRow.matricula == matricula,
            DecisionRow.outcome == str(Outcome.ACCEPTED_INSURED_HERE),
        )
        .order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    fields = row.fields or {}
    return OurConstancia(
        fecha=_day(fields.get("fecha_expedicion")) or local_date(row.decided_at, tz),
        registro_patronal=fields.get("registro_patronal"),
    )


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
