"""IMSS "Asignación o Localización de Número de Seguridad Social" acuse -> ``NssAcuseFacts``.

High-school students send it instead of a constancia; others send it by mistake. Its
instructions often mention the "constancia de vigencia de derechos", so it is recognised by
its title (see ``recognition``), never by that phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from daemon.documents import value_formats as vf
from daemon.documents.labels import Vocabulary
from daemon.documents.layout import Line, fold, full_text
from daemon.domain.facts import NssAcuseFacts
from daemon.domain.identifiers import curp_is_valid, nss_is_valid

LABELS = Vocabulary(
    {
        "nss": r"(?:NUMERO|NUM\.?|NO\.?) DE SEGURIDAD SOCIAL(?: \(NSS\))?(?: ASIGNADO)?"
        r"|NSS(?: ASIGNADO)?",
        "curp": r"(?:CLAVE )?C\.? ?U\.? ?R\.? ?P\.?"
        r"|CLAVE UNICA DE REGISTRO DE POBLACION(?: \(CURP\))?",
        "nombre": (
            r"NOMBRE(?: COMPLETO)?(?: DEL (?:SOLICITANTE|ASEGURADO|TRABAJADOR|TITULAR))?"
            r"|SOLICITANTE|ASEGURADO(?:\(A\))?|TITULAR|A NOMBRE DE",
            # the letter's greeting: "Estimado(a) MÓNICA ORTIZ ESCOBAR:"
            r"^ESTIMAD[OA](?:\(A\))?|^APRECIABLE",
        ),
    }
)
_GO_TO_SUBDELEGACION = re.compile(r"\bACUD(?:IR|A|E|AS)\s+A\s+(?:LA|SU|TU)\s+SUBDELEGACION")
_CONVERTERS = {"nss": vf.nss_in, "curp": vf.curp_in, "nombre": vf.name}


def is_nss_acuse(text: str) -> bool:
    folded = fold(text)
    return "SEGURIDAD SOCIAL" in folded and ("ASIGNACION" in folded or "LOCALIZACION" in folded)


def parse_nss_acuse(lines: Sequence[Line]) -> NssAcuseFacts:
    read = LABELS.read(lines, _CONVERTERS)
    values = {key: item.value for key, item in read.items()}
    sources = {key: item.source for key, item in read.items()}
    text = full_text(lines)
    for field, valid, everywhere in (
        ("nss", nss_is_valid, vf.all_valid_nss),
        ("curp", curp_is_valid, vf.all_valid_curps),
    ):
        if not valid(values.get(field)):
            printed = everywhere(text)
            if len(printed) == 1:
                values[field], sources[field] = printed.pop(), "pattern"
    # "Acudir a la Subdelegación" is IMSS's answer when it could not assign an NSS online;
    # an acuse that carries an NSS may still say it in its general instructions.
    told_to_go = _GO_TO_SUBDELEGACION.search(fold(text)) is not None
    acudir = told_to_go and not nss_is_valid(values.get("nss"))
    return NssAcuseFacts(
        nss=values.get("nss"),
        curp=values.get("curp"),
        nombre=values.get("nombre"),
        acudir_subdelegacion=acudir,
        sources=tuple(sorted(sources.items())),
    )
