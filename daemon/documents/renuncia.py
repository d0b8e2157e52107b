"""Carta Renuncia al Seguro Facultativo (FOR-24-01) -> ``RenunciaFacts``.

A waiver comes three ways: the school's form typed in Word, the same form filled in as a
PDF form (AcroForm values are not page text; form values win), or a letter the student
wrote ("Yo, NOMBRE, con matrícula N y CURP C, renuncio…"). A signature is drawn, never
typed: it counts when the letter has its signature line ("Firma", "Nombre y firma del
alumno(a)") and something is drawn. ``places`` records which fields had a place on the
page, so only a field whose empty place was seen can be called missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from daemon.documents import value_formats as vf
from daemon.documents.labels import STOPPER, Hit, Vocabulary, empty_places
from daemon.documents.layout import Line, Segment, clean, fold, full_text, lines_of
from daemon.documents.spanish_dates import parse_spanish_date
from daemon.domain.facts import RenunciaFacts

LABELS = Vocabulary(
    {
        "nombre": (
            r"NOMBRE(?: COMPLETO)?(?: DEL (?:ALUMNO|ALUMNA|ESTUDIANTE)(?:\(A\))?)?|NOMBRE\(S\)",
            r"^ALUMNO(?:\(A\))?|^ESTUDIANTE",
        ),
        "matricula": r"(?:(?:NUMERO|NUM\.?|NO\.?)(?: DE)? )?MATRICULA(?: ESCOLAR| INSTITUCIONAL)?"
        r"|(?:NUMERO|NO\.?|NUM\.?) DE (?:CONTROL|CUENTA)",
        "curp": r"CURP",
        "programa": (
            r"PROGRAMA(?: EDUCATIVO| ACADEMICO)?|CARRERA",
            # "Licenciatura en: Gestión de Negocios": the degree's kind is the label
            r"^:(?:LICENCIATURA|INGENIERIA|TSU|T\.S\.U\.|TECNICO SUPERIOR UNIVERSITARIO) EN",
        ),
        "motivo": r"(?:MOTIVO|RAZON|CAUSA)S?(?:\(S\))?(?: DE (?:LA )?RENUNCIA"
        r"| POR (?:EL|LA) QUE (?:SE )?RENUNCIA)?",
        "fecha": r"(?:LUGAR Y )?FECHA(?: DE (?:ELABORACION|FIRMA|SOLICITUD|EMISION|EXPEDICION))?",
        # The signature's place: its caption, or a letter's closing ("Atentamente") with the
        # signature drawn over the signer's name below it.
        "firma": (
            r"(?:NOMBRE,? Y )?FIRMA(?: AUTOGRAFA)?(?: DE CONFORMIDAD)?"
            r"(?: DEL? (?:LA )?(?:ALUMNO|ALUMNA|ESTUDIANTE|INTERESADO|INTERESADA|SOLICITANTE)"
            r"(?:\(A\))?)?|RUBRICA",
            r"^ATENTAMENTE|^A T E N T A M E N T E|^RESPETUOSAMENTE|^CORDIALMENTE"
            r"|^PROTESTO LO NECESARIO|FIRMO|FIRMANTE",
        ),
        STOPPER: r"CUATRIMESTRE|SEMESTRE|GRUPO|TURNO|TELEFONO|CORREO(?: ELECTRONICO)?"
        r"|NSS|NUMERO DE SEGURIDAD SOCIAL",
    }
)
_MATRICULA = re.compile(r"[A-Z0-9][A-Z0-9-]{4,19}")
# "Yo, ANA MARÍA GÓMEZ NÚÑEZ, con matrícula UTE2026001 y CURP GOMA…": the letter form.
_LETTER_NAME = re.compile(
    r"(?:\bYO|\bQUIEN SUSCRIBE|\b(?:EL|LA)(?:\s*\((?:EL|LA)\))?\s+QUE SUSCRIBE"
    r"|\bEL SUSCRITO(?:\s*\(A\))?|\bLA SUSCRITA),?\s+(?:(?:EL|LA)\s+)?(?:C\.\s*)?"
    r"(?:ALUMN[OA](?:\(A\))?\s+)?([A-ZÑ][A-ZÑ .'´]+?)"
    r"(?:\s*,|\s+(?:CON|ALUMN[OA]|ESTUDIANTE|INSCRIT[OA]|IDENTIFICAD[OA])\b)"
)
_LETTER_MATRICULA = re.compile(
    r"\b(?:MATRICULA|(?:NUMERO|NO\.?) DE (?:CONTROL|CUENTA))"
    r"(?:\s+(?:ESCOLAR|INSTITUCIONAL|NUMERO|NO\.?))*\s*:?\s*"
    r"([A-Z0-9][A-Z0-9-]{4,19})"
)


# "alumno(a) de TSU EN MANTENIMIENTO INDUSTRIAL con matrícula…", "inscrito en la carrera de
# Gastronomía, …": the programme the letter names, up to the words that start the next clause.
_STUDENT_OF = r"\b(?:ALUMN[OA](?:\(A\))?|ESTUDIANTE|INSCRIT[OA](?:\(A\))?)\s+(?:DE(?:L)?\s+|EN\s+)?"
_CLAUSE_END = (
    r"(?=\s*(?:,|\bCON\b|\bY\s+(?:CON|CURP|MATRICULA|NUMERO)\b|\bDEL?\s+(?:CUATRI|SEMES|GRUPO)"
    r"|\bEN\s+EL\s+(?:CUATRI|SEMES|GRUPO|TURNO)|\bMATRICULA\b|\bPOR\b|\.\s))"
)
_LETTER_PROGRAMA = (
    re.compile(
        _STUDENT_OF + r"(?:LA\s+)?(?:CARRERA|(?:EL\s+)?PROGRAMA(?:\s+EDUCATIVO)?)\s+(?:DE\s+)?"
        r"([A-Z][A-Z .]*?)" + _CLAUSE_END
    ),
    re.compile(
        _STUDENT_OF + r"((?:TSU|T\.S\.U\.|TECNICO|INGENIERIA|LICENCIATURA|LIC\.|ING\.|MAESTRIA"
        r"|BACHILLERATO)\b[A-Z .]*?)" + _CLAUSE_END
    ),
)


# "…renuncio al Seguro Facultativo ya que cuento con servicio médico del ISSSTE.": a letter
# gives its reason after a connective, up to the end of the sentence.
_LETTER_MOTIVO = re.compile(
    r"\bRENUNCI(?:O|A|AR|E)\b.{0,200}?\b(?:YA QUE|DEBIDO A QUE|PUESTO QUE|TODA VEZ QUE|DADO QUE"
    r"|EN VIRTUD DE QUE|POR (?:EL )?MOTIVO DE(?: QUE)?|PORQUE|EN RAZON DE QUE)\s*:?\s+"
    r"(.{6,240}?)(?=\.\s|\.$|$)",
    re.DOTALL,
)


def is_renuncia(text: str) -> bool:
    folded = fold(text)
    return ("RENUNCIA" in folded or "RENUNCIO" in folded) and (
        "FACULTATIVO" in folded or "FOR-24-01" in folded
    )


def _form_names(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(field, value) of the form fields whose names say which field they are."""
    out = []
    for name, value in fields:
        for hit in LABELS.hits(_form_lines([(name, "x")])):
            if hit.field != STOPPER:
                out.append((hit.field, value.strip()))
                break
    return out


