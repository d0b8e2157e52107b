"""Cartas renuncia from other designers (issue 8, corpus G): the letter opened by "Quien
suscribe" or "El (la) que suscribe", a matrícula called número de cuenta, the reason called
causa, the degree's kind as the label, and a page an HTML renderer nested inside form
XObjects, whose drawn signature must still be found by its caption."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from daemon.documents.renuncia import parse_renuncia
from daemon.domain.facts import RenunciaFacts
from tests.unit.documents.conftest import page_of, read_one

_TITLE = ("CARTA RENUNCIA AL SEGURO FACULTATIVO DEL IMSS", 115.0, 88.0)


def _waiver(*runs: tuple[str, float, float]) -> RenunciaFacts:
    return parse_renuncia(page_of(_TITLE, *runs), (), ())


@pytest.mark.parametrize("opening", ["Quien suscribe", "El (la) que suscribe", "La suscrita"])
def test_a_letter_opened_by_the_signer_names_the_student(opening: str) -> None:
    facts = _waiver(
        (f"{opening}, DULCE MARÍA ORTIZ QUIROZ, con matrícula 2025430050, CURP", 29, 202),
        ("OIQD050607MGRRRLA2, alumno(a) del programa educativo Ingeniería en", 29, 220),
        ("Tecnologías de la Información de la Universidad Tecnológica de la Sierra Alta,", 29, 236),
        ("expreso mi decisión de renunciar al Seguro Facultativo que otorga el IMSS,", 29, 252),
        ("debido a que cuento con cobertura del servicio de sanidad de SEDENA.", 29, 268),
    )
    assert facts.nombre == "DULCE MARÍA ORTIZ QUIROZ"
    assert facts.matricula == "2025430050"
    assert facts.programa == "Ingeniería en Tecnologías de la Información"
    assert facts.motivo == "cuento con cobertura del servicio de sanidad de SEDENA"


def test_numero_de_cuenta_is_the_matricula_and_causa_de_la_renuncia_the_reason() -> None:
    facts = _waiver(
        ("Número de cuenta:", 57, 147),
        ("2024460043", 171, 147),
        ("Causa de la renuncia:", 56, 207),
        ("Cuento con cobertura del servicio de sanidad de SEDENA.", 184, 207),
    )
    assert facts.matricula == "2024460043"
    assert facts.motivo == "Cuento con cobertura del servicio de sanidad de SEDENA"


def test_the_degrees_kind_as_a_label_gives_the_programme() -> None:
    facts = _waiver(("Licenciatura en:Gestión de Negocios", 47, 184))
    assert facts.programa == "Gestión de Negocios"


def test_a_centred_two_line_header_is_one_label_not_the_cell_beside() -> None:
    """ "Fecha de" / "elaboración:" centred over its column: the lower line is the fecha's
    label, never the programa's value."""
    facts = _waiver(
        ("Programa académico:", 99, 182),
        ("Fecha de", 320, 182),
        ("elaboración:", 312, 193),
        ("Técnico Superior Universitario en Energías", 51, 212),
        ("18-11-2026", 310, 212),
        ("Renovables", 52, 223),
    )
    assert facts.programa == "Técnico Superior Universitario en Energías Renovables"


def _nested_waiver(signed: bool) -> bytes:
    """The whole page drawn inside a form XObject inside another, moved on the page, as
    PyMuPDF's HTML boxes do."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    pdf.beginForm("inner")
    pdf.setFont("Helvetica", 11)
    for k, text in enumerate(
        [
            "CARTA RENUNCIA AL SEGURO FACULTATIVO DEL IMSS",
            "Nombre completo: DULCE MARIA FLORES JIMENEZ",
            "Matricula: 2024460043",
            "Programa educativo: Gastronomia",
            "Fecha: 15/11/2026",
            "Motivo: Cuento con servicio medico del ISSSTE",
        ]
    ):
        pdf.drawString(10, 700 - 18 * k, text)
    if signed:
        path = pdf.beginPath()
        path.moveTo(20, 420)
        path.curveTo(40, 460, 60, 400, 90, 440)
        pdf.drawPath(path)
    pdf.line(10, 410, 200, 410)
    pdf.drawString(10, 396, "Firma del alumno(a)")
    pdf.endForm()
    pdf.beginForm("outer")
    pdf.doForm("inner")
    pdf.endForm()
    pdf.translate(45, -20)
    pdf.doForm("outer")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize("signed", [True, False])
def test_a_signature_drawn_inside_nested_forms_is_found_by_its_caption(signed: bool) -> None:
    reading = read_one(_nested_waiver(signed), "renuncia.pdf")
    assert reading.facts is not None
    assert reading.facts.has_signature is signed  # type: ignore[union-attr]


def test_headers_centred_over_left_aligned_values_are_read_by_column() -> None:
    facts = _waiver(
        ("Nombre:", 101, 155),
        ("Matrícula:", 277, 155),
        ("Licenciatura en:", 446, 155),
        ("Óscar García Zamora", 32, 173),
        ("2024720022", 211, 173),
        ("Gestión de Negocios", 391, 173),
    )
    assert (facts.nombre, facts.matricula, facts.programa) == (
        "ÓSCAR GARCÍA ZAMORA",
        "2024720022",
        "Gestión de Negocios",
    )
