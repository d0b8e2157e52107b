"""A semester through the tec-semestral profile: a campus that applies altas and bajas at
IMSS only on the 16th and on the last day of each month, and takes baja requests by email.

Mails go through the real inbox and parser; staff act with the CLI; the sweep runs day by
day with ``--now``. Every student must get exactly the promised mails, and the replies and
the digest must name the next movement date (16 September 2026 is a holiday, so the
movement moves to the 17th) and the 24-72 hours the status takes to show.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from daemon.domain.student import RosterStatus
from tests.fixtures.documents import insured_here
from tests.integration.procedure.campus import (
    Campus,
    at,
    constancia_mail,
    differences,
    expect,
    matriculas,
    request_mail,
    roster_rows,
    unfolded,
    with_status,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)

NOT_INSURED = roster_rows(12, seed=3)
INSURED = roster_rows(8, seed=3, first=12)
SILENT = roster_rows(8, seed=3, first=20)
CONTINUING = roster_rows(6, seed=3, first=28, new_entry=False)
ASKERS = INSURED[:3]  # got a job: they ask for their baja by email
LEAVERS = NOT_INSURED[:2]  # on the registrar's leave list 20 business days in


def test_a_semester_with_movements_on_the_16th_and_month_end(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "tec-semestral")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(
        NOT_INSURED + INSURED + SILENT + CONTINUING, at(D(2026, 8, 20), 10), term=TERM
    )
    students = campus.students
    insured = insured_here(fecha_ultimo_movimiento=D(2026, 2, 10))

    def documents() -> None:
        now = at(D(2026, 8, 25), 10)
        for m in matriculas(NOT_INSURED):
            campus.send(constancia_mail(students[m], now))
        for m in matriculas(INSURED):
            campus.send(constancia_mail(students[m], now, insured))
        campus.intake(now)

    def baja_requests() -> None:
        now = at(D(2026, 9, 2), 10)
        for m in matriculas(ASKERS):
            body = f"Solicito mi baja del seguro facultativo, ya tengo IMSS por mi trabajo.\n{m}"
            campus.send(request_mail(students[m], now, "Solicitud de baja del seguro", body))
        campus.intake(now)

    pending_bajas: list[str] = []
    events = [
        (at(D(2026, 8, 25), 10), documents),
        # A movement day (month end).
        campus.act(at(D(2026, 8, 31), 12), "altas", "done", file_of=matriculas(NOT_INSURED)),
        # Seed 003: the movement takes 24 to 72 hours to show; staff check on 3/09.
        campus.act(at(D(2026, 9, 3), 12), "altas", "verified", file_of=matriculas(NOT_INSURED)),
        (at(D(2026, 9, 2), 10), baja_requests),
        (at(D(2026, 9, 3), 12), lambda: pending_bajas.append(campus.cli("bajas", "pending"))),
        # The movement of the 16th, a holiday, is applied on the 17th.
        campus.act(at(D(2026, 9, 17), 11), "bajas", "done", file_of=matriculas(ASKERS)),
        (
            at(D(2026, 9, 23), 10),  # Control Escolar's leave list, a day late
            lambda: campus.import_roster(
                with_status(LEAVERS[:1], RosterStatus.BAJA_DEFINITIVA)
                + with_status(LEAVERS[1:], RosterStatus.BAJA_TEMPORAL),
                at(D(2026, 9, 23), 10),
            ),
        ),
    ]
    digest_days = (D(2026, 8, 26), D(2026, 9, 1), D(2026, 9, 3), D(2026, 9, 22), D(2026, 9, 24))
    campus.run(D(2026, 8, 20), D(2026, 9, 25), events, digests=digest_days)

    request = [(START, "request_constancia")]
    reminder = "request_constancia_reminder"
    wanted = expect(
        [
            (
                matriculas(NOT_INSURED),
                [
                    *request,
                    (D(2026, 8, 25), "accepted_not_insured"),
                    (D(2026, 9, 3), "alta_done"),  # once seen on the portal
                    (D(2026, 9, 4), "carnet_reminder"),  # 24 hours after the notice
                ],
            ),
            (matriculas(INSURED), [*request, (D(2026, 8, 25), "accepted_insured_here")]),
            (matriculas(ASKERS), [(D(2026, 9, 2), "baja_requested")]),
            (
                matriculas(SILENT),  # every 3 business days until the 10th
                [*request, *((D(2026, m, d), reminder) for m, d in ((8, 27), (9, 1), (9, 4)))],
            ),
            (matriculas(CONTINUING), [(START, "resello"), (D(2026, 9, 9), "resello_reminder")]),
        ]
    )
    assert differences(campus.received(), wanted) == {}

    # Replies and notices say when IMSS applies the movement and how long it takes to show.
    [accepted] = campus.texts("accepted_not_insured", matriculas(NOT_INSURED)[0])
    assert "el próximo movimiento será el lunes 31 de agosto" in unfolded(accepted)
    assert "de 24 a 72 horas" in unfolded(accepted)
    [alta] = campus.texts("alta_done", matriculas(NOT_INSURED)[0])
    assert "ya verificamos en el portal del IMSS que tu alta está vigente" in unfolded(alta)
    # Not before the movement has had its 72 hours: the check is listed on 3/09, not on 1/09.
    assert "ALTAS POR VERIFICAR" not in campus.digest_text(D(2026, 9, 1))
    assert "ALTAS POR VERIFICAR EN EL PORTAL DEL IMSS (12)" in campus.digest_text(D(2026, 9, 3))
    [baja] = campus.texts("baja_requested", matriculas(ASKERS)[0])
    assert "el próximo movimiento será el jueves 17 de septiembre" in unfolded(baja)
    assert "de 24 a 72 horas" in unfolded(baja)

    # Before the movement day, staff see the altas and the date they go in.
    first = unfolded(campus.digest_text(D(2026, 8, 26)))
    assert "ALTAS POR REALIZAR EN EL IMSS (12)" in first
    assert "Próximo movimiento en el IMSS: lunes 31 de agosto" in first
    assert "de 24 a 72 horas en verse en el portal del IMSS" in first
    # A baja asked for by email is on the staff's baja list, in the digest and the CLI.
    asked = campus.digest_text(D(2026, 9, 3))
    assert "BAJAS POR REALIZAR EN EL IMSS (3)" in asked
    assert "Próximo movimiento en el IMSS: jueves 17 de septiembre" in unfolded(asked)
    for m in matriculas(ASKERS):
        assert m in asked
    [csv] = [v for k, v in campus.digest_attachments(D(2026, 9, 3)).items() if "bajas" in k]
    assert sorted(line.split(",")[5] for line in csv.splitlines()[1:]) == sorted(matriculas(ASKERS))
    assert sorted(line.split()[0] for line in pending_bajas[0].splitlines()[1:]) == sorted(
        matriculas(ASKERS)
    )
    assert all("solicitó su baja" in line for line in pending_bajas[0].splitlines()[1:])

    # 20 business days in, staff are asked for the leave list until they import one.
    due = unfolded(campus.digest_text(D(2026, 9, 22)))
    assert "BAJAS POR REALIZAR EN EL IMSS (0)" in due
    assert "debía llegar el 22 de septiembre de 2026" in due
    after = campus.digest_text(D(2026, 9, 24))
    assert "lista de bajas temporales" not in after
    # Only the baja definitiva is deregistered; the student on leave keeps the insurance.
    assert "BAJAS POR REALIZAR EN EL IMSS (1)" in after
    assert matriculas(LEAVERS)[0] in after
    assert matriculas(LEAVERS)[1] not in after
    campus.close()
