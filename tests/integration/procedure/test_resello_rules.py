"""Policies 4.3 and 4.5 when staff record a resello: "A partir del segundo cuatrimestre el
alumnado tiene la obligación de resellar la credencial" and "Se refrendan credenciales
únicamente al alumnado que esté activo o se encuentren realizando estadías". A re-stamp
after the PAB-24 step 9 window is still a re-stamp: accepted, marked "fuera de plazo"."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from daemon.domain.student import RosterStatus
from daemon.store.db import transaction
from daemon.store.procedure import ActionKind, ProcedureActionRow
from tests.integration.procedure.conftest import School, local

D = date


def _school(make_school: Callable[..., School]) -> School:
    school = make_school()
    term_id = school.add_term("2026-2", D(2026, 5, 4), D(2026, 8, 28))
    seen = local(D(2026, 4, 28), 9)
    school.add_student("A0001", term_id=term_id, seen=seen, new_entry=False, term_number=4)
    school.add_student("A0002", term_id=term_id, seen=seen, new_entry=True, term_number=1)
    school.add_student(
        "A0003",
        term_id=term_id,
        seen=seen,
        new_entry=False,
        term_number=4,
        status=RosterStatus.BAJA_TEMPORAL,
    )
    school.add_student(
        "A0004",
        term_id=term_id,
        seen=seen,
        new_entry=False,
        term_number=7,
        status=RosterStatus.ESTADIA,
    )
    return school


def _resellada(school: School, when: date, *matriculas: str) -> dict:
    moment = local(when, 11).isoformat()
    output = school.cli("credenciales", "resellada", *matriculas, "--now", moment, "--json")
    return json.loads(output)


def test_policy_4_5_only_active_or_internship_students_from_their_second_term(
    make_school: Callable[..., School],
) -> None:
    school = _school(make_school)
    report = _resellada(school, D(2026, 5, 6), "A0001", "A0002", "A0003", "A0004")
    assert report["applied"] == ["A0001", "A0004"]
    assert report["notes"] == []
    assert report["rejected"] == [
        {"matricula": "A0002", "reason": "está en su primer cuatrimestre: su credencial es nueva"},
        {"matricula": "A0003", "reason": "estatus BAJA TEMPORAL: no se resella"},
    ]


def test_policy_4_3_a_late_re_stamp_is_recorded_fuera_de_plazo(
    make_school: Callable[..., School],
) -> None:
    school = _school(make_school)
    report = _resellada(school, D(2026, 5, 27), "A0001")
    assert report["applied"] == ["A0001"]
    assert report["notes"] == [
        {
            "matricula": "A0001",
            "note": "fuera de plazo: el periodo de resello terminó el 25/05/2026",
        }
    ]
    with transaction(school.app.sessions) as session:
        [row] = session.scalars(
            select(ProcedureActionRow).where(
                ProcedureActionRow.kind == str(ActionKind.RESELLO_DONE)
            )
        )
        assert row.note.startswith("fuera de plazo")
    # Recorded for the term: the reminders stop and a second one is refused.
    again = _resellada(school, D(2026, 5, 28), "A0001")
    assert again["rejected"] == [
        {"matricula": "A0001", "reason": "ya se registró su resello este periodo"}
    ]
    text = school.cli(
        "credenciales", "resellada", "A0004", "--now", local(D(2026, 6, 1), 9).isoformat()
    )
    assert "ok  A0004: fuera de plazo: el periodo de resello terminó el 25/05/2026" in text
