"""A cuatrimestre through PAB-24's "Verificar" and "Actuar" steps with the real doors: the
students' constancias go through intake, staff act by CLI and by mail, the digest follows
up on the salidas no conformes (paso 12) and the resellos overdue (paso 9), and the printed
records (the FOR-24-02 log of a batch, the term report for Rectoría) are opened with
openpyxl and read cell by cell. Each test runs on SQLite and on PostgreSQL.

Term 2026-MAY-AGO starts Monday 4 May 2026; 15 business days later is 25 May. A, B and C
are new: A and C send a constancia without coverage on 5 May, B one showing our registro.
C's alta is done on 12 May; A's only on 29 May (a salida no conforme from 26 May; A's card
was offered for pickup in time, so it is none). L sends a constancia without coverage on
19 May, after the batch was printed: both L's alta and L's card are salidas no conformes.
R1 and R2 are returners: R1 re-stamps on 12 May, R2 never does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from daemon.domain.student import RosterStatus
from daemon.store.db import transaction
from daemon.store.procedure import CredentialPrintRow
from tests.fixtures.documents import insured_here
from tests.integration.procedure.campus import (
    Campus,
    afilia,
    at,
    constancia_mail,
    matriculas,
    plain_text,
    roster_rows,
    staff_mail,
    unfolded,
)
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-MAY-AGO", D(2026, 5, 4), D(2026, 8, 28)
NEW = roster_rows(3, seed=31)
RETURNERS = roster_rows(2, seed=31, first=3, new_entry=False)
ON_LEAVE = roster_rows(1, seed=31, first=5, new_entry=False, status=RosterStatus.BAJA_TEMPORAL)
LATER = roster_rows(1, seed=31, first=6)
A, B, C = matriculas(NEW)
(L,) = matriculas(LATER)
R1, R2 = matriculas(RETURNERS)
(T1,) = matriculas(ON_LEAVE)
PLACE = "Ventanilla de Servicios Estudiantiles"


def _enrol_and_collect(campus: Campus) -> None:
    """Up to 20 May: documents in, C's alta, R1's resello, batch 1 printed, B and C served."""
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(NEW + RETURNERS + ON_LEAVE + LATER, at(D(2026, 4, 29), 10), term=TERM)
    now = at(D(2026, 5, 5), 10)
    campus.send(constancia_mail(campus.students[A], now))
    campus.send(constancia_mail(campus.students[B], now, insured_here()))
    campus.send(constancia_mail(campus.students[C], now))
    campus.intake(now)
    campus.cli("altas", "done", C, now=at(D(2026, 5, 12), 10))
    campus.cli("credenciales", "resellada", R1, now=at(D(2026, 5, 12), 10))
    campus.cli(
        "credenciales", "printed", "--all", "--from", "2026-05-19", "--until", "2026-05-22",
        "--place", PLACE, now=at(D(2026, 5, 18), 10),
    )  # fmt: skip
    campus.cli("credenciales", "delivered", B, C, now=at(D(2026, 5, 20), 11))


@pytest.fixture
def campus(tmp_path: Path, database_url: str) -> Iterator[Campus]:
    """On SQLite and on PostgreSQL (``-m "not postgres"`` keeps the SQLite half)."""
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral", database_url=database_url)
    _enrol_and_collect(campus)
    yield campus
    campus.close()


def _name(campus: Campus, matricula: str) -> str:
    return campus.students[matricula].nombre_completo


def _rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in load_workbook(path)[sheet].iter_rows(values_only=True)]


def _row_starting(rows: list[tuple[object, ...]], first: object) -> tuple[object, ...]:
    [row] = [r for r in rows if r and r[0] == first]
    return row


def _last_staff_reply(campus: Campus) -> str:
    [*_, mail] = [m for m in campus.outbox() if m.template == "staff_command_result"]
    return f"{mail.subject}\n{plain_text(mail.raw)}"


def test_paso_8_for_24_02_log_of_a_batch_prints_to_sign_at_the_counter(
    campus: Campus, tmp_path: Path
) -> None:
    batches = campus.cli("credenciales", "batches").splitlines()
    assert [line.split(None, 5) for line in batches] == [
        ["ID", "PRINTED", "PICKUP", "CARDS", "DELIVERED", "PLACE"],
        ["1", "18/05/2026", "19/05/2026..22/05/2026", "3", "2", PLACE],
    ]
    out = tmp_path / "for-24-02-lote-1.xlsx"
    said = campus.cli("credenciales", "log", "1", "--out", str(out), now=at(D(2026, 5, 21), 9))
    assert "3 credentials, 2 delivered" in said
    assert out.stat().st_mode & 0o777 == 0o600
    rows = _rows(out, "FOR-24-02 lote 1")
    assert rows[0][0] == "FOR-24-02 Bitácora de Entrega de Credencial Escolar"
    assert rows[1][0] == "Universidad Tecnológica de Ejemplo"
    assert _row_starting(rows, "Lote")[1] == 1
    assert _row_starting(rows, "Fechas de entrega")[1] == "del 19/05/2026 al 22/05/2026"
    assert _row_starting(rows, "Lugar de entrega")[1] == PLACE
    header = _row_starting(rows, "No.")
    assert header == (
        "No.",
        "Matrícula",
        "Nombre",
        "Programa educativo",
        "Fecha de entrega",
        "Firma",
    )
    table = rows[rows.index(header) + 1 :]
    by_matricula = {row[1]: row for row in table}
    assert set(by_matricula) == {A, B, C}
    programa = campus.students[B].programa
    assert by_matricula[B][2:] == (_name(campus, B), programa, datetime(2026, 5, 20), None)
    assert by_matricula[A][4] is None  # still to collect: the line waits for date and signature
    sheet = load_workbook(out)["FOR-24-02 lote 1"]
    delivered_row = rows.index(by_matricula[B]) + 1  # 1-based in the sheet
    assert sheet.cell(row=delivered_row, column=5).number_format == "DD/MM/YYYY"
    first = rows.index(header) + 1
    assert sheet.print_title_rows == f"${first}:${first}"  # the header on every page


def test_section_7_for_24_02_is_kept_two_years_and_not_longer(
    campus: Campus, tmp_path: Path
) -> None:
    campus.cli("credenciales", "delivered", A, now=at(D(2026, 5, 29), 10))
    out = tmp_path / "log.xlsx"
    campus.cli("credenciales", "log", "1", "--out", str(out), now=at(D(2028, 5, 20), 9))
    assert {row[1] for row in _rows(out, "FOR-24-02 lote 1")[10:]} == {A, B, C}
    campus.cli("credenciales", "log", "1", "--out", str(out), now=at(D(2028, 5, 21), 9))
    assert {row[1] for row in _rows(out, "FOR-24-02 lote 1")[10:]} == {A}  # B, C: 2 years gone

    campus.cli("purge", now=at(D(2028, 6, 1), 3))
    result = CliRunner().invoke(
        afilia,
        ["--config", str(campus.deployment.config_path), "credenciales", "log", "1",
         "--out", str(tmp_path / "again.xlsx"), "--now", "2028-06-01T09:00"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "past its 2-year retention" in result.output
    with transaction(campus.app.sessions) as session:
        assert session.scalars(select(CredentialPrintRow)).all() == []
    # still delivered, never re-printed
    assert campus.cli("credenciales", "pending") == "no cards to print or deliver\n"


def test_paso_9_returner_who_did_not_re_stamp_is_listed_once_the_window_closes(
    campus: Campus,
) -> None:
    assert campus.cli("resello", "pending", now=at(D(2026, 5, 25), 18)) == (
        "no resellos overdue on 25/05/2026\n"
    )
    listed = campus.cli("resello", "pending", now=at(D(2026, 5, 26), 9)).splitlines()
    assert listed[0].split() == ["MATRÍCULA", "NOMBRE", "DETAIL"]
    [row] = listed[1:]
    assert row.split()[0] == R2
    assert row.index(_name(campus, R2)) == listed[0].index("NOMBRE")
    assert row.endswith("  plazo de resello vencido el 25/05/2026")
    # not R1 (re-stamped), not T1 (on leave: policy 4.5), not A-C (first term: policy 4.3)
    campus.cli("digest", now=at(D(2026, 5, 26), 7, 30))
    text = unfolded(campus.digest_text(D(2026, 5, 26)))
    assert "SIN RESELLO DESPUÉS DEL PLAZO (1)" in text
    assert f"- {R2} {_name(campus, R2)} (plazo de resello vencido el 25/05/2026)" in text


def test_paso_12_salidas_no_conformes_get_corrective_actions_and_are_followed_up(
    campus: Campus, tmp_path: Path
) -> None:
    late = at(D(2026, 5, 19), 10)
    campus.send(constancia_mail(campus.students[L], late))
    campus.intake(late)
    campus.cli("digest", now=at(D(2026, 5, 27), 7, 30))
    text = unfolded(campus.digest_text(D(2026, 5, 27)))
    assert "SEGUIMIENTO DE SALIDAS NO CONFORMES (acciones correctivas)" in text
    assert "Sin acción correctiva registrada (3):" in text
    assert f"- {A} {_name(campus, A)}: Alta en el IMSS, desde el 04/05/2026." in text
    assert f"- {L} {_name(campus, L)}: Alta en el IMSS, desde el 04/05/2026." in text
    assert f"- {L} {_name(campus, L)}: Entrega de credencial, desde el 04/05/2026." in text
    assert f"{A} {_name(campus, A)}: Entrega de credencial" not in text  # offered in time

    # By mail: A's alta (A's only salida); L has two, so a text naming neither is refused
    # asking which; B has none: refused, with the reason.
    now = at(D(2026, 5, 27), 10)
    body = (
        f"ACCIÓN CORRECTIVA {A}: se solicitó el alta en el IDSE; el portal no respondía\n\n"
        f"ACCIÓN CORRECTIVA {L}: se revisó el expediente\n\n"
        f"ACCIÓN CORRECTIVA {B}: nada que corregir"
    )
    campus.send(staff_mail(now, body, number=1))
    campus.intake(now)
    reply = unfolded(_last_staff_reply(campus))
    assert f"ACCION CORRECTIVA Aplicado (1): {A}" in reply
    assert f"- {L}: indica si es de ALTA o de CREDENCIAL: tiene salidas de ambas" in reply
    assert f"- {B}: no tiene salidas no conformes en el periodo" in reply

    campus.cli("digest", now=at(D(2026, 5, 28), 7, 30))
    text = unfolded(campus.digest_text(D(2026, 5, 28)))
    assert "Sin acción correctiva registrada (2):" in text
    assert "Con acción correctiva, pero sin resolver (1):" in text
    assert (
        f"- {A} {_name(campus, A)}: el alta sigue sin realizarse. Última acción"
        " (27/05/2026 10:00 h, jefa.servicios@ute.example.edu.mx): se solicitó el alta en el"
        " IDSE; el portal no"
        " respondía"
    ) in text

    # By CLI: L's card.
    said = campus.cli(
        "corrective", "add", L, "--kind", "credencial", "--action", "Se imprime en el lote 2",
        now=at(D(2026, 5, 28), 12),
    )  # fmt: skip
    assert f"ok  {L}" in said
    listed = campus.cli("corrective", "list").splitlines()
    assert listed[0].split() == ["RECORDED", "MATRÍCULA", "SALIDA", "BY", "ACTION"]
    assert [line.split()[2:4] for line in listed[1:]] == [[A, "alta"], [L, "credencial"]]
    assert listed[2].startswith("2026-05-28 12:00  ")  # the school's clock
    assert listed[2].endswith("  Se imprime en el lote 2")
    assert campus.cli("corrective", "list", "--matricula", "X9") == "no corrective actions for X9\n"
    history = campus.cli("student", L)
    assert "2026-05-28T12:00-06:00  corrective_action credencial  Se imprime en el lote 2" in (
        history
    )
    pending = campus.cli("corrective", "pending", now=at(D(2026, 5, 28), 13)).splitlines()
    assert pending[0].split() == ["STATE", "MATRÍCULA", "SALIDA", "NOMBRE", "DETAIL"]
    assert sorted(line.split()[:3] for line in pending[1:]) == [
        ["sin_accion", L, "alta"],
        ["sin_resolver", A, "alta"],
        ["sin_resolver", L, "credencial"],
    ]

    # The faults are fixed: nothing left to follow up.
    campus.cli("altas", "done", A, L, now=at(D(2026, 5, 29), 10))
    campus.cli(
        "credenciales", "printed", L, "--from", "2026-05-29", "--until", "2026-05-29",
        "--place", PLACE, now=at(D(2026, 5, 29), 10),
    )  # fmt: skip
    campus.cli("credenciales", "delivered", A, L, now=at(D(2026, 5, 29), 11))
    campus.cli("digest", now=at(D(2026, 6, 1), 7, 30))
    assert "SEGUIMIENTO DE SALIDAS" not in campus.digest_text(D(2026, 6, 1))
    assert campus.cli("corrective", "pending", now=at(D(2026, 6, 1), 9)) == (
        "no salidas no conformes to follow up\n"
    )

    # Paso 12, "informa a Rectoría": the term report.
    out = tmp_path / "informe.xlsx"
    said = campus.cli("report", "term", "--out", str(out), now=at(D(2026, 6, 2), 9))
    assert "term 2026-MAY-AGO" in said
    summary = _rows(out, "Resumen")
    assert summary[0][0] == "Informe del cuatrimestre 2026-MAY-AGO para Rectoría (Alta Dirección)"
    assert _row_starting(summary, "Inicio")[1] == datetime(2026, 5, 4)
    assert _row_starting(summary, "Fin")[1] == datetime(2026, 8, 28)
    assert _row_starting(summary, "Plazo de altas (15 días hábiles)")[1] == datetime(2026, 5, 25)
    assert _row_starting(summary, "Altas en el IMSS")[1:6] == (1, 2, 0, 0, 3)
    credentials = _row_starting(summary, "Credenciales de estudiante")
    assert credentials[1:6] == (3, 1, 0, 0, 4)
    assert _row_starting(summary, "Cuatrimestre 2026-MAY-AGO")[1:4] == (4, 4, 1.0)
    salidas = _rows(out, "Salidas no conformes")
    header = _row_starting(salidas, "Matrícula")
    alta, alta_l, card = salidas[salidas.index(header) + 1 :]
    assert alta[:7] == (
        A, _name(campus, A), "Alta en el IMSS", datetime(2026, 5, 4), datetime(2026, 5, 25),
        "19 (plazo 15)", datetime(2026, 5, 29),
    )  # fmt: skip
    assert alta[7] == (
        "27/05/2026 10:00 (jefa.servicios@ute.example.edu.mx): se solicitó el alta en el IDSE;"
        " el portal no respondía"
    )
    assert alta_l[0] == L
    assert card[:3] == (L, _name(campus, L), "Entrega de credencial")
    assert str(card[7]).startswith("28/05/2026 12:00 (cli:")
    assert "Se imprime en el lote 2" in str(card[7])


def test_paso_12_report_of_an_unknown_term_or_to_a_missing_folder_is_a_clear_error(
    campus: Campus, tmp_path: Path
) -> None:
    config = str(campus.deployment.config_path)
    for args, said in (
        (["--term", "2030-X", "--out", str(tmp_path / "r.xlsx")], "no term named '2030-X'"),
        (["--out", str(tmp_path / "nowhere" / "r.xlsx")], "cannot write"),
    ):
        result = CliRunner().invoke(afilia, ["--config", config, "report", "term", *args])
        assert result.exit_code == 2, result.output
        assert said in result.output