def _form_lines(fields: Sequence[tuple[str, str]]) -> tuple[Line, ...]:
    """Form fields as 'name: value' runs, so one label vocabulary reads both."""
    segments = []
    for i, (name, value) in enumerate(fields):
        label = re.sub(r"^(TXT|FLD|CAMPO|TEXT)[_ ]?", "", fold(name).replace("_", " ")).strip()
        segments.append(Segment(f"{label}: {value}", 0, 0, 100, 20.0 * i, 20.0 * i + 10))
    return lines_of(segments)


_CONVERTERS = {
    "nombre": vf.name,
    "matricula": lambda v: _matricula(v),
    "curp": vf.curp_in,
    "programa": lambda v: _programa(v),
    "motivo": vf.text,
    "fecha": parse_spanish_date,
}


def parse_renuncia(
    lines: Sequence[Line],
    form_fields: Sequence[tuple[str, str]],
    ink: Sequence[tuple[int, float, float, float, float]],
) -> RenunciaFacts:
    """``ink``: boxes (page, x0, top, x1, bottom) of what is drawn on the page."""
    filled = LABELS.read(_form_lines(form_fields), _CONVERTERS)
    hits = LABELS.hits(lines)
    typed = LABELS.read(lines, _CONVERTERS, hits)
    values = {key: item.value for key, item in typed.items()}
    sources = {key: item.source for key, item in typed.items()}
    for key, item in filled.items():
        values[key], sources[key] = item.value, "form"
    text = full_text(lines)
    folded = fold(text)
    _letter(values, sources, text, folded)
    if values.get("fecha") is None:  # "Ciudad de México, a 18 de noviembre de 2026"
        fecha = parse_spanish_date(full_text(lines))
        if fecha is not None:
            values["fecha"], sources["fecha"] = fecha, "text"
    # A field is proven missing only where its place is seen empty: a label with nothing by
    # it, a blank to fill in, an empty form field. A label next to text we could not read
    # proves nothing.
    places = empty_places(lines, hits) | _blanks(folded)
    places |= {name for name, value in _form_names(form_fields) if not value}
    signature_places = _signature_places(lines, hits, values.get("nombre"))  # type: ignore[arg-type]
    if signature_places:
        places.add("firma")  # the signature's place was seen: ink there or not
    signed_field = any("FIRMA" in fold(name) for name, _ in form_fields)
    if signed_field:
        places.add("firma")
    return RenunciaFacts(
        nombre=values.get("nombre"),
        matricula=values.get("matricula"),
        curp=values.get("curp"),
        programa=values.get("programa"),
        motivo=values.get("motivo"),
        fecha=values.get("fecha"),
        has_signature=signed_field or _signed(signature_places, ink),
        places=tuple(sorted(places)),
        sources=tuple(sorted(sources.items())),
    )


