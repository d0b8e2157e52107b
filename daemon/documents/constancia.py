"""Constancia de Vigencia de Derechos: positioned text -> ``ConstanciaFacts``.

Label-driven (see ``labels``): every field is looked up by its label, wherever the layout
put the value, then read by a converter that accepts only a well-formed value (an NSS is 11
digits, a registro patronal a letter and ten digits...). NSS and CURP are also searched in
the whole text when their label is not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from daemon.documents.labels import Labels
from daemon.documents.layout import Line, clean, fold, full_text
from daemon.documents.spanish_dates import parse_spanish_date
from daemon.domain.facts import ConstanciaFacts
from daemon.domain.identifiers import curp_is_valid, nss_is_valid

LABELS = Labels(
    {
        "nss": r"(?:NUMERO|NUM\.?|NO\.?) DE SEGURIDAD SOCIAL(?: \(NSS\))?|N\.? ?S\.? ?S\.?",
        "curp": r"CURP|CLAVE UNICA DE REGISTRO DE POBLACION(?: \(CURP\))?",
        "nombre": r"NOMBRE(?: COMPLETO| DEL ASEGURADO| DEL DERECHOHABIENTE| \(S\))?|ASEGURADO",
        "sexo": r"SEXO|GENERO",
        "fecha_nacimiento": r"FECHA DE NACIMIENTO|F\. ?NACIMIENTO",
        "vigente": r"SITUACION(?: ACTUAL)?|ESTATUS|ESTADO DE (?:LOS )?DERECHOS|VIGENCIA",
        "servicio_medico": r"(?:CON )?DERECHO (?:AL?|DE) (?:LA )?(?:SERVICIO|ATENCION) MEDIC[OA]"
        r"|SERVICIO MEDICO",
        "registro_patronal": r"(?:NUMERO DE |NO\.? DE )?REGISTRO PATRONAL|REG\.? PATRONAL",
        "modalidad": r"MODALIDAD(?: DE ASEGURAMIENTO)?",
        "patron": r"NOMBRE O RAZON SOCIAL|RAZON SOCIAL|NOMBRE DEL PATRON|PATRON|EMPLEADOR",
        "tipo_ultimo_movimiento": r"TIPO DE(?:L)? (?:ULTIMO )?MOVIMIENTO|ULTIMO MOVIMIENTO",
        "fecha_ultimo_movimiento": r"FECHA DE(?:L)? (?:ULTIMO )?MOVIMIENTO",
        "delegacion": r"DELEGACION|SUBDELEGACION|OOAD",
        "umf": r"UMF|U\.M\.F\.|UNIDAD DE MEDICINA FAMILIAR|CLINICA",
        "fecha_expedicion": r"FECHA DE (?:EXPEDICION|EMISION|IMPRESION|CONSULTA)|EXPEDIDA EL"
        r"|FECHA Y HORA DE (?:EXPEDICION|EMISION)",
        "parentesco": r"PARENTESCO",
        "titular": r"(?:NOMBRE DEL )?(?:ASEGURADO )?TITULAR",
        "cadena": r"CADENA ORIGINAL",
        "sello": r"SELLO DIGITAL(?: IMSS)?",
        "serie": r"(?:NUMERO|NO\.?) DE SERIE(?: DEL CERTIFICADO)?",
    }
)

_CURP = re.compile(r"[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d")
_NSS = re.compile(r"(?<!\d)\d(?:[ -]?\d){10}(?!\d)")
_REGISTRO = re.compile(r"[A-Z0-9]\d{10}")


def is_constancia(text: str) -> bool:
    folded = fold(text)
    return "VIGENCIA DE DERECHOS" in folded or "CONSTANCIA DE VIGENCIA" in folded


def nss_in(value: str) -> str | None:
    for match in _NSS.finditer(value):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) == 11:
            return digits
    return None


def curp_in(value: str) -> str | None:
    compact = re.sub(r"[\s-]", "", fold(value))
    match = _CURP.search(compact)
    return match.group() if match else None


def _sexo(value: str) -> str | None:
    word = fold(value).split()[0] if value.strip() else ""
    if word in ("MUJER", "FEMENINO", "M", "F"):
        return "M"
    if word in ("HOMBRE", "MASCULINO", "H"):
        return "H"
    return None


def _vigente(value: str) -> bool | None:
    folded = fold(value)
    if re.search(r"\b(NO VIGENTE|BAJA|SIN DERECHO|SUSPENDID[OA]|INACTIV[OA])\b", folded):
        return False
    if re.search(r"\b(VIGENTE|ACTIV[OA]|CON DERECHO)\b", folded):
        return True
    return None


def _si_no(value: str) -> bool | None:
    word = fold(value).split()[0] if value.strip() else ""
    return {"SI": True, "NO": False}.get(word)


def _registro(value: str) -> str | None:
    compact = re.sub(r"[\s-]", "", fold(value))
    match = _REGISTRO.match(compact)
    return match.group() if match else None


def _modalidad(value: str) -> str | None:
    match = re.match(r"\s*(\d{1,2})(?!\d)", value)
    return match.group(1) if match else None


def _name(value: str) -> str | None:
    text = clean(value)
    # a name has letters only (spaces, dots, apostrophes); anything else is another field
    if not text or not re.fullmatch(r"[^\W\d_][^\W\d_ .'´-]*(?: [^\W\d_ .'´-]+\.?)*", text):
        return None
    return text.upper()


def _text(value: str) -> str | None:
    return clean(value) or None


def _relation(value: str) -> str | None:
    text = clean(value).upper()
    return text if text and re.match(r"[^\W\d_]", text) else None


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "nss": nss_in,
    "curp": curp_in,
    "nombre": _name,
    "sexo": _sexo,
    "fecha_nacimiento": parse_spanish_date,
    "vigente": _vigente,
    "servicio_medico": _si_no,
    "registro_patronal": _registro,
    "modalidad": _modalidad,
    "patron": _text,
    "tipo_ultimo_movimiento": _relation,
    "fecha_ultimo_movimiento": parse_spanish_date,
    "delegacion": _text,
    "umf": _text,
    "fecha_expedicion": parse_spanish_date,
    "parentesco": _relation,
    "titular": _name,
}


def parse_constancia(lines: Sequence[Line]) -> ConstanciaFacts:
    candidates = LABELS.values(lines)
    found: dict[str, Any] = {}
    for name, convert in _CONVERTERS.items():
        for raw in candidates.get(name, ()):
            value = convert(raw)
            if value is not None:
                found[name] = value
                break
    text = full_text(lines)
    if "nss" not in found:
        found["nss"] = _first_valid(nss_in, nss_is_valid, text)
    if "curp" not in found:
        found["curp"] = _first_valid(curp_in, curp_is_valid, text)
    seal_parts = {"cadena", "sello", "serie"} & set(candidates)
    found["has_seal"] = len(seal_parts) >= 2
    return ConstanciaFacts(**found)


def _first_valid(
    extract: Callable[[str], str | None], valid: Callable[[str], bool], text: str
) -> str | None:
    for line in text.splitlines():
        value = extract(line)
        if value and valid(value):
            return value
    return None


def looks_complete(facts: ConstanciaFacts) -> bool:
    """The fast path is trusted only when the fields every decision needs came out well."""
    essentials: tuple[object, ...] = (facts.fecha_expedicion, facts.vigente, facts.nombre)
    if any(value is None for value in essentials):
        return False
    if not (nss_is_valid(facts.nss) and curp_is_valid(facts.curp)):
        return False
    if facts.vigente and (facts.modalidad is None or facts.registro_patronal is None):
        return False
    return facts.fecha_nacimiento is None or isinstance(facts.fecha_nacimiento, date)
