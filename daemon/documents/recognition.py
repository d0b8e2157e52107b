"""Which document is this? Decided by its title first, then by its structure.

An NSS acuse's instructions mention the "constancia de vigencia de derechos", a waiver
mentions the constancia it replaces, and a constancia's footer may explain the "asignación
de NSS": words anywhere in the text do not tell a document's kind, its title does. The
title is what the top of the first page says; only when no title names a kind are the
document's own labels counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from daemon.documents.layout import Line, fold
from daemon.domain.outcomes import DocumentKind

_TITLES: tuple[tuple[DocumentKind, re.Pattern[str]], ...] = (
    (
        DocumentKind.NSS_ACUSE,
        re.compile(
            r"(?:ASIGNACION|LOCALIZACION)\b.{0,40}\b(?:NUMERO DE SEGURIDAD SOCIAL|NSS)\b"
            r"|\bACUSE\b.{0,40}\b(?:NUMERO DE SEGURIDAD SOCIAL|NSS)\b"
        ),
    ),
    (DocumentKind.RENUNCIA, re.compile(r"\bRENUNCIA\b|\bFOR-24-01\b")),
    (DocumentKind.CONSTANCIA, re.compile(r"VIGENCIA DE DERECHOS|CONSTANCIA DE VIGENCIA")),
)
_TITLE_LINES = 8
_STRUCTURE: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.CONSTANCIA: (
        "REGISTRO PATRONAL",
        "MODALIDAD",
        "VIGENTE",
        "UNIDAD DE MEDICINA FAMILIAR",
        "UMF",
        "CADENA ORIGINAL",
        "VIGENCIA DE DERECHOS",
    ),
    DocumentKind.RENUNCIA: ("RENUNCIO", "RENUNCIA", "FIRMA", "MATRICULA", "FACULTATIVO"),
    DocumentKind.NSS_ACUSE: ("ASIGNACION", "LOCALIZACION", "ACUSE", "NSS ASIGNADO"),
}


def document_kind(lines: Sequence[Line], form_text: str = "") -> DocumentKind:
    """The kind the title names (the topmost line naming one), else the best structure."""
    first_page = [line for line in lines if line.page == lines[0].page] if lines else []
    for line in first_page[:_TITLE_LINES]:
        folded = fold(line.text)
        for kind, title in _TITLES:
            if title.search(folded):
                return kind
    folded = fold(" ".join(line.text for line in lines) + " " + form_text)
    scores = {
        kind: sum(1 for word in words if word in folded) for kind, words in _STRUCTURE.items()
    }
    if "FACULTATIVO" not in folded and not ("RENUNCI" in folded and "FOR-24" in folded):
        scores[DocumentKind.RENUNCIA] = 0  # a waiver is always of the seguro facultativo
    if "SEGURIDAD SOCIAL" not in folded and "NSS" not in folded:
        scores[DocumentKind.NSS_ACUSE] = 0
    if not ("VIGENCIA" in folded or "VIGENTE" in folded):
        scores[DocumentKind.CONSTANCIA] = 0
    best = max(scores, key=lambda kind: scores[kind])
    return best if scores[best] >= 2 else DocumentKind.UNKNOWN
