"""Dates as Mexican documents write them: 18/11/2026, 18/11/2026 10:32:05, 18-NOV-2026,
"18 de noviembre de 2026", "Ciudad de México, a 18 de noviembre del 2026". Day first, always."""

from __future__ import annotations

import re
from datetime import date

from daemon.documents.layout import fold

MONTHS = {
    "ENERO": 1,
    "FEBRERO": 2,
    "MARZO": 3,
    "ABRIL": 4,
    "MAYO": 5,
    "JUNIO": 6,
    "JULIO": 7,
    "AGOSTO": 8,
    "SEPTIEMBRE": 9,
    "SETIEMBRE": 9,
    "OCTUBRE": 10,
    "NOVIEMBRE": 11,
    "DICIEMBRE": 12,
}
_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items()}
_ABBREVIATIONS["SET"] = 9

_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORDS = re.compile(
    r"(?<![0-9A-Z])(\d{1,2})\s*(?:O\.?|[°º]\.?)?\s*(?:DIAS\s+DEL\s+MES\s+)?(?:DE\s+|[/.-]\s*)?"
    r"([A-Z]{3,10})\.?,?\s*(?:DE[L]?\s+(?:ANO\s+)?|[/.-]\s*)?(\d{4})(?!\d)"
)
# "diciembre 1, 2026", "Diciembre 01 de 2026"
_MONTH_FIRST = re.compile(r"(?<![A-Z])([A-Z]{4,10})\s+(\d{1,2}),?\s+(?:DE[L]?\s+)?(\d{4})(?!\d)")


_UNITS = ("UNO", "DOS", "TRES", "CUATRO", "CINCO", "SEIS", "SIETE", "OCHO", "NUEVE")
_DAY_WORDS = {word: n for n, word in enumerate(_UNITS, start=1)}
_DAY_WORDS.update({"UN": 1, "PRIMER": 1, "PRIMERO": 1, "DIEZ": 10, "ONCE": 11, "DOCE": 12})
_DAY_WORDS.update({"TRECE": 13, "CATORCE": 14, "QUINCE": 15, "VEINTE": 20, "TREINTA": 30})
_DAY_WORDS.update({f"DIECI{word}": 10 + n for word, n in list(_DAY_WORDS.items()) if n < 10})
_DAY_WORDS.update({f"VEINTI{word}": 20 + n for word, n in list(_DAY_WORDS.items()) if n < 10})
_DAY_WORDS.update({"DIECISEIS": 16, "VEINTIDOS": 22, "VEINTITRES": 23, "VEINTISEIS": 26})
_DAY_WORDS["TREINTA Y UNO"] = _DAY_WORDS["TREINTA Y UN"] = 31
_YEAR_WORDS = {f"DOS MIL {word}": 2000 + n for word, n in _DAY_WORDS.items() if n < 32}
# "a los veintinueve días del mes de diciembre de 2026", "al primer día del mes de enero del
# año dos mil veintisiete": dates written out in letters, as formal letters do.
_IN_LETTERS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _DAY_WORDS), key=len, reverse=True)) + r")\s+"
    r"(?:\(\d{1,2}\)\s+)?DIAS?\s+DEL\s+MES\s+DE\s+([A-Z]+)\s+DE(?:L)?\s+(?:ANO\s+)?"
    r"(\d{4}|DOS MIL(?: [A-Z]+(?: Y [A-Z]+)?)?)"
)


def _letters(folded: str) -> tuple[int, date] | None:
    match = _IN_LETTERS.search(folded)
    if not match:
        return None
    month = MONTHS.get(match.group(2))
    year_text = match.group(3)
    year = int(year_text) if year_text.isdigit() else _YEAR_WORDS.get(year_text, 0)
    if year_text == "DOS MIL":
        year = 2000
    found = _date(year, month, _DAY_WORDS[match.group(1)]) if month else None
    return (match.start(), found) if found else None


def parse_spanish_date(text: str | None) -> date | None:
    """The first date written in ``text``, or ``None``. Two-digit years are 20xx."""
    if not text:
        return None
    folded = fold(text)
    candidates: list[tuple[int, date]] = []
    for match in _NUMERIC.finditer(folded):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
        found = _date(year, month, day)
        if found:
            candidates.append((match.start(), found))
            break
    for match in _ISO.finditer(folded):
        found = _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found:
            candidates.append((match.start(), found))
            break
    for match in _WORDS.finditer(folded):
        word = match.group(2)
        month = MONTHS.get(word) or (_ABBREVIATIONS.get(word[:3]) if len(word) <= 4 else None)
        if month:
            found = _date(int(match.group(3)), month, int(match.group(1)))
            if found:
                candidates.append((match.start(), found))
                break
    written = _letters(folded)
    if written:
        candidates.append(written)
    for match in _MONTH_FIRST.finditer(folded):
        month = MONTHS.get(match.group(1))
        if month:
            found = _date(int(match.group(3)), month, int(match.group(2)))
            if found:
                candidates.append((match.start(), found))
                break
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _date(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2199:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
