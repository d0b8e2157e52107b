"""Policy 4.4 on the reference procedure: "En caso de robo o extravío, el alumnado podrá
solicitar un duplicado de credencial una vez realizado el pago por reposición."

Staff confirm the payment (by mail, ``REPOSICIÓN PAGADA``, or ``afilia credenciales
reposicion``); the card goes back to the print queue as a duplicate, then the pickup notice
and the FOR-24-02 delivery as for a first card. The indicator counts the student once.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.domain.student import RosterStatus
from daemon.store.db import transaction
from daemon.store.procedure import ActionKind, ProcedureActionRow
from tests.integration.procedure.campus import (
    Campus,
    at,
    constancia_mail,
    matriculas,
    roster_rows,
    staff_mail,
    unfolded,
    with_status,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-MAY-AGO", D(2026, 5, 4), D(2026, 8, 28)

NEW = roster_rows(4, seed=29)
LOST, KEPT, NOT_YET, ON_LEAVE = matriculas(NEW)


def _deliveries(campus: Campus, matricula: str) -> list[tuple[int | None, str]]:
    with transaction(campus.app.sessions) as session:
        rows = session.scalars(
            select(ProcedureActionRow)
            .where(
                ProcedureActionRow.matricula == matricula,
                ProcedureActionRow.kind == str(ActionKind.DELIVERED),
            )
            .order_by(ProcedureActionRow.id)
        )
        return [(row.batch_id, row.note) for row in rows]


def _printable(campus: Campus) -> list[str]:
    pending = campus.cli("credenciales", "pending")
    return [line.split()[1] for line in pending.splitlines() if line.startswith("imprimir")]


def test_policy_4_4_duplicate_card_after_payment_goes_back_to_print_queue(
    tmp_path: Path,
) -> None:
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(NEW, at(D(2026, 4, 29), 10), term=TERM)
    students = campus.students

    # The first cards: constancias, the alta, printed, delivered to three of the four.
    now = at(D(2026, 5, 5), 10)
    for m in matriculas(NEW):
        campus.send(constancia_mail(students[m], now))
    campus.intake(now)
    campus.cli("altas", "done", *matriculas(NEW), now=at(D(2026, 5, 6), 10))
    printed = ("--from", "2026-05-11", "--until", "2026-05-15", "--all")
    campus.cli("credenciales", "printed", *printed, now=at(D(2026, 5, 8), 10))
    campus.cli("credenciales", "delivered", LOST, KEPT, ON_LEAVE, now=at(D(2026, 5, 12), 10))
    campus.import_roster(
        with_status(NEW[3:], RosterStatus.BAJA_TEMPORAL), at(D(2026, 6, 1), 9), term=TERM
    )
    assert _printable(campus) == []

    # 4.4: LOST lost their card and paid; staff confirm by mail. Nothing to replace for
    # NOT_YET (never delivered), and 4.5: no card for a student on leave.
    body = f"REPOSICIÓN PAGADA {LOST} {NOT_YET} {ON_LEAVE}"
    campus.send(staff_mail(at(D(2026, 6, 2), 10), body, number=1))
    campus.intake(at(D(2026, 6, 2), 10))
    [answer] = campus.texts("staff_command_result")
    answer = unfolded(answer)
    assert f"REPOSICION PAGADA Aplicado (1): {LOST}" in answer
    assert f"{NOT_YET}: aún no se le ha entregado su credencial" in answer
    assert f"{ON_LEAVE}: estatus BAJA TEMPORAL: no se repone la credencial" in answer

    # Back in the print queue as a duplicate: the CLI and the digest say so.
    assert _printable(campus) == [LOST]
    campus.cli("digest", now=at(D(2026, 6, 3), 7, 30))
    digest = unfolded(campus.digest_text(D(2026, 6, 3)))
    assert "CREDENCIALES POR IMPRIMIR (1)" in digest
    assert "REPOSICIÓN PAGADA seguido de las matrículas" in digest  # how to answer
    assert f"{LOST} {students[LOST].nombre_completo} (reposición (duplicado)) desde 02/06/2026" in (
        digest
    )
    # Paying twice is refused while the duplicate is on its way (the CLI this time).
    again = campus.cli("credenciales", "reposicion", LOST, now=at(D(2026, 6, 3), 9))
    assert "ya tiene una reposición en trámite (pago registrado el 02/06/2026)" in again

    # Printed again: the pickup notice, as for a first card; then the FOR-24-02 delivery.
    printed = ("--from", "2026-06-08", "--until", "2026-06-12", "--all")
    campus.cli("credenciales", "printed", *printed, now=at(D(2026, 6, 5), 10))
    pickups = [m.matricula for m in campus.outbox() if m.template == "credential_pickup"]
    assert sorted(pickups) == sorted([*matriculas(NEW), LOST])
    assert _printable(campus) == []
    campus.cli("credenciales", "delivered", LOST, now=at(D(2026, 6, 9), 10))
    first, duplicate = _deliveries(campus, LOST)
    assert first[1] == ""
    assert duplicate[1] == "duplicado (reposición)"
    assert duplicate[0] != first[0]  # the duplicate's own batch

    # The indicator counts LOST once: 3 of 4 delivered (NOT_YET still waits).
    campus.cli("digest", now=at(D(2026, 6, 10), 7, 30))
    digest = unfolded(campus.digest_text(D(2026, 6, 10)))
    assert "CREDENCIALES POR IMPRIMIR (0)" in digest
    assert "3 de 4 (75.0 %)" in digest
    campus.close()
