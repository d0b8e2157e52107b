"""A whole cuatrimestre of 500 students through the reference profile (PAB-24), day by day.

Students answer (or not) as the intake would record it, staff act through the CLI, and the
reminder sweep runs at 9:00 (twice, as a restarted daemon would) and at 15:00 each day with
``afilia reminders --now``. At the end every student must have received exactly the mails
the procedure promises, on the right days, and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from daemon.domain.calendar import local_date
from daemon.domain.outcomes import Outcome
from daemon.domain.student import RosterStatus
from tests.integration.procedure.conftest import School, local

pytestmark = pytest.mark.slow

START, END = date(2026, 5, 4), date(2026, 8, 28)
D = date


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:04d}" for n in range(count)]


NOT_INSURED, NEVER_COLLECT = _ids("A", 150), set(_ids("A", 150)[75:])
INSURED_HERE = _ids("B", 50)
WAIVED = _ids("C", 40)
SILENT = _ids("D", 40)
LATE_CONSTANCIA = _ids("E", 15)
LATE_ENROLMENT = _ids("L", 5)
CONTINUING = _ids("R", 150)
RESELLADOS = set(CONTINUING[:60])
ON_LEAVE = _ids("T", 30)
NEW_WITHDRAWN = _ids("W", 20)


def _expected() -> dict[str, list[tuple[date, str]]]:
    """The procedure's promises, written out by hand from PAB-24 and the profile."""
    request = [(D(2026, 5, 4), "request_constancia")]
    reminder = "request_constancia_reminder"
    pickup = (D(2026, 5, 20), "credential_pickup")
    pickup_reminder = (D(2026, 5, 28), "credential_pickup_reminder")
    expected: dict[str, list[tuple[date, str]]] = {}
    for m in NOT_INSURED:
        expected[m] = [
            *request,
            (D(2026, 5, 14), "alta_done"),  # paso 5: once staff saw it on the portal
            (D(2026, 5, 15), "carnet_reminder"),  # 24 hours after the notice
            pickup,
            *([pickup_reminder] if m in NEVER_COLLECT else []),
        ]
    for m in INSURED_HERE:
        expected[m] = [*request, (D(2026, 5, 7), reminder), pickup]
    for m in WAIVED:
        expected[m] = [*request, (D(2026, 5, 7), reminder), pickup, pickup_reminder]
    for m in SILENT:  # every 3 business days until the deadline (10 business days)
        expected[m] = [
            *request,
            (D(2026, 5, 7), reminder),
            (D(2026, 5, 12), reminder),
            (D(2026, 5, 15), reminder),
        ]
    for m in LATE_CONSTANCIA:
        expected[m] = [
            *request,
            (D(2026, 5, 7), reminder),
            (D(2026, 5, 12), reminder),
            pickup,
            (D(2026, 5, 22), "alta_done"),
            (D(2026, 5, 25), "carnet_reminder"),  # 24 hours later is a Saturday
        ]
    for m in LATE_ENROLMENT:  # their own 10 business days from the day they appear
        expected[m] = [
            (D(2026, 5, 20), "request_constancia"),
            (D(2026, 5, 25), reminder),
            (D(2026, 5, 28), reminder),
            (D(2026, 6, 2), reminder),
        ]
    for m in CONTINUING:  # resello within 15 business days; reminder 3 days before
        expected[m] = [(D(2026, 5, 4), "resello")]
        if m not in RESELLADOS:
            expected[m].append((D(2026, 5, 20), "resello_reminder"))
    for m in ON_LEAVE + NEW_WITHDRAWN:
        expected[m] = []
    return expected


def _enrol(school: School, term_id: int) -> None:
    before = local(D(2026, 4, 28), 12)
    for m in NOT_INSURED + INSURED_HERE + WAIVED + SILENT + LATE_CONSTANCIA:
        school.add_student(m, term_id=term_id, seen=before)
    for m in LATE_ENROLMENT:
        school.add_student(m, term_id=term_id, seen=local(D(2026, 5, 20), 8))
    for i, m in enumerate(CONTINUING):
        status = RosterStatus.ESTADIA if i % 5 == 0 else RosterStatus.ACTIVO
        school.add_student(
            m, term_id=term_id, seen=before, new_entry=False, term_number=2 + i % 5, status=status
        )
    for i, m in enumerate(ON_LEAVE):
        status = RosterStatus.BAJA_TEMPORAL if i % 2 else RosterStatus.BAJA_DEFINITIVA
        school.add_student(
            m, term_id=term_id, seen=before, new_entry=False, term_number=3, status=status
        )
    for m in NEW_WITHDRAWN:
        school.add_student(m, term_id=term_id, seen=before, status=RosterStatus.BAJA_DEFINITIVA)


