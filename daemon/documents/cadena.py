"""The *cadena original*: the ``||…|…||`` record a constancia's digital seal signs.

It repeats folio, NSS, CURP, name, situación, registro patronal, modalidad and a timestamp
in a fixed record, whatever the page layout, so it is a second, layout-free reading of the
decisive fields. Its order differs between producers, so each part is recognised by its
shape (an NSS passes Luhn, a CURP its check digit...), never by its position. When the
printed fields disagree with it, somebody edited the page: staff must look.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from daemon.documents.layout import Line, fold
from daemon.domain.identifiers import curp_is_valid, nss_is_valid

# Closed by "||" at the end of a line or before a space (empty fields "|||" are inside).
_RECORD = re.compile(r"\|\|(.+?)\|\|(?=\s|$)", re.S)
_LABELLED_RECORD = re.compile(
    r"CADENA ORIGINAL[^\n|:]{0,40}:?\s*(.+?)(?=SELLO|N(?:O|UMERO)\.? DE SERIE|\Z)", re.S
)
_REGISTRO = re.compile(r"[A-Z]\d{10}")
# the Ley del Seguro Social's modalidades of insurance (a clinic's number is some other one)
_MODALIDADES = frozenset(
    {"10", "13", "14", "17", "30", "32", "33", "34", "35", "36", "38", "40", "42", "43", "44"}
)
_DATETIME = re.compile(
    r"(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ]?(\d{2}):(\d{2}))?"
    r"|(\d{2})[-/](\d{2})[-/](\d{4})(?:[T ]?(\d{2}):(\d{2}))?"
)
_SITUACION = {"VIGENTE": True, "BAJA": False, "NOVIGENTE": False}
# "NSS:2213…", "NOMBRE=IVÁN …": a producer that names each field (the name is dropped; each
# part is still recognised by its shape)
_KEY = re.compile(r"^\s*[A-Z][A-Z_. ]{1,24}?\s*[:=]\s*(?=\S)")
_YES_NO = {"SI": True, "NO": False}  # the medical service


@dataclass(frozen=True, slots=True)
class Cadena:
    nss: str | None = None
    curp: str | None = None
    registro_patronal: str | None = None
    modalidad: str | None = None
    vigente: bool | None = None
    servicio_medico: bool | None = None
    emitted_on: date | None = None  # the record's timestamp (a date with a time)
    names: tuple[str, ...] = ()  # letter-only parts, spaces removed (wrapping loses them)


def read_cadena(lines: tuple[Line, ...] | list[Line]) -> Cadena | None:
    """The cadena original printed on the page, or ``None`` when there is none."""
    folded = fold("\n".join(line.text for line in lines))
    record = None
    for match in _RECORD.finditer(folded):
        if match.group(1).count("|") >= 2:
            record = match.group(1).replace("\n", "")  # a wrapped record goes on
            break
    if record is None:
        # "VD2.1|HIVP…|5625…|" without its "||": what the label "Cadena original" heads, up
        # to the sello
        labelled = _LABELLED_RECORD.search(folded)
        if labelled is None or labelled.group(1).count("|") < 4:
            return None
        record = labelled.group(1).replace("\n", "").strip("| ")
    fields = [_KEY.sub("", part, count=1) for part in record.split("|")]
    parts = [re.sub(r"\s+", "", part) for part in fields]
    found: dict[str, object] = {}
    names: list[str] = []
    stamps: list[date] = []
    plain_dates: list[date] = []
    modalidades: list[str] = []
    run: list[tuple[str, str]] = []  # consecutive letter-only parts: one name
    for spaced, part in zip([*fields, "|"], [*parts, "|"], strict=True):
        if not part:
            continue
        if re.fullmatch(r"[A-Z.'´]+", part) and part not in _SITUACION and part not in _YES_NO:
            run.append((spaced, part))  # "LEON|CERVANTES|VIRIDIANA": a name split in fields
            continue
        if sum(len(words.split()) for words, _ in run) >= 2:
            names.append("".join(letters for _, letters in run))  # two words at least
        run = []
        if len(part) == 11 and part.isdigit() and nss_is_valid(part):
            found.setdefault("nss", part)
        elif len(part) == 18 and curp_is_valid(part):
            found.setdefault("curp", part)
        elif _REGISTRO.fullmatch(part):
            found.setdefault("registro_patronal", part)
        elif part in _SITUACION:
            found.setdefault("vigente", _SITUACION[part])
        elif (stamp := _stamp(part)) is not None:
            (stamps if stamp[1] else plain_dates).append(stamp[0])
        elif re.fullmatch(r"\d{1,2}", part) and str(int(part)) in _MODALIDADES:
            modalidades.append(str(int(part)))
        elif part in _YES_NO:
            found.setdefault("servicio_medico", _YES_NO[part])
    if len(set(modalidades)) == 1:  # a clinic's number may look like one: then neither
        found["modalidad"] = modalidades[0]
    if stamps:
        found["emitted_on"] = stamps[0]
    elif len(plain_dates) == 1:
        found["emitted_on"] = plain_dates[0]
    return Cadena(names=tuple(names), **found)  # type: ignore[arg-type]


def _stamp(part: str) -> tuple[date, bool] | None:
    if re.fullmatch(r"\d{14}", part):  # 20261130115324
        try:
            return date(int(part[:4]), int(part[4:6]), int(part[6:8])), True
        except ValueError:
            return None
    match = _DATETIME.fullmatch(part) or _DATETIME.match(part)
    if not match or match.end() < len(part) - 3:
        return None
    g = match.groups()
    year, month, day, hour = (g[0], g[1], g[2], g[3]) if g[0] else (g[7], g[6], g[5], g[8])
    try:
        return date(int(year), int(month), int(day)), hour is not None
    except ValueError:
        return None


def disagreements(cadena: Cadena, printed: dict[str, object]) -> list[str]:
    """The printed fields that contradict the cadena (a field absent on either side is not a
    contradiction)."""
    out: list[str] = []
    pairs = {
        "nss": cadena.nss,
        "curp": cadena.curp,
        "registro_patronal": cadena.registro_patronal,
        "vigente": cadena.vigente,
        "servicio_medico": cadena.servicio_medico,
        "modalidad": cadena.modalidad,
        "fecha_expedicion": cadena.emitted_on,
    }
    for field, in_cadena in pairs.items():
        shown = printed.get(field)
        if in_cadena is not None and shown is not None and not agrees(shown, in_cadena):
            out.append(field)
    nombre = printed.get("nombre")
    if cadena.names and isinstance(nombre, str):
        others = {_compact(printed.get(key)) for key in ("patron", "titular")}
        people = [name for name in cadena.names if name not in others]
        shown = Counter(_compact(nombre))
        # the same letters in any order: "GÓMEZ NÚÑEZ ANA MARÍA" is "ANA MARÍA GÓMEZ NÚÑEZ",
        # and a name read short on the page ("GUADALUPE SÁNCHEZ" of "... IBARRA") or long
        # (the whole name and the next label's words, "… FLORES NACIÓ EL") is no edit
        if people and not any(
            shown <= Counter(person) or Counter(person) <= shown for person in people
        ):
            out.append("nombre")
    return out


def agrees(shown: object, in_cadena: object) -> bool:
    """A printed value says what the cadena says (an emission date one day off does: a UTC
    timestamp is the next day for an evening emission in Mexico)."""
    if isinstance(shown, date) and isinstance(in_cadena, date):
        return abs((shown - in_cadena).days) <= 1
    return shown == in_cadena


def _compact(value: object) -> str:
    return re.sub(r"\s", "", fold(value)) if isinstance(value, str) else ""
