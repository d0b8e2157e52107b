"""How IMSS forms want text written: uppercase, no accents, no special characters.

The TecNM alta/baja forms (procedure 003) ask for "MAYUSCULAS" and "NO utilizar acentos ni
caracteres especiales"; staff paste the digest's CSV into them, so it is written that way.
The same folding makes keyword matching indifferent to accents and case.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

_NOT_PLAIN = re.compile(r"[^A-Z0-9 @._-]")
_NOT_HEADER = re.compile(r"[^A-Z0-9 @._()-]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Uppercase without accents, punctuation kept: 'Entregó 4/5' -> 'ENTREGO 4/5'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def plain_upper(text: str) -> str:
    """'José Núñez-Peña' -> 'JOSE NUNEZ-PENA' (Ñ becomes N, as the forms ask)."""
    return _SPACES.sub(" ", _NOT_PLAIN.sub(" ", fold(text))).strip()


def column_name(text: str) -> str:
    """A header cell: folded like the data, but its parentheses kept ('Nombre(s)' ->
    'NOMBRE(S)'): the forms' column is called that, and 'NOMBRE S' reads as a typo."""
    return _SPACES.sub(" ", _NOT_HEADER.sub(" ", fold(text))).strip()


def imss_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV in the forms' style: every data cell folded, CRLF lines, UTF-8 without BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column_name(cell) for cell in header])
    for row in rows:
        writer.writerow([plain_upper(str(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8")