def _events(school: School, tmp: Path) -> list[tuple[datetime, Callable[[], None]]]:
    def decide(ms: list[str], outcome: Outcome) -> Callable[[], None]:
        return lambda: [school.decide(m, outcome, now_of[0]) for m in ms] and None

    def cli(*args: str) -> Callable[[], None]:
        return lambda: school.cli(*args, "--now", now_of[0].isoformat()) and None

    def file_of(name: str, ms: list[str] | set[str]) -> str:
        path = tmp / f"{name}.csv"
        path.write_text("matricula\n" + "\n".join(sorted(ms)) + "\n", encoding="utf-8")
        return str(path)

    now_of: list[datetime] = [local(START, 0)]
    events = [
        (local(D(2026, 5, 5), 10), decide(NOT_INSURED, Outcome.ACCEPTED_NOT_INSURED)),
        (local(D(2026, 5, 6), 10), decide(LATE_CONSTANCIA, Outcome.TOO_OLD)),
        (local(D(2026, 5, 8), 10), decide(INSURED_HERE, Outcome.ACCEPTED_INSURED_HERE)),
        (local(D(2026, 5, 11), 10), decide(WAIVED, Outcome.WAIVER_RECEIVED)),
        (
            local(D(2026, 5, 12), 10),
            cli("credenciales", "resellada", "--file", file_of("r", RESELLADOS)),
        ),
        (local(D(2026, 5, 13), 10), cli("altas", "done", "--file", file_of("a", NOT_INSURED))),
        (
            local(D(2026, 5, 14), 10),
            cli("altas", "verified", "--file", file_of("av", NOT_INSURED)),
        ),
        (local(D(2026, 5, 13), 12), decide(LATE_CONSTANCIA, Outcome.ACCEPTED_NOT_INSURED)),
        (
            local(D(2026, 5, 20), 10),
            cli(
                "credenciales",
                "printed",
                "--all",
                "--from",
                "2026-05-25",
                "--until",
                "2026-05-29",
                "--place",
                "Ventanilla",
            ),
        ),
        (local(D(2026, 5, 21), 10), cli("altas", "done", "--file", file_of("e", LATE_CONSTANCIA))),
        (
            local(D(2026, 5, 22), 10),
            cli("altas", "verified", "--file", file_of("ev", LATE_CONSTANCIA)),
        ),
        (
            local(D(2026, 5, 25), 11),
            cli("credenciales", "delivered", "--file", file_of("de", LATE_CONSTANCIA)),
        ),
        (
            local(D(2026, 5, 26), 11),
            cli(
                "credenciales",
                "delivered",
                "--file",
                file_of("da", set(NOT_INSURED) - NEVER_COLLECT),
            ),
        ),
        (
            local(D(2026, 5, 27), 11),
            cli("credenciales", "delivered", "--file", file_of("db", INSURED_HERE)),
        ),
    ]

    def stamped(at: datetime, action: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            now_of[0] = at
            action()

        return run

    return [(at, stamped(at, action)) for at, action in events]


def test_a_500_student_term_gets_exactly_the_promised_mails(
    make_school: Callable[..., School], tmp_path: Path
) -> None:
    school = make_school()
    term_id = school.add_term("2026-2", START, END)
    _enrol(school, term_id)
    events = sorted(_events(school, tmp_path), key=lambda e: e[0])
    day = D(2026, 5, 1)
    while day <= D(2026, 6, 12):
        for sweep_at in (local(day, 9), local(day, 9, 15), local(day, 15)):
            while events and events[0][0] <= sweep_at:
                events.pop(0)[1]()
            school.cli("reminders", "--now", sweep_at.isoformat())
        if day == D(2026, 5, 19):
            school.cli("digest", "--now", local(day, 7, 30).isoformat())
            school.cli("digest", "--now", local(day, 7, 45).isoformat())  # rerun: no second one
        day += timedelta(days=1)
    assert not events

    received: dict[str, list[tuple[date, str]]] = defaultdict(list)
    digests = []
    tz = school.app.settings.tz
    for mail in school.mails():
        if mail.purpose == "digest":
            digests.append(mail)
            continue
        assert mail.recipient == f"{mail.matricula.lower()}@alumnos.ute.example.edu.mx"
        received[mail.matricula].append((local_date(mail.created_at, tz), mail.template))
    expected = _expected()
    assert sum(len(v) for v in expected.values()) > 1400
    wrong = {
        m: (sorted(received.get(m, [])), sorted(want))
        for m, want in expected.items()
        if sorted(received.get(m, [])) != sorted(want)
    }
    assert wrong == {}
    assert set(received) <= set(expected)
    assert len(digests) == 1


def test_dry_run_lists_what_is_due_and_queues_nothing(make_school: Callable[..., School]) -> None:
    school = make_school()
    term_id = school.add_term("2026-2", START, END)
    for m in SILENT[:3]:
        school.add_student(m, term_id=term_id, seen=local(D(2026, 4, 28), 12))
    output = school.cli("reminders", "--now", local(START, 9).isoformat(), "--dry-run")
    header, *rows = output.splitlines()
    assert header.split() == ["REMINDER", "MATRÍCULA", "TO", "KEY"]
    assert [row.split()[0] for row in rows] == ["request_constancia"] * 3
    assert school.mails() == []


def test_quiet_hours_hold_reminders_until_they_end(make_school: Callable[..., School]) -> None:
    school = make_school(quiet_hours='quiet_hours = ["20:00:00", "08:00:00"]')
    term_id = school.add_term("2026-2", START, END)
    school.add_student("D0001", term_id=term_id, seen=local(D(2026, 4, 28), 12))
    school.cli("reminders", "--now", local(START, 7, 45).isoformat())
    assert school.mails() == []
    school.cli("reminders", "--now", local(START, 8, 0).isoformat())
    assert [m.template for m in school.mails()] == ["request_constancia"]
