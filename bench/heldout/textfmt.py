"""Spanish date/time wordings and whole-document text transforms (case, accents)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from bench.heldout.ids import strip_accents

MESES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
MES3 = ["ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC"]
DIAS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]

DATE_STYLES = ("slash", "dash", "long", "abbr", "long_upper", "weekday", "dot", "abbr_dash")


def fmt_date(d: dt.date, style: str) -> str:
    """A date the way Mexican documents print it (always day first)."""
    if style == "slash":
        return f"{d:%d/%m/%Y}"
    if style == "dash":
        return f"{d:%d-%m-%Y}"
    if style == "dot":
        return f"{d:%d.%m.%Y}"
    if style == "long":
        return f"{d.day} de {MESES[d.month - 1]} de {d.year}"
    if style == "long_upper":
        return f"{d.day:02d} DE {MESES[d.month - 1].upper()} DE {d.year}"
    if style == "weekday":
        return f"{DIAS[d.weekday()]}, {d.day} de {MESES[d.month - 1]} de {d.year}"
    if style == "abbr":
        return f"{d.day:02d}/{MES3[d.month - 1]}/{d.year}"
    if style == "abbr_dash":
        return f"{d.day:02d}-{MES3[d.month - 1].capitalize()}-{d.year}"
    if style == "iso":
        return d.isoformat()
    raise ValueError(style)


TIME_STYLES = ("hrs", "hms", "horas", "ampm", "none")


def fmt_time(t: dt.datetime, style: str) -> str:
    """A time of day as printed next to an emission date ('' for none)."""
    if style == "hrs":
        return f"{t:%H:%M} hrs."
    if style == "hms":
        return f"{t:%H:%M:%S}"
    if style == "horas":
        return f"{t:%H:%M} horas"
    if style == "ampm":
        h = t.hour % 12 or 12
        return f"{h:02d}:{t:%M} {'p. m.' if t.hour >= 12 else 'a. m.'}"
    return ""


def title_es(text: str) -> str:
    """Title case that keeps Spanish particles lower case."""
    small = {"de", "del", "la", "las", "los", "y", "o", "e", "a", "en", "al", "con", "por"}
    words = text.lower().split(" ")
    out = []
    for i, w in enumerate(words):
        out.append(w if (i and w in small) else w[:1].upper() + w[1:])
    return " ".join(out)


def map_strings(obj: object, fn: Callable[[str], str]) -> object:
    """Apply `fn` to every string inside a layout object tree (dataclasses, lists, tuples)."""
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, bytes | bool | int | float) or obj is None:
        return obj
    if isinstance(obj, list):
        return [map_strings(x, fn) for x in obj]
    if isinstance(obj, tuple):
        return tuple(map_strings(x, fn) for x in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if f.name in ("png", "strokes", "font", "page", "kind", "align"):
                continue
            changes[f.name] = map_strings(getattr(obj, f.name), fn)
        return dataclasses.replace(obj, **changes)
    return obj


def no_accents(text: str) -> str:
    """Accents stripped, but the ¿¡ and ° kept; Ñ printed as N like legacy systems do."""
    return strip_accents(text)
