"""The reference procedure (PAB-24) on the real templates, staff working by email.

The 500-student simulation uses stand-in templates to count mails; this run renders every
procedure mail from ``templates/email`` with the contexts the services build
(``reminder_context``, ``prepare_digest(...).context``, ``result_context``): the Renderer
refuses an undefined variable, so a template that needs something a service does not pass
fails here. Staff commands arrive as authenticated mail through the inbox.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from daemon.domain.reminders import ReminderKind
from tests.integration.procedure.campus import (
    Campus,
    Event,
    at,
    constancia_mail,
    differences,
    expect,
    matriculas,
    renuncia_mail,
    roster_rows,
    staff_mail,
    unfolded,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-MAY-AGO", D(2026, 5, 4), D(2026, 8, 28)

NEW = roster_rows(6, seed=13)
COLLECTED, NOT_COLLECTED = NEW[:4], NEW[4:]
WAIVED = roster_rows(2, seed=13, first=6)
SILENT = roster_rows(2, seed=13, first=8)
CONTINUING = roster_rows(2, seed=13, first=10, new_entry=False)
RESELLADO = CONTINUING[:1]


def test_the_reference_procedure_renders_every_mail_from_the_real_templates(
    tmp_path: Path,
) -> None:
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(NEW + WAIVED + SILENT + CONTINUING, at(D(2026, 4, 29), 10), term=TERM)
    students = campus.students
    commands = iter(range(1, 100))

    def documents() -> None:
        now = at(D(2026, 5, 5), 10)
        for m in matriculas(NEW):
            campus.send(constancia_mail(students[m], now))
        for m in matriculas(WAIVED):
            campus.send(renuncia_mail(students[m], now))
        campus.intake(now)

    def staff(day: date, body: str) -> Event:
        def run() -> None:
            campus.send(staff_mail(at(day, 10), body, number=next(commands)))
            campus.intake(at(day, 10))

        return at(day, 10), run

    events = [
        (at(D(2026, 5, 5), 10), documents),
        staff(D(2026, 5, 6), "RESELLADA " + " ".join(matriculas(RESELLADO))),
        staff(D(2026, 5, 7), "ALTAS HECHAS\n" + "\n".join(matriculas(NEW)) + "\nUTE209999"),
        staff(D(2026, 5, 8), "ALTAS VERIFICADAS\n" + "\n".join(matriculas(NEW))),
        staff(
            D(2026, 5, 12),
            "CREDENCIALES IMPRESAS\nENTREGA: 14/05/2026 AL 19/05/2026\nLUGAR: Ventanilla 3\nTODAS",
        ),
        staff(D(2026, 5, 15), "ENTREGADA " + ", ".join(matriculas(COLLECTED))),
    ]
    campus.run(D(2026, 5, 1), D(2026, 6, 1), events, digests=[D(2026, 5, 19), D(2026, 6, 1)])

    request = [(START, "request_constancia")]
    reminder = "request_constancia_reminder"
    pickup = (D(2026, 5, 12), "credential_pickup")
    pickup_reminder = (D(2026, 5, 18), "credential_pickup_reminder")
    wanted = expect(
        [
            (
                matriculas(NEW),
                [
                    *request,
                    (D(2026, 5, 5), "accepted_not_insured"),
                    (D(2026, 5, 8), "alta_done"),  # paso 5: once seen on the portal
                    (D(2026, 5, 11), "carnet_reminder"),
                    pickup,
                ],
            ),
            (matriculas(NOT_COLLECTED), [pickup_reminder]),
            (matriculas(WAIVED), [*request, (D(2026, 5, 5), "waiver_received"), pickup]),
            (matriculas(WAIVED), [pickup_reminder]),
            (
                matriculas(SILENT),
                [*request, *((D(2026, 5, d), reminder) for d in (7, 12, 15))],
            ),
            (matriculas(CONTINUING), [(START, "resello")]),
            (matriculas(CONTINUING[1:]), [(D(2026, 5, 20), "resello_reminder")]),
        ]
    )
    assert differences(campus.received(), wanted) == {}
    rendered = {mail.template for mail in campus.outbox()}
    assert {str(kind) for kind in ReminderKind} <= rendered
    assert {"digest", "staff_command_result"} <= rendered

    # What the staff commands answered.
    results = campus.texts("staff_command_result")
    assert len(results) == 5
    altas = unfolded(results[1])
    assert "Aplicado (6)" in altas
    assert "UTE209999: no está en el padrón" in altas
    assert "ALTAS VERIFICADAS Aplicado (6)" in unfolded(results[2])
    assert "Aplicado (8)" in unfolded(results[3])
    # The pickup notice and its reminder carry the dates and the place.
    [notice] = campus.texts("credential_pickup", matriculas(NEW)[0])
    assert "del jueves 14 de mayo al martes 19 de mayo" in unfolded(notice)
    assert "Ventanilla 3" in notice
    [late] = campus.texts("credential_pickup_reminder", matriculas(NOT_COLLECTED)[0])
    assert "Ventanilla 3" in late

    # The digest: what to hand over, the salidas no conformes, the indicator, the leave list.
    before = unfolded(campus.digest_text(D(2026, 5, 19)))
    assert "CREDENCIALES POR ENTREGAR (4)" in before
    assert "SALIDAS NO CONFORMES (0)" in before
    after = unfolded(campus.digest_text(D(2026, 6, 1)))
    # Printed and offered for pickup in time (paso 7): four students did not come, which is
    # theirs to fix, not a salida no conforme; they leave the delivery list.
    assert "SALIDAS NO CONFORMES (0)" in after
    assert "CREDENCIALES POR ENTREGAR (0)" in after
    assert "CREDENCIALES NO RECOGIDAS: TERMINÓ SU PERIODO DE ENTREGA (4)" in after
    assert "no la recogió; entrega del 14/05 al 19/05" in after
    assert "SIN DOCUMENTO DESPUÉS DEL PLAZO (2)" in after
    assert f"{TERM}: 4 de 6 (66.7 %)" in after
    assert "Año 2026: 4 de 6 (66.7 %)" in after
    assert "debía llegar el 1 de junio de 2026" in after
    campus.close()
