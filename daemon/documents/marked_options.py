"""A yes/no question printed as option columns with a mark under one of them.

    Servicio médico Sí | Servicio médico No        Servicio médico
           X           |                            Sí      |  No
                                                            |  X

The words "Sí" and "No" in such a header are the options, not the answer: reading the
value "Sí" right after the label would say yes to every student. The answer is the column
whose cell holds the mark. No mark, or marks under both, is no answer (staff look).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from daemon.documents.labels import Hit
from daemon.documents.layout import Line, Segment, fold

_OPTION = re.compile(r"(?<![A-Z0-9])(SI|NO)(?![A-Z0-9])")
_OPTIONS_ONLY = re.compile(r"\s*(?:(?:SI|NO)\s*)+")
_MARK = re.compile(r"\s*(?:[XX✓✔✗✘●■☒☑•]|\[\s*[XX✓✔]\s*\]|\(\s*[XX✓✔]\s*\))\s*", re.IGNORECASE)
_AFTER_LABEL = 4  # characters between a label and its option word ("Servicio médico: Sí")
_SUB_HEADER_REACH = 40.0  # points a sub-header "Sí" / "No" may sit from its label's start
_LINES_BELOW = 3  # lines under the header where the marks are looked for


@dataclass(frozen=True, slots=True)
class _Column:
    x0: float
    answer: bool


@dataclass(frozen=True, slots=True)
class MarkedAnswer:
    answer: bool | None  # None: no option, or more than one, is marked


def marked_answer(lines: Sequence[Line], hits: Sequence[Hit], field: str) -> MarkedAnswer | None:
    """The marked option of ``field``'s option columns; None when its labels form none."""
    for hit in hits:
        if hit.field != field or not hit.strong:
            continue
        # the second column's label may follow the first's option in one run ("Servicio
        # médico Sí Servicio médico"): a label there although it does not start the run
        same_line = [h for h in hits if h.field == field and h.line == hit.line]
        columns = _columns(lines, same_line)
        if {c.answer for c in columns} == {True, False}:
            header = max([hit.line, *_sub_header_lines(lines, hit)])
            return MarkedAnswer(_marked(lines, columns, header))
    return None


def _columns(lines: Sequence[Line], labels: Sequence[Hit]) -> list[_Column]:
    columns: list[_Column] = []
    for hit in labels:
        segment = lines[hit.line].segments[hit.seg]
        option = _OPTION.match(fold(segment.text)[hit.end :].lstrip(" :"))
        rest = fold(segment.text)[hit.end :]
        if option is not None and len(rest) - len(rest.lstrip(" :")) <= _AFTER_LABEL:
            columns.append(_Column(hit.x0, option.group(1) == "SI"))
            continue
        for li in range(hit.line + 1, min(hit.line + 3, len(lines))):
            for run in lines[li].segments:
                if _OPTIONS_ONLY.fullmatch(fold(run.text)) and abs(run.x0 - hit.x0) <= (
                    _SUB_HEADER_REACH
                ):
                    columns.extend(_options_in(run))
    return columns


def _options_in(run: Segment) -> list[_Column]:
    """A run "Sí No" (two sub-headers PDFium joined) is two columns, split where it reads."""
    folded = fold(run.text)
    width = max(len(folded), 1)
    return [
        _Column(run.x0 + (run.x1 - run.x0) * m.start() / width, m.group(1) == "SI")
        for m in _OPTION.finditer(folded)
    ]


def _sub_header_lines(lines: Sequence[Line], hit: Hit) -> list[int]:
    return [
        li
        for li in range(hit.line + 1, min(hit.line + 3, len(lines)))
        if any(_OPTIONS_ONLY.fullmatch(fold(run.text)) for run in lines[li].segments)
    ]


def _marked(lines: Sequence[Line], columns: list[_Column], header: int) -> bool | None:
    ordered = sorted(columns, key=lambda c: c.x0)
    spacing = min(b.x0 - a.x0 for a, b in itertools.pairwise(ordered))
    right_end = ordered[-1].x0 + 1.5 * max(spacing, 30.0)
    answers: set[bool] = set()
    for li in range(header + 1, min(header + 1 + _LINES_BELOW, len(lines))):
        for run in lines[li].segments:
            if not _MARK.fullmatch(run.text):
                continue
            centre = (run.x0 + run.x1) / 2
            # the column a mark is in: the last one starting left of it (cells are left-
            # aligned or centred, so a mark never sits left of its own column's start)
            inside = [c for c in ordered if c.x0 <= centre + 2.0]
            if inside and centre <= right_end:
                answers.add(inside[-1].answer)
    return answers.pop() if len(answers) == 1 else None
