"""A student who asks for their baja by email (tec-semestral): on the staff's baja list
once we insured them, and no alta at all when we had not registered them yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from daemon.domain.outcomes import Outcome
from tests.integration.procedure.conftest import School, local

D = date


def _school(make_school: Callable[..., School]) -> School:
    school = make_school("tec-semestral")
    term_id = school.add_term("2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11))
    for m in ("A0001", "A0002"):
        school.add_student(m, term_id=term_id, seen=local(D(2026, 8, 20), 10))
    return school


def _listed(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[1:]]


def test_asking_for_the_baja_before_the_alta_withdraws_the_alta(
    make_school: Callable[..., School],
) -> None:
    school = _school(make_school)
    school.decide("A0001", Outcome.ACCEPTED_NOT_INSURED, local(D(2026, 8, 25), 10))
    school.decide("A0002", Outcome.ACCEPTED_NOT_INSURED, local(D(2026, 8, 25), 10))
    assert _listed(school.cli("altas", "pending")) == ["A0001", "A0002"]
    school.decide("A0001", Outcome.BAJA_REQUESTED, local(D(2026, 8, 26), 10))
    assert _listed(school.cli("altas", "pending")) == ["A0002"]
    assert school.cli("bajas", "pending") == "no bajas pending\n"


def test_a_later_constancia_with_our_registro_does_not_cancel_the_baja_asked_for(
    make_school: Callable[..., School],
) -> None:
    school = _school(make_school)
    school.decide("A0001", Outcome.ACCEPTED_INSURED_HERE, local(D(2026, 8, 25), 10))
    school.decide("A0001", Outcome.BAJA_REQUESTED, local(D(2026, 9, 2), 10))
    school.decide("A0001", Outcome.ACCEPTED_INSURED_HERE, local(D(2026, 9, 3), 10))
    assert _listed(school.cli("bajas", "pending")) == ["A0001"]
    school.cli("bajas", "done", "A0001", "--now", local(D(2026, 9, 17), 11).isoformat())
    assert school.cli("bajas", "pending") == "no bajas pending\n"
