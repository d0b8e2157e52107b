"""Use case: the school's terms (cuatrimestres, semestres). The roster import links each
student to the term whose dates contain the import date; reminders count from term start."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from daemon.domain.procedure_state import Term
from daemon.errors import AfiliaError
from daemon.store.schema import TermRow


class TermError(AfiliaError):
    """A term that cannot be added: bad dates, a repeated name, an overlap."""


def add_term(session: Session, name: str, starts_on: date, ends_on: date) -> Term:
    name = name.strip()
    if not name:
        raise TermError("the term needs a name")
    if ends_on <= starts_on:
        raise TermError(f"term {name}: it must end after it starts ({starts_on} .. {ends_on})")
    if session.scalar(select(TermRow.id).where(TermRow.name == name)) is not None:
        raise TermError(f"term {name} already exists")
    overlapping = session.scalar(
        select(TermRow).where(TermRow.starts_on <= ends_on, TermRow.ends_on >= starts_on)
    )
    if overlapping is not None:
        raise TermError(
            f"term {name} overlaps {overlapping.name} "
            f"({overlapping.starts_on} .. {overlapping.ends_on})"
        )
    row = TermRow(name=name, starts_on=starts_on, ends_on=ends_on)
    session.add(row)
    session.flush()
    return Term(row.id, row.name, row.starts_on, row.ends_on)


def list_terms(session: Session) -> list[Term]:
    rows = session.scalars(select(TermRow).order_by(TermRow.starts_on))
    return [Term(r.id, r.name, r.starts_on, r.ends_on) for r in rows]


def term_on(session: Session, day: date) -> Term | None:
    return next((t for t in list_terms(session) if t.contains(day)), None)
