"""Text as positioned runs, the common ground of every text source (PDFium, pdfplumber, OCR).

A ``Segment`` is a run of text on one line that the producer wrote in one go (a cell, a
label, a value). Parsers look values up by where they sit relative to their label, so the
same parser reads label:value lines, two-column tables and labels above values.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    page: int
    x0: float
    x1: float
    top: float  # distance from the top of the page, growing downwards
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass(frozen=True, slots=True)
class Line:
    page: int
    top: float
    bottom: float
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    return " " if base.isspace() else base.upper()[:1] or " "


# Latin-1 and Latin Extended-A folded once: documents are almost all in that range.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x250)}


def fold(text: str) -> str:
    """Upper case without accents, single spaces: what labels are matched against.

    Keeps the length of ``text`` (one output char per input char) so a match in the folded
    text indexes the original."""
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    return "".join(ch if ord(ch) < 0x250 else _fold_char(ch) for ch in folded)


def clean(text: str) -> str:
    """A value without its surrounding punctuation, but "S.A. DE C.V." keeps its last dot:
    a final word with a dot inside it is an abbreviation, and the dot is part of it."""
    spaced = re.sub(r"\s+", " ", text)
    stripped = spaced.strip(" :;,.-\t")
    if _ABBREVIATION_END.search(spaced.rstrip(" :;,-\t")):
        return stripped + "."
    return stripped


_ABBREVIATION_END = re.compile(r"(?<![^\s(])(?:[^\W\d_]{1,3}\.){2,}$")


def lines_of(segments: Iterable[Segment], *, tracking: bool = True) -> tuple[Line, ...]:
    """Group segments into lines: same page, vertical centres within half a line height.

    Pieces of one word or one cell (a browser's PDF read through PDFium comes as
    "matrícula", "20241", "18502" with no gap) are joined back into one run, so a value is
    never read as three; a gap as wide as a column keeps runs apart."""
    ordered = sorted(segments, key=lambda s: (s.page, (s.top + s.bottom) / 2, s.x0))
    lines: list[list[Segment]] = []
    for seg in ordered:
        if not seg.text.strip():
            continue
        if lines:
            last = lines[-1]
            centre = (seg.top + seg.bottom) / 2
            ref = last[0]
            ref_centre = (ref.top + ref.bottom) / 2
            if seg.page == ref.page and abs(centre - ref_centre) <= min(ref.height, seg.height) / 2:
                last.append(seg)
                continue
        lines.append([seg])
    return tuple(
        Line(
            page=group[0].page,
            top=min(s.top for s in group),
            bottom=max(s.bottom for s in group),
            segments=_joined(sorted(group, key=lambda s: s.x0), tracking=tracking),
        )
        for group in lines
    )


_JOIN_TIGHT = 0.12  # gap (in line heights) under which two runs are one word
# under which they are one phrase (a word space, wider on a justified or word-by-word
# line); a column gap is wider
_JOIN_SPACED = 0.6


def _tracked_words(ordered: list[Segment]) -> list[Segment]:
    """Letter-spaced text ("R e g i s t r o   p a t r o n a l") comes one glyph per run,
    with gaps wider than a space's: within four or more such glyphs, a gap clearly wider
    than their usual one is the space between words, the others join letters."""
    out: list[Segment] = []
    k = 0
    while k < len(ordered):
        end = k
        while end < len(ordered) and len(ordered[end].text.strip()) == 1:
            end += 1
        if end - k < 4:
            out.append(ordered[k])
            k += 1
            continue
        group = ordered[k:end]
        gaps = sorted(b.x0 - a.x1 for a, b in itertools.pairwise(group))
        usual = gaps[len(gaps) // 2]
        height = min(seg.height for seg in group)
        if not 0.15 * height < usual <= 2.0 * height:
            # glyphs set one by one without tracking (the usual join handles them), or
            # glyphs of separate columns
            out.extend(group)
            k = end
            continue
        text, start = group[0].text.strip(), group[0]
        last = group[0]
        for seg in group[1:]:
            if seg.x0 - last.x1 > usual + 0.25 * height:
                text += " "
            text += seg.text.strip()
            last = seg
        top = min(seg.top for seg in group)
        bottom = max(seg.bottom for seg in group)
        out.append(Segment(text, start.page, start.x0, last.x1, top, bottom))
        k = end
    return out


def _joined(ordered: list[Segment], *, tracking: bool = True) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for given in _tracked_words(ordered) if tracking else ordered:
        seg = given
        if _TOUCHING.search(given.text):
            seg = dataclasses.replace(given, text=_TOUCHING.sub(" ", given.text))
        if out:
            last = out[-1]
            gap = seg.x0 - last.x1
            height = tight_height = min(last.height, seg.height)
            if min(len(last.text.strip()), len(seg.text.strip())) <= 2:
                height = max(last.height, seg.height)  # a lone "a:" is only x-height tall
            if -0.5 * height <= gap <= _JOIN_SPACED * height:
                tight = gap <= _JOIN_TIGHT * tight_height and not _words_touch(last.text, seg.text)
                glue = "" if tight else " "
                out[-1] = Segment(
                    (last.text + glue + seg.text).strip(),
                    last.page,
                    last.x0,
                    max(last.x1, seg.x1),
                    min(last.top, seg.top),
                    max(last.bottom, seg.bottom),
                )
                continue
        out.append(seg)
    return tuple(out)


# "SíServicio", "médicasSituación": two cells' words in one run (see ``_words_touch``)
_TOUCHING = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Ý])")


def _words_touch(left: str, right: str) -> bool:
    """Two cells' words that touch ("Prestaciones médicas" + "Situación", a header wider
    than its column): a lower-case end and a capital start are two words, never the
    pieces of one (PDFium's pieces of a word continue in the word's own case)."""
    return left.endswith(" ") or (left[-1:].islower() and right[:1].isupper())


def full_text(lines: Sequence[Line]) -> str:
    return "\n".join(line.text for line in lines)