_SIGNATURE_REACH = 150.0  # points above or below its caption where a signature is drawn


def _signature_places(
    lines: Sequence[Line], hits: Sequence[Hit], nombre: str | None
) -> list[tuple[int, float, float, float, float]]:
    """Where a signature goes: by its caption ("Firma del alumno", "Atentamente"), or over
    the signer's name printed alone at the foot of a letter. (page, x0, top, x1, bottom)."""
    places = []
    for hit in hits:
        if hit.field == "firma":
            line = lines[hit.line]
            places.append((line.page, hit.x0, line.top, hit.x1, line.bottom))
    wanted = _name_key(nombre)
    if wanted:
        foot = {
            page: 0.45 * max(ln.top for ln in lines if ln.page == page)
            for page in {ln.page for ln in lines}
        }
        for line in lines:
            if line.top > foot[line.page] and _name_key(line.text) == wanted:
                first, last = line.segments[0], line.segments[-1]
                places.append((line.page, first.x0, line.top, last.x1, line.bottom))
    return places


def _name_key(text: str | None) -> frozenset[str]:
    return frozenset(re.findall(r"[A-Z]{2,}", fold(text or "")))


def _signed(
    places: Sequence[tuple[int, float, float, float, float]],
    ink: Sequence[tuple[int, float, float, float, float]],
) -> bool:
    """Something drawn by a signature's place: not a logo in the header, not a table rule."""
    for page, px0, ptop, px1, pbottom in places:
        for ink_page, x0, top, x1, bottom in ink:
            if ink_page != page:
                continue
            near = top - _SIGNATURE_REACH <= pbottom and bottom + _SIGNATURE_REACH >= ptop
            beside = x1 >= px0 - 160 and x0 <= px1 + 160
            if near and beside:
                return True
    return False


def _letter(values: dict[str, object], sources: dict[str, str], text: str, folded: str) -> None:
    """The letter form: name, matrícula and CURP inside the opening sentence (``folded``
    has the length of ``text``, so a match in one slices the other)."""
    if values.get("nombre") is None:
        match = _LETTER_NAME.search(folded)
        found = vf.name(text[match.start(1) : match.end(1)]) if match else None
        if found:
            values["nombre"], sources["nombre"] = found, "letter"
    if values.get("matricula") is None:
        match = _LETTER_MATRICULA.search(folded)
        found = _matricula(match.group(1)) if match else None
        if found:
            values["matricula"], sources["matricula"] = found, "letter"
    if values.get("programa") is None:
        match = next((m for p in _LETTER_PROGRAMA if (m := p.search(folded))), None)
        found = _programa(" ".join(text[match.start(1) : match.end(1)].split())) if match else None
        if found:
            values["programa"], sources["programa"] = found, "letter"
    if values.get("motivo") is None:
        match = _LETTER_MOTIVO.search(folded)
        found = vf.text(" ".join(text[match.start(1) : match.end(1)].split())) if match else None
        if found:
            values["motivo"], sources["motivo"] = found, "letter"
    if values.get("curp") is None:
        found = vf.curp_in(folded[folded.find("CURP") :]) if "CURP" in folded else None
        if found:
            values["curp"], sources["curp"] = found, "letter"


_BLANK = r"(?:_{3,}|\.{5,})"
_BLANK_PLACES = {
    "fecha": re.compile(rf"\bA\s+{_BLANK}\s+DE\s+{_BLANK}|FECHA\s*:?\s*{_BLANK}"),
    "matricula": re.compile(rf"(?:MATRICULA|NUMERO DE CONTROL)\s*:?\s*{_BLANK}"),
    "nombre": re.compile(rf"\bYO,?\s+{_BLANK}|NOMBRE[A-Z ]*\s*:?\s*{_BLANK}"),
}


def _blanks(folded: str) -> set[str]:
    """Fields left as a blank to fill in ("a ____ de ______", "matrícula _______")."""
    return {field for field, blank in _BLANK_PLACES.items() if blank.search(folded)}


# A programme's name ends where the letter goes on to name the school or the next fact:
# "Ingeniería en Mecatrónica de la Universidad Tecnológica…, expreso…".
_PROGRAMA_END = re.compile(
    r"\s+(?:DE|EN)\s+(?:LA|ESTA)\s+(?:UNIVERSIDAD|INSTITUCION|ESCUELA)\b|\s+DEL\s+INSTITUTO\b"
    r"|\s*,|\s+CON\s+(?:MATRICULA|NUMERO)\b|\s+(?:MATRICULA|CURP)\b"
)


def _programa(value: str) -> str | None:
    end = _PROGRAMA_END.search(fold(value))
    return vf.text(value[: end.start()] if end else value)


def _matricula(value: str) -> str | None:
    compact = fold(clean(value)).strip()
    match = _MATRICULA.fullmatch(compact.split()[0]) if compact else None
    if match is None or not any(ch.isdigit() for ch in match.group()):
        return None
    return None if vf.curp_in(match.group()) else match.group()  # a CURP is not a matrícula
