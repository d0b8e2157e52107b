"""Undo Tesseract's usual confusions in identifiers, by position and check digit.

OCR reads O for 0, I or L for 1, S for 5, B for 8, Z for 2, G for 6. A CURP says which kind
of character each position holds (4 letters, 6 digits, H/M/X, 5 letters, a letter or digit,
a digit) and an NSS is all digits, so a misread character can be put back; the check digit
then says whether the repaired value is right. Nothing that fails its check is returned.
"""

from __future__ import annotations

import re

from daemon.documents.layout import fold
from daemon.domain.identifiers import curp_is_valid, nss_is_valid

_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5",
                           "B": "8", "Z": "2", "G": "6", "T": "7", "A": "4"})  # fmt: skip
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", "4": "A",
                            "7": "T"})  # fmt: skip
# What each CURP position holds: L letter, D digit, S sex, A either.
_CURP_SHAPE = "LLLLDDDDDDSLLLLLAD"


def repaired_curp(text: str) -> str | None:
    """The one CURP the text holds once OCR confusions are undone, or ``None``."""
    compact = re.sub(r"[\s\-.]", "", fold(text))
    found: set[str] = set()
    for start in range(max(len(compact) - 17, 0)):
        window = compact[start : start + 18]
        if len(window) < 18 or not window.isalnum():
            continue
        candidate = "".join(_as(kind, ch) for kind, ch in zip(_CURP_SHAPE, window, strict=True))
        if curp_is_valid(candidate):
            found.add(candidate)
    return found.pop() if len(found) == 1 else None


def _as(kind: str, ch: str) -> str:
    if kind == "D":
        return ch.translate(_TO_DIGIT)
    if kind == "L":
        return ch.translate(_TO_LETTER)
    if kind == "S":
        return {"N": "M", "W": "M"}.get(ch, ch)
    return ch


def repaired_nss(text: str) -> str | None:
    """The one 11-digit NSS passing Luhn once letters read for digits are undone."""
    found: set[str] = set()
    for match in re.finditer(r"(?<![A-Z0-9])[0-9OQDILSBZG|](?:[ -]?[0-9OQDILSBZG|]){10}(?![0-9])",
                             fold(text)):  # fmt: skip
        digits = re.sub(r"[ -]", "", match.group()).translate(_TO_DIGIT)
        if sum(ch.isdigit() for ch in match.group()) >= 7 and nss_is_valid(digits):
            found.add(digits)
    return found.pop() if len(found) == 1 else None
