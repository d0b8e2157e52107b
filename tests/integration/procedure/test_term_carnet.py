"""A semester through the tec-carnet profile: the institute keeps each student's clinic card
(carnet) on file. Students mail a photo with "Carnet" in the subject; it goes to staff
review, and ``afilia carnets export`` lists who has one on file (for field trips).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from tests.fixtures.documents import insured_here
from tests.integration.procedure.campus import (
    Campus,
    at,
    carnet_photo,
    constancia_mail,
    differences,
    expect,
    matriculas,
    request_mail,
    roster_rows,
    staff_mail,
    student_of,
    unfolded,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)

NOT_INSURED = roster_rows(10, seed=7)
INSURED = roster_rows(6, seed=7, first=10)
SILENT = roster_rows(6, seed=7, first=16)
STRANGER = student_of(roster_rows(1, seed=7, first=22)[0])  # not on the roster
# Who mails their carnet, and the subject each one writes.
CARNETS = dict(
    zip(
        matriculas(NOT_INSURED[:6] + INSURED[:2]),
        ["Carnet", "CARNET IMSS", "carnet de citas", "Carnet", "Mi carnet", "carnet"] * 2,
        strict=False,
    )
)


def test_a_semester_keeping_the_carnet_on_file(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "tec-carnet")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(NOT_INSURED + INSURED + SILENT, at(D(2026, 8, 20), 10), term=TERM)
    students = campus.students
    insured = insured_here(fecha_ultimo_movimiento=D(2026, 2, 10))

    def documents() -> None:
        now = at(D(2026, 8, 25), 10)
        for m in matriculas(NOT_INSURED):
            campus.send(constancia_mail(students[m], now))
        for m in matriculas(INSURED):
            campus.send(constancia_mail(students[m], now, insured))
        campus.intake(now)

    def carnets() -> None:
        now = at(D(2026, 8, 31), 10)
        body = "Envío la foto de mi carnet sellado por la clínica."
        for m, subject in CARNETS.items():
            photo = (("carnet.jpg", carnet_photo(students[m])),)
            campus.send(request_mail(students[m], now, subject, body, photo))
        stranger = (("carnet.jpg", carnet_photo(STRANGER)),)
        campus.send(request_mail(STRANGER, now, "Carnet", body, stranger))
        campus.intake(now)

    def reviewed() -> None:
        now = at(D(2026, 9, 1), 10)
        body = "REVISADOS\n" + "\n".join(CARNETS) + f"\n{STRANGER.email_institucional}"
        campus.send(staff_mail(now, body, number=1))
        campus.intake(now)

    queue: list[str] = []
    events = [
        (at(D(2026, 8, 25), 10), documents),
        campus.act(at(D(2026, 8, 27), 12), "altas", "done", file_of=matriculas(NOT_INSURED)),
        campus.act(at(D(2026, 8, 28), 12), "altas", "verified", file_of=matriculas(NOT_INSURED)),
        (at(D(2026, 8, 31), 10), carnets),
        (at(D(2026, 8, 31), 12), lambda: queue.append(campus.cli("review", "list"))),
        (at(D(2026, 9, 1), 10), reviewed),
    ]
    digests = [D(2026, 9, 1), D(2026, 9, 2)]
    campus.run(D(2026, 8, 20), D(2026, 9, 2), events, digests=digests)

    request = [(START, "request_constancia")]
    reminder = "request_constancia_reminder"
    wanted = expect(
        [
            (
                matriculas(NOT_INSURED),
                [
                    *request,
                    (D(2026, 8, 25), "accepted_not_insured"),
                    (D(2026, 8, 28), "alta_done"),  # paso 5: told once seen on the portal
                    (D(2026, 8, 31), "carnet_reminder"),  # 24 h later is a Saturday
                ],
            ),
            (matriculas(INSURED), [*request, (D(2026, 8, 25), "accepted_insured_here")]),
            (CARNETS, [(D(2026, 8, 31), "carnet_received")]),
            (matriculas(SILENT), [*request, (D(2026, 8, 27), reminder), (D(2026, 9, 1), reminder)]),
        ]
    )
    assert differences(campus.received(), wanted) == {}
    [to_stranger] = [m for m in campus.outbox() if m.recipient == STRANGER.email_institucional]
    assert to_stranger.template == "not_enrolled"

    # The carnet reminder tells them to mail the carnet with the keyword in the subject.
    [steps] = campus.texts("carnet_reminder", matriculas(NOT_INSURED)[0])
    assert "con la palabra «Carnet» en el asunto" in unfolded(steps)
    assert "visitas industriales" in unfolded(steps)
    [received] = campus.texts("carnet_received", matriculas(NOT_INSURED)[0])
    assert "revisará y la anexará a tu expediente" in unfolded(received)

    # Staff review each carnet in the digest, with the sender.
    digest = campus.digest_text(D(2026, 9, 1))
    assert "POR REVISAR (9)" in digest
    for m in CARNETS:
        assert f"{students[m].email_institucional} ({m}): Carnet para el expediente" in digest
    assert f"{STRANGER.email_institucional}: No está en la base de datos" in digest
    assert len(queue[0].splitlines()) == 1 + 9  # a header, then the same queue from the CLI
    # Staff answer REVISADOS with the matrículas and the stranger's address: queue empty.
    [answer] = campus.texts("staff_command_result")
    assert "Aplicado (9)" in answer
    assert "POR REVISAR (0)" in campus.digest_text(D(2026, 9, 2))

    # The "carnet on file" list for a field trip: those who sent one, nobody else.
    exported = list(csv.DictReader(io.StringIO(campus.cli("carnets", "export"))))
    assert [row["matricula"] for row in exported] == sorted(CARNETS)
    first = exported[0]
    assert first["carnet_recibido"] == "2026-08-31"
    assert first["carnet_revisado"] == "2026-09-01"
    assert first["nombre"] == students[first["matricula"]].nombre_completo
    assert first["estatus"] == "ACTIVO"
    campus.close()
