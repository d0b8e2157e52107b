"""The one document afilia writes: the hoja de afiliación as a PDF (fpdf2).

Plain text on a letter page, label and value on one line each, in the standard Helvetica
font (Spanish accents are in its Latin-1 set), so the student's clinic, a screen reader and
our own text extraction read the same words. Byte for byte repeatable: the PDF's creation
date is the day it was issued, never the clock.
"""

from __future__ import annotations

from datetime import datetime, time

from fpdf import FPDF

from daemon.domain.hoja_afiliacion import HojaDeAfiliacion

MEDIA_TYPE = "application/pdf"


def filename(hoja: HojaDeAfiliacion) -> str:
    return f"hoja-de-afiliacion-{hoja.matricula}.pdf"


def hoja_pdf(hoja: HojaDeAfiliacion) -> bytes:
    """The sheet: school, the student's identifiers, programa, since when and under which
    registro patronal the school insures them (seguro facultativo, modalidad 32)."""
    pdf = FPDF(format="letter")
    pdf.set_creation_date(datetime.combine(hoja.emitida_el, time(0, 0)))
    pdf.set_title("Hoja de afiliación al seguro facultativo del IMSS")
    pdf.set_author(_latin1(hoja.escuela))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(hoja.escuela), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "HOJA DE AFILIACIÓN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        "Seguro facultativo del IMSS (modalidad 32)",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(8)
    for label, value in (
        ("Nombre", hoja.nombre),
        ("Matrícula", hoja.matricula),
        ("CURP", hoja.curp),
        ("NSS", hoja.nss),
        ("Programa educativo", hoja.programa or "-"),
        ("Registro patronal", hoja.registro_patronal),
        ("Modalidad", "32"),
        ("Afiliado desde", f"{hoja.afiliado_desde:%d/%m/%Y} ({hoja.origen})"),
        ("Fecha de emisión", f"{hoja.emitida_el:%d/%m/%Y}"),
    ):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(50, 8, f"{label}:")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 8, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        "Presenta esta hoja en tu Unidad de Medicina Familiar (UMF) para tramitar tu carnet "
        "de citas médicas. El trámite del carnet es responsabilidad del asegurado.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """Helvetica covers Latin-1: Spanish prints as is; anything else is replaced, not fatal."""
    return text.encode("latin-1", "replace").decode("latin-1")
