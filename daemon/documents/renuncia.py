"""Carta Renuncia al Seguro Facultativo (FOR-24-01) and the IMSS NSS acuse -> facts.

A waiver is typed in Word or filled in as a PDF form, so its AcroForm fields count as much
as its page text (form values win: a form's page text holds only the labels). A signature is
drawn, never typed: it counts when the letter has its "Firma" line and something is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from daemon.documents.constancia import _name, curp_in, nss_in
from daemon.documents.labels import Labels
from daemon.documents.layout import Line, Segment, clean, fold, full_text, lines_of
from daemon.documents.spanish_dates import parse_spanish_date
from daemon.domain.facts import NssAcuseFacts, RenunciaFacts

RENUNCIA_LABELS = Labels(
    {
        "nombre": r"NOMBRE(?: COMPLETO)?(?: DEL (?:ALUMNO|ALUMNA|ESTUDIANTE)(?:\(A\))?)?"
        r"|ALUMNO(?:\(A\))?|ESTUDIANTE",
        "matricula": r"MATRICULA|NUMERO DE CONTROL|NO\.? DE CONTROL",
        "curp": r"CURP",
        "programa": r"PROGRAMA(?: EDUCATIVO| ACADEMICO)?|CARRERA",
        "motivo": r"MOTIVO(?: DE LA RENUNCIA)?|RAZON",
        "fecha": r"(?:LUGAR Y )?FECHA",
        "firma": r"FIRMA(?: DEL (?:ALUMNO|ALUMNA|ESTUDIANTE)(?:\(A\))?)?",
    }
)
_MATRICULA = re.compile(r"[A-Z0-9][A-Z0-9-]{4,19}")


def is_renuncia(text: str) -> bool:
    folded = fold(text)
    return "RENUNCIA" in folded and ("FACULTATIVO" in folded or "FOR-24-01" in folded)


def _form_lines(fields: Sequence[tuple[str, str]]) -> tuple[Line, ...]:
    """Form fields as 'name: value' runs, so one label vocabulary reads both."""
    segments = []
    for i, (name, value) in enumerate(fields):
        label = re.sub(r"^(TXT|FLD|CAMPO|TEXT)[_ ]?", "", fold(name).replace("_", " ")).strip()
        segments.append(Segment(f"{label}: {value}", 0, 0, 100, 20.0 * i, 20.0 * i + 10))
    return lines_of(segments)


def parse_renuncia(
    lines: Sequence[Line], form_fields: Sequence[tuple[str, str]], has_ink: bool
) -> RenunciaFacts:
    typed = RENUNCIA_LABELS.values(lines)
    filled = RENUNCIA_LABELS.values(_form_lines(form_fields))
    candidates = {key: filled.get(key, []) + typed.get(key, []) for key in {*typed, *filled}}

    def first(key: str, convert: object) -> object:
        for raw in candidates.get(key, ()):
            value = convert(raw)  # type: ignore[operator]
            if value:
                return value
        return None

    fecha = first("fecha", parse_spanish_date)
    if fecha is None:  # "Ciudad de México, a 18 de noviembre de 2026" without a label
        fecha = parse_spanish_date(full_text(lines))
    signature_line = "firma" in RENUNCIA_LABELS.labelled(lines)
    signed_field = any("FIRMA" in fold(name) for name, _ in form_fields)
    return RenunciaFacts(
        nombre=first("nombre", _name),  # type: ignore[arg-type]
        matricula=first("matricula", _matricula),  # type: ignore[arg-type]
        curp=first("curp", curp_in),  # type: ignore[arg-type]
        programa=first("programa", _text),  # type: ignore[arg-type]
        motivo=first("motivo", _text),  # type: ignore[arg-type]
        fecha=fecha,  # type: ignore[arg-type]
        has_signature=signed_field or (signature_line and has_ink),
    )


def _matricula(value: str) -> str | None:
    compact = fold(value).strip()
    match = _MATRICULA.fullmatch(compact.split()[0]) if compact else None
    return match.group() if match and any(ch.isdigit() for ch in match.group()) else None


def _text(value: str) -> str | None:
    return clean(value) or None


# --- IMSS NSS acuse -------------------------------------------------------------------------

ACUSE_LABELS = Labels(
    {
        "nss": r"(?:NUMERO|NUM\.?|NO\.?) DE SEGURIDAD SOCIAL(?: \(NSS\))?(?: ASIGNADO)?|NSS",
        "curp": r"CURP",
        "nombre": r"NOMBRE(?: COMPLETO)?",
    }
)


def is_nss_acuse(text: str) -> bool:
    folded = fold(text)
    return (
        "SEGURIDAD SOCIAL" in folded
        and ("ASIGNACION" in folded or "LOCALIZACION" in folded)
        and "VIGENCIA DE DERECHOS" not in folded
    )


def parse_nss_acuse(lines: Sequence[Line]) -> NssAcuseFacts:
    candidates = ACUSE_LABELS.values(lines)
    nss = next((v for v in map(nss_in, candidates.get("nss", ())) if v), None)
    curp = next((v for v in map(curp_in, candidates.get("curp", ())) if v), None)
    nombre = next((v for v in map(_name, candidates.get("nombre", ())) if v), None)
    acudir = "ACUDIR A LA SUBDELEGACION" in fold(full_text(lines))
    return NssAcuseFacts(nss=nss, curp=curp, nombre=nombre, acudir_subdelegacion=acudir)
