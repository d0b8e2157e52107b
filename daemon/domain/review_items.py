"""What staff are shown about one review item: the reason in Spanish and the fields read.

The review mail (one per item) and ``afilia review show`` print the same thing, built here
from what the store kept: the decision's outcome and reasons, and the document's stored
fields. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from daemon.domain.outcomes import Outcome
from daemon.domain.reason_texts import reasons_in_spanish

# Why an item is in the queue, short enough for a subject line (needs_review items carry
# their own Spanish motivo as the first reason instead).
_SHORT_REASONS: dict[str, str] = {
    Outcome.UNREADABLE: "Documento ilegible o desconocido",
    Outcome.IDENTITY_MISMATCH: "Datos que no coinciden con el remitente",
    Outcome.NOT_ENROLLED: "No está en el padrón",
    Outcome.NO_ATTACHMENT: "Correo sin documento",
    Outcome.CARNET_RECEIVED: "Carnet para el expediente",
    Outcome.COVERED_OTHER_REGIME: "Cubierto por otro régimen: confirmar",
    Outcome.NEEDS_REVIEW: "Documento por revisar",
}
_SUBJECT_REASON_CHARS = 70

_FIELD_LABELS: dict[str, str] = {
    "nombre": "Nombre",
    "curp": "CURP",
    "nss": "NSS",
    "matricula": "Matrícula",
    "programa": "Programa",
    "fecha_expedicion": "Fecha de expedición",
    "vigente": "Situación",
    "servicio_medico": "Servicio médico",
    "registro_patronal": "Registro patronal",
    "modalidad": "Modalidad",
    "patron": "Nombre o razón social",
    "motivo": "Motivo de la renuncia",
    "fecha": "Fecha",
    "firma": "Firma",
    "acudir_subdelegacion": "Acudir a la Subdelegación",
}
_NOT_READ = "(no se leyó)"
_KINDS = {
    "constancia": "Constancia de Vigencia de Derechos",
    "renuncia": "Carta renuncia",
    "nss_acuse": "Acuse de NSS",
    "unknown": "documento desconocido",
}
_CONFIDENCE = {"text": "capa de texto del PDF", "ocr": "leído con OCR", "none": "sin texto"}
_PROBLEMS = {
    "no_text": "sin texto: foto o escaneo",
    "unknown_document": "no es un documento conocido",
    "unsafe": "archivo inseguro",
}


def reason_of(outcome: str, reasons: Sequence[Any]) -> str:
    """The Spanish reason staff read: a needs_review decision's first reason is its motivo."""
    if outcome == Outcome.NEEDS_REVIEW and reasons:
        return str(reasons[0])
    return _SHORT_REASONS.get(outcome, outcome)


def technical_detail(outcome: str, reasons: Sequence[Any]) -> str:
    """The rest of the reasons, in Spanish (``reason_texts``) like everything staff read."""
    rest = list(reasons[1:]) if outcome == Outcome.NEEDS_REVIEW else list(reasons)
    return "; ".join(reasons_in_spanish(rest))


def short_reason(outcome: str, reasons: Sequence[Any]) -> str:
    reason = reason_of(outcome, reasons)
    if len(reason) <= _SUBJECT_REASON_CHARS:
        return reason[:1].upper() + reason[1:]
    cut = reason[:_SUBJECT_REASON_CHARS].rsplit(" ", 1)[0]
    return cut[:1].upper() + cut[1:] + "…"


def field_lines(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(Spanish label, value as staff read it on the page) for each stored field."""
    lines = []
    for name, value in fields.items():
        label = _FIELD_LABELS.get(name, name)
        lines.append((label, _shown(name, value)))
    return lines


def document_label(kind: str, confidence: str, problem: str | None) -> str:
    """ "Constancia de Vigencia de Derechos, capa de texto del PDF" and the reading problem."""
    parts = [_KINDS.get(kind, kind), _CONFIDENCE.get(confidence, confidence)]
    if problem:
        parts.append(_PROBLEMS.get(problem, problem))
    return ", ".join(p for p in parts if p)


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return _NOT_READ
    if name == "vigente":
        return "VIGENTE" if value else "BAJA"
    if isinstance(value, bool):
        return "SÍ" if value else "NO"
    if name in ("fecha_expedicion", "fecha") and isinstance(value, str) and len(value) == 10:
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return str(value)


__all__ = ["document_label", "field_lines", "reason_of", "short_reason", "technical_detail"]
