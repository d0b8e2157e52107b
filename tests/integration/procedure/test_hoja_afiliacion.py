"""Seed 002 through the tec-carnet profile (the TecNM leaflet, procedures/002): "Si tu
constancia de vigencia de derechos se encuentra vigente, solicita ... tu Hoja de
Afiliación". Students ask by mail; afilia answers with a PDF written from the stored data
when the school insures them (our alta, or a constancia with our registro), and otherwise
with a neutral reply asking for the constancia first. A request that brings the
constancia gets the hoja at once when that constancia shows our registro. Real inbox,
parser, templates.
"""

from __future__ import annotations

import email
import io
from datetime import date
from email import policy as email_policy
from pathlib import Path

import pytest

from daemon.documents.pdf_text import read_pdfium
from tests.conftest import OUR_REGISTRO
from tests.fixtures.documents import insured_here
from tests.integration.procedure.campus import (
    Campus,
    at,
    constancia_mail,
    matriculas,
    nss_for,
    request_mail,
    roster_rows,
    student_of,
    unfolded,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-AGO-DIC", D(2026, 8, 24), D(2026, 12, 11)

ROWS = roster_rows(6, seed=31)
REGISTERED, INSURED, WAITING, SILENT, SENDS_IT, SENDS_OURS = matriculas(ROWS)
STRANGER = student_of(roster_rows(1, seed=31, first=6)[0])  # not on the roster


def _logo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


def _attachments(raw: bytes) -> dict[str, bytes]:
    message = email.message_from_bytes(raw, policy=email_policy.default)
    return {
        part.get_filename() or "": part.get_payload(decode=True)
        for part in message.iter_attachments()  # type: ignore[attr-defined]
    }


def test_seed_002_hoja_de_afiliacion_by_mail_only_when_insured_here(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "tec-carnet")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(ROWS, at(D(2026, 8, 20), 10), term=TERM)
    students = campus.students

    sent = at(D(2026, 8, 25), 10)
    campus.send(constancia_mail(students[REGISTERED], sent))
    campus.send(constancia_mail(students[WAITING], sent))
    campus.send(constancia_mail(students[INSURED], sent, insured_here()))
    campus.intake(sent)
    campus.cli("altas", "done", REGISTERED, now=at(D(2026, 8, 27), 19, 30))

    asked = at(D(2026, 9, 1), 10)
    body = "Buenas tardes.\nSolicito mi hoja de afiliación para tramitar mi carnet.\nGracias"
    for who in (students[m] for m in (REGISTERED, WAITING, SILENT)):
        campus.send(request_mail(who, asked, "Hoja de afiliación", body))
    # A mail client's signature logo does not make the request a document.
    logo = (("logo.jpg", _logo()),)
    campus.send(request_mail(students[INSURED], asked, "Hoja de afiliación", body, logo))
    campus.send(request_mail(STRANGER, asked, "Hoja de afiliación", body))
    # The leaflet: without a hoja, send the vigencia. The constancia is decided as usual;
    # when it shows our registro, the hoja comes with the reply.
    for matricula, truth in ((SENDS_IT, None), (SENDS_OURS, insured_here())):
        with_constancia = constancia_mail(students[matricula], asked, truth).replace(
            b"Subject: Constancia de vigencia", b"Subject: Hoja de afiliacion"
        )
        assert b"Subject: Hoja de afiliacion" in with_constancia
        campus.send(with_constancia)
    campus.intake(asked)

    replies = {
        m.matricula or m.recipient: m
        for m in campus.outbox()
        if m.created_at.astimezone(asked.tzinfo).date() == asked.date() and m.purpose != "review"
    }
    assert {k: m.template for k, m in replies.items()} == {
        REGISTERED: "hoja_afiliacion_sent",
        INSURED: "hoja_afiliacion_sent",
        WAITING: "hoja_afiliacion_pending",
        SILENT: "hoja_afiliacion_pending",
        SENDS_IT: "accepted_not_insured",
        SENDS_OURS: "hoja_afiliacion_sent",
        STRANGER.email_institucional: "not_enrolled",
    }

    # The PDF carries the stored data, readable by our own text extraction.
    def hoja_text(matricula: str) -> str:
        files = _attachments(replies[matricula].raw)
        assert list(files) == [f"hoja-de-afiliacion-{matricula}.pdf"]
        pdf = read_pdfium(files[f"hoja-de-afiliacion-{matricula}.pdf"], 5)
        return "\n".join(line.text for line in pdf.lines)

    for matricula, since in (
        (REGISTERED, "Afiliado desde: 27/08/2026 (alta en el IMSS)"),  # local date of the alta
        (INSURED, "Afiliado desde: 24/08/2026 (constancia de vigencia de derechos)"),
        (SENDS_OURS, "Afiliado desde: 31/08/2026 (constancia de vigencia de derechos)"),
    ):
        student = students[matricula]
        text = hoja_text(matricula)
        for expected in (
            "Universidad Tecnológica de Ejemplo",
            f"Nombre: {student.nombre_completo}",
            f"Matrícula: {matricula}",
            f"CURP: {student.curp}",
            f"NSS: {nss_for(student)}",
            f"Programa educativo: {student.programa}",
            f"Registro patronal: {OUR_REGISTRO}",
            since,
            "Fecha de emisión: 01/09/2026",
        ):
            assert expected in text, (matricula, expected)
    [sent_text] = campus.texts("hoja_afiliacion_sent", REGISTERED)
    assert "Te enviamos adjunta, en PDF, tu hoja de afiliación" in unfolded(sent_text)
    assert "Comprobante de domicilio" in sent_text

    # The constancia sent with the request is on file: the case counts it from now on.
    student_view = campus.cli("student", SENDS_OURS)
    assert "documento: accepted_insured_here" in student_view
    assert "decision hoja_afiliacion_sent" in student_view

    # Not insured on our records: nothing printed, a neutral reply saying what we need.
    for matricula in (WAITING, SILENT):
        assert _attachments(replies[matricula].raw) == {}
        [pending] = campus.texts("hoja_afiliacion_pending", matricula)
        pending = unfolded(pending)
        assert "Envíanos primero tu Constancia de Vigencia de Derechos en PDF" in pending
        assert "no estás" not in pending.lower()
    campus.close()
