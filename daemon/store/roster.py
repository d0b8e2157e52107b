"""Roster lookups and the conversion between roster rows and domain ``Student``s."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from daemon.domain.identifiers import normalize_curp
from daemon.domain.student import RosterStatus, Student
from daemon.store.schema import StudentRow

# The columns ``to_student`` reads, for queries that select plain rows.
STUDENT_COLUMNS = (
    "matricula",
    "curp",
    "nombres",
    "apellido_paterno",
    "apellido_materno",
    "email_institucional",
    "email_personal",
    "programa",
    "term_number",
    "status",
    "new_entry",
    "enrolled_on",
)
_STATUSES = {str(status): status for status in RosterStatus}


def to_student(row: StudentRow | Row[Any]) -> Student:
    """From an ORM row or a plain result row with the ``STUDENT_COLUMNS``."""
    return Student(
        matricula=row.matricula,
        curp=row.curp,
        nombres=row.nombres,
        apellido_paterno=row.apellido_paterno,
        apellido_materno=row.apellido_materno,
        email_institucional=row.email_institucional,
        email_personal=row.email_personal,
        programa=row.programa,
        term_number=row.term_number,
        status=_STATUSES.get(row.status) or RosterStatus(row.status),
        new_entry=row.new_entry,
        enrolled_on=row.enrolled_on,
    )


def find_by_email(session: Session, email: str) -> Student | None:
    address = email.strip().lower()
    if not address:
        return None
    # Emails are stored lowercased (schema.EmailAddress): compare the column as stored so
    # the index on each column answers, not a scan of the whole roster.
    row = session.scalars(
        select(StudentRow).where(
            or_(StudentRow.email_institucional == address, StudentRow.email_personal == address)
        )
    ).first()
    return to_student(row) if row else None


def find_by_curp(session: Session, curp: str | None) -> Student | None:
    if not curp:
        return None
    row = session.scalars(select(StudentRow).where(StudentRow.curp == normalize_curp(curp))).first()
    return to_student(row) if row else None


def find_by_matricula(session: Session, matricula: str | None) -> Student | None:
    if not matricula:
        return None
    row = session.get(StudentRow, matricula.strip().upper())
    return to_student(row) if row else None


def roster_size(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StudentRow)) or 0
