"""A semester through the tec-encuesta profile: an institute that decides who gets the alta
with the IMSS eligibility survey, and sends a student covered as a worker's child to the
parents' clinic with a proof of enrolment instead of registering them.

Real mails and PDFs through the inbox, staff through the CLI, the sweep day by day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.fixtures.documents import family_member, worker
from tests.integration.procedure.campus import (
    Campus,
    at,
    constancia_mail,
    differences,
    expect,
    matriculas,
    roster_rows,
    unfolded,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)
SURVEY = "https://forms.gle/vM65iXcCgRGuFjVK9"

NOT_INSURED = roster_rows(8, seed=5)
WORKERS_CHILDREN = roster_rows(8, seed=5, first=8)
WORKERS = roster_rows(4, seed=5, first=16)
SILENT = roster_rows(8, seed=5, first=20)


def test_a_semester_with_the_eligibility_survey(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "tec-encuesta")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(
        NOT_INSURED + WORKERS_CHILDREN + WORKERS + SILENT, at(D(2026, 8, 20), 10), term=TERM
    )
    students = campus.students
    child = family_member(fecha_ultimo_movimiento=D(2025, 1, 6))
    employee = worker(fecha_ultimo_movimiento=D(2026, 3, 2))

    def documents() -> None:
        now = at(D(2026, 8, 25), 10)
        for m in matriculas(NOT_INSURED):
            campus.send(constancia_mail(students[m], now))
        for m in matriculas(WORKERS_CHILDREN):
            campus.send(constancia_mail(students[m], now, child))
        for m in matriculas(WORKERS):
            campus.send(constancia_mail(students[m], now, employee))
        campus.intake(now)

    altas_pending: list[str] = []
    events = [
        (at(D(2026, 8, 25), 10), documents),
        (at(D(2026, 8, 26), 12), lambda: altas_pending.append(campus.cli("altas", "pending"))),
        campus.act(at(D(2026, 8, 27), 12), "altas", "done", file_of=matriculas(NOT_INSURED)),
        campus.act(at(D(2026, 8, 28), 12), "altas", "verified", file_of=matriculas(NOT_INSURED)),
    ]
    campus.run(D(2026, 8, 20), D(2026, 9, 8), events, digests=[D(2026, 8, 26)])

    request = [(START, "request_constancia")]
    reminder = "request_constancia_reminder"
    covered = [*request, (D(2026, 8, 25), "covered_other_regime")]
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
            (matriculas(WORKERS_CHILDREN), covered),
            (matriculas(WORKERS), covered),
            (
                matriculas(SILENT),
                [*request, *((D(2026, m, d), reminder) for m, d in ((8, 27), (9, 1), (9, 4)))],
            ),
        ]
    )
    assert differences(campus.received(), wanted) == {}

    # The first request explains who has the right to the insurance and links the survey.
    [asked] = campus.texts("request_constancia", matriculas(SILENT)[0])
    asked = unfolded(asked)
    assert "tienes 25 años o más y tu trabajo no te da servicio médico" in asked
    assert "tienes menos de 25 años y ni tu papá ni tu mamá tienen servicio médico" in asked
    assert "estás embarazada, sin importar tu edad" in asked
    assert SURVEY in asked
    # A worker's child is sent to the parents' clinic with a proof of enrolment, not insured.
    [reply] = campus.texts("covered_other_regime", matriculas(WORKERS_CHILDREN)[0])
    reply = unfolded(reply)
    assert "no te daremos de alta en el seguro facultativo" in reply
    assert "Solicita tu constancia de inscripción" in reply
    assert "comprobante de pago de tu papá o tu mamá" in reply
    assert "la clínica del IMSS que corresponde a tu domicilio" in reply
    assert "revisará tu caso" in reply  # covered_other_regime = "ask"
    assert SURVEY in reply
    # Those registered get the alta notice asking them to answer the survey again.
    [notice] = campus.texts("alta_done", matriculas(NOT_INSURED)[0])
    assert "vuelve a llenar la encuesta del IMSS" in unfolded(notice)
    assert SURVEY in notice

    # Staff register only the uninsured; the covered students wait for staff to confirm.
    listed = sorted(line.split()[0] for line in altas_pending[0].splitlines()[1:])
    assert listed == sorted(matriculas(NOT_INSURED))
    digest = campus.digest_text(D(2026, 8, 26))
    assert "ALTAS POR REALIZAR EN EL IMSS (8)" in digest
    assert "POR REVISAR (12)" in digest
    for m in matriculas(WORKERS_CHILDREN):
        assert f"({m}): Cubierto por otro régimen" in digest
    campus.close()
