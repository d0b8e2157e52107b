"""A semester through the bachillerato profile (educación media superior): students hand in
the IMSS NSS acuse within 3 days of enrolment; when the portal answered "Acudir a la
Subdelegación", the school's affiliation officer requests the NSS, so the case goes on the
staff's list and the student is told not to go.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from daemon.domain.imss_forms import plain_upper
from tests.integration.procedure.campus import (
    Campus,
    acuse_mail,
    at,
    differences,
    expect,
    matriculas,
    nss_for,
    roster_rows,
    unfolded,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)

ENROLMENT = "Fecha de inscripción"  # the registrar's column
ENROLLED, LATE_ENROLMENT = "21/08/2026", "26/08/2026"
ACUSE = roster_rows(10, seed=11)
SUBDELEGACION = roster_rows(4, seed=11, first=10)
SILENT = roster_rows(8, seed=11, first=14)
LATE = roster_rows(3, seed=11, first=22)  # listed with the others, enrolling on the 26th


def enrolled(rows: list[dict[str, str]], on: str) -> list[dict[str, str]]:
    return [{**row, ENROLMENT: on} for row in rows]


def test_a_semester_with_the_nss_acuse_within_three_days(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "bachillerato")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(
        enrolled(ACUSE + SUBDELEGACION + SILENT, ENROLLED) + enrolled(LATE, LATE_ENROLMENT),
        at(D(2026, 8, 21), 10),
        term=TERM,
    )
    students = campus.students

    def acuses() -> None:
        now = at(START, 8)
        for m in matriculas(ACUSE):
            campus.send(acuse_mail(students[m], now))
        for m in matriculas(SUBDELEGACION):
            campus.send(acuse_mail(students[m], now, subdelegacion=True))
        campus.intake(now)

    altas_pending: list[str] = []
    events = [
        (at(START, 8), acuses),
        (at(D(2026, 8, 25), 12), lambda: altas_pending.append(campus.cli("altas", "pending"))),
        campus.act(at(D(2026, 8, 26), 12), "altas", "done", file_of=matriculas(ACUSE)),
        campus.act(at(D(2026, 8, 27), 12), "altas", "verified", file_of=matriculas(ACUSE)),
    ]
    digests = [D(2026, 8, 25), D(2026, 8, 28)]
    campus.run(D(2026, 8, 20), D(2026, 9, 2), events, digests=digests)

    # Seed 004: "durante los tres días posteriores a la inscripción", from each student's
    # enrolment (21/08, so due 24/08), not from the term start.
    request = [(D(2026, 8, 21), "request_constancia")]
    reminder = "request_constancia_reminder"
    acuse = (START, "nss_acuse_received")
    wanted = expect(
        [
            (
                matriculas(ACUSE),
                [
                    *request,
                    acuse,
                    (D(2026, 8, 27), "alta_done"),  # paso 5: told once seen on the portal
                    (D(2026, 8, 28), "carnet_reminder"),
                ],
            ),
            (matriculas(SUBDELEGACION), [*request, acuse]),
            (  # three calendar days, a reminder each business day
                matriculas(SILENT),
                [*request, (D(2026, 8, 24), reminder)],
            ),
            (
                matriculas(LATE),  # their three days count from their own enrolment
                [(D(2026, 8, 26), "request_constancia")]
                + [(D(2026, 8, d), reminder) for d in (27, 28)],
            ),
        ]
    )
    assert differences(campus.received(), wanted) == {}

    [asked] = campus.texts("request_constancia", matriculas(SILENT)[0])
    assert asked.startswith("Entrega el acuse de tu NSS a más tardar el lunes 24 de agosto")
    [asked_late] = campus.texts("request_constancia", matriculas(LATE)[0])
    assert "a más tardar el sábado 29 de agosto" in asked_late
    # "Acudir a la Subdelegación": the student is told not to go; staff request the NSS.
    [told] = campus.texts("nss_acuse_received", matriculas(SUBDELEGACION)[0])
    assert told.startswith("Recibimos tu acuse: nosotros solicitaremos tu NSS")
    assert "no necesitas ir" in unfolded(told)

    listed = sorted(line.split()[0] for line in altas_pending[0].splitlines()[1:])
    assert listed == sorted(matriculas(ACUSE))
    digest = campus.digest_text(D(2026, 8, 25))
    assert "ALTAS POR REALIZAR EN EL IMSS (10)" in digest
    assert "NSS POR SOLICITAR EN LA SUBDELEGACIÓN (4)" in digest
    section = digest.split("NSS POR SOLICITAR EN LA SUBDELEGACIÓN")[1].split("BAJAS")[0]
    assert sorted(m for m in students if m in section) == sorted(matriculas(SUBDELEGACION))
    # The alta list goes as a CSV the IMSS forms take: the NSS from the acuse, no accents.
    [altas_csv] = [v for k, v in campus.digest_attachments(D(2026, 8, 25)).items() if "altas" in k]
    rows = {row["MATRICULA"]: row for row in csv.DictReader(io.StringIO(altas_csv))}
    assert sorted(rows) == sorted(matriculas(ACUSE))
    someone = students[matriculas(ACUSE)[0]]
    assert rows[someone.matricula]["NSS"] == nss_for(someone)
    assert rows[someone.matricula]["PRIMER APELLIDO"] == plain_upper(someone.apellido_paterno)
    # After the deadline, staff see who never sent the acuse.
    overdue = campus.digest_text(D(2026, 8, 28))
    assert "SIN DOCUMENTO DESPUÉS DEL PLAZO (8)" in overdue
    assert "plazo vencido el 24/08/2026" in overdue
    # The indicator counts those who handed in the acuse: they are entitled to the alta.
    assert f"{TERM}: 0 de 14 (0.0 %)" in overdue
    campus.close()
