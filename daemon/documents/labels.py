"""Find each labelled value wherever the layout put it: after the label, to its right, or below.

Labels are regular expressions over folded text (upper case, no accents), so "Fecha de
expedición", "FECHA DE EXPEDICION" and "Fecha de emisión" can share one entry. A label is
recognised at the start of a text run, or inside one when a colon follows it; the value ends
where the next label starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from daemon.documents.layout import Line, Segment, clean, fold


@dataclass(frozen=True, slots=True)
class _Hit:
    line: int
    seg: int
    start: int
    end: int
    field: str


class Labels:
    """A document's vocabulary: field name -> label pattern (folded text)."""

    def __init__(self, patterns: dict[str, str]) -> None:
        self._patterns = [
            (name, re.compile(rf"(?:{pattern})(?![A-Z0-9])")) for name, pattern in patterns.items()
        ]

    def _hits_in(self, text: str, line: int, seg: int) -> list[_Hit]:
        folded = fold(text)
        hits: list[_Hit] = []
        pos = 0
        while pos < len(folded):
            if pos == 0 or (folded[pos - 1] in " (/|" and not folded[pos - 1].isalnum()):
                best: _Hit | None = None
                for name, pattern in self._patterns:
                    match = pattern.match(folded, pos)
                    if match and (best is None or match.end() > best.end):
                        best = _Hit(line, seg, pos, match.end(), name)
                if best and (pos == 0 or folded[best.end :].lstrip().startswith(":")):
                    hits.append(best)
                    pos = best.end
                    continue
            pos += 1
        return hits

    def values(self, lines: Sequence[Line]) -> dict[str, list[str]]:
        """Every candidate value of each field, in reading order."""
        hits: dict[tuple[int, int], list[_Hit]] = {}
        for li, line in enumerate(lines):
            for si, segment in enumerate(line.segments):
                found = self._hits_in(segment.text, li, si)
                if found:
                    hits[(li, si)] = found
        out: dict[str, list[str]] = {}
        for (li, si), found in hits.items():
            text = lines[li].segments[si].text
            for k, hit in enumerate(found):
                stop = found[k + 1].start if k + 1 < len(found) else len(text)
                value = clean(text[hit.end : stop])
                if not value and k + 1 == len(found):
                    value = self._beside_or_below(lines, li, si, hits)
                if value:
                    out.setdefault(hit.field, []).append(value)
        return out

    def labelled(self, lines: Sequence[Line]) -> set[str]:
        """Fields whose label appears at all (values or not)."""
        return {
            hit.field
            for li, line in enumerate(lines)
            for si, segment in enumerate(line.segments)
            for hit in self._hits_in(segment.text, li, si)
        }

    def _beside_or_below(
        self, lines: Sequence[Line], li: int, si: int, hits: dict[tuple[int, int], list[_Hit]]
    ) -> str:
        line = lines[li]
        label = line.segments[si]
        right = hits.get((li, si + 1))
        if si + 1 < len(line.segments) and not (right and right[0].start == 0):
            return _until_label(line.segments[si + 1], right)
        for lj in range(li + 1, min(li + 4, len(lines))):
            below = lines[lj]
            same_page = below.page == label.page
            if same_page and below.top - label.bottom > 2.5 * label.height:
                return ""
            if not same_page and (below.page != label.page + 1 or lj > li + 2):
                return ""
            for sj, candidate in enumerate(below.segments):
                if _under(label, candidate):
                    return _until_label(candidate, hits.get((lj, sj)))
        return ""


def _under(label: Segment, candidate: Segment) -> bool:
    """``candidate`` sits in the label's column (left-aligned or overlapping its start)."""
    if abs(candidate.x0 - label.x0) <= 12:
        return True
    return candidate.x0 < label.x1 and candidate.x1 > label.x0 and candidate.x0 >= label.x0 - 40


def _until_label(segment: Segment, found: list[_Hit] | None) -> str:
    if not found:
        return clean(segment.text)
    return clean(segment.text[: found[0].start])
