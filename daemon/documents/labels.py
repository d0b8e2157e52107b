"""Find each labelled value wherever the layout put it, and keep the first one that converts.

Labels are regular expressions over folded text (upper case, no accents), so "Fecha de
expedición", "FECHA DE EXPEDICION" and "Fecha de emisión" share one entry. A label swallows
its whole wording: a parenthesis after it ("Nombre (apellido paterno, materno y nombre(s))")
and a colon. A value is looked for in every plausible position, in order:

- ``inline``: after the label in the same run ("Situación: VIGENTE");
- ``right``: the next run on the line (a two-column table);
- ``below``: the run under the label, in its column band, up to three lines down (labels
  above values, and grids whose header row holds several labels);
- ``text``: the words after a label met inside a sentence (narrative constancias), read
  over the whole text as one flow, since sentences wrap over lines.

On a header row (several labels, no inline values) ``below`` is tried before ``right``, since
the run to the right is the next header. A candidate the field's converter refuses means
"try the next position", never "missing". Words that label other things (FOLIO, RFC...)
are in the vocabulary as stoppers, so they end a value and are never taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from daemon.documents.layout import Line, Segment, clean, fold
from daemon.documents.value_formats import has_box

# A parenthesis (one level of nesting), the institute's name and a colon may follow any
# label: "Nombre (apellido paterno, materno y nombre(s)):", "Delegación IMSS:".
_TAIL = (
    r"(?:\s+DE(?:L| LA)?\s+(?:ASEGURAD[OA]|TRABAJADOR|DERECHOHABIENTE|ALUMN[OA]|ESTUDIANTE"
    r"|INTERESAD[OA])(?:\(A\))?)?"
    r"(?:\s*\((?!\s*[X✓✔]?\s*\))(?:[^()]|\([^()]*\))*\))?"  # not a tick box: "( )", "(X)"
    r"(?:\s+(?:DEL\s+)?IMSS|\s+DEL\s+INSTITUTO)?(?:\s*[:：?])?"
)
STOPPER = "_stop"
# a run that ends on a preposition or a conjunction is the first line of a wrapped label
_DANGLING = re.compile(r"\b(?:DE|DEL|LA|LAS|LOS|Y|O|EN|A|AL|POR|PARA)$")
_SYNONYM_GLUE = re.compile(r"\s*(?:[/|-]|O|Y)?\s*")  # between two wordings of one label
_WINDOW = 90  # characters after a label inside a sentence that may hold its value
# Runs whose labels are kept (label runs repeat in every document of one producer).
_CHOSEN_KEPT = 8192
_CHOSEN_LENGTH = 200
_VOCABULARIES: list[Vocabulary] = []
# how much nearer a lone run must be to the row below than to the row above to be the
# first line of the row below's value
_WRAP_NEARER = 1.25


@dataclass(frozen=True, slots=True)
class Hit:
    field: str
    line: int
    seg: int
    start: int
    end: int
    x0: float
    x1: float
    colon: bool  # the label ended with a colon: a value follows it
    in_header: bool = False  # its run holds nothing but labels (a grid's header row)
    piece_of: int = -1  # the lower piece of a label wrapped over lines ("(S/N):"): its line

    @property
    def strong(self) -> bool:
        """Starts its run, ends with a colon or sits in a run of labels only: a label, not a
        word in a sentence."""
        return self.start == 0 or self.colon or self.in_header


@dataclass(frozen=True, slots=True)
class Found:
    value: Any
    source: str  # "label:inline", "label:right", "label:below", "label:text"
    raw: str


class Vocabulary:
    """A document's labels: field name -> pattern(s) over folded text. ``_stop`` entries only
    end values. A pattern starting with ``^`` is a label only where it starts a run or ends
    with a colon: words like "alumno" or "vigencia" are labels on a form and mere words in a
    sentence."""

    def __init__(self, patterns: Mapping[str, str | tuple[str, ...]]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], bool]] = []
        for name, given in patterns.items():
            for pattern in (given,) if isinstance(given, str) else given:
                strong_only = pattern.startswith("^")
                body = pattern.removeprefix("^")
                if body.startswith(":"):  # a label only with its colon: "Vigente: SÍ"
                    compiled = re.compile(rf"(?<![A-Z0-9])(?:{body[1:]})\s*[:：]")
                else:
                    compiled = re.compile(rf"(?<![A-Z0-9])(?:{body}){_TAIL}(?![A-Z0-9])")
                self._patterns.append((name, compiled, strong_only))
        # one pass that tells a run holds no label at all (most values): the per-label
        # passes below, which find every overlapping wording, are for the runs that do
        self._any = re.compile("|".join(f"(?:{p.pattern})" for _, p, _ in self._patterns))
        self._chosen: dict[str, tuple[list[tuple[int, int, str]], bool]] = {}
        _VOCABULARIES.append(self)

    @staticmethod
    def forget_label_runs() -> None:
        """Drop every vocabulary's kept label runs (a benchmark's cold start)."""
        for vocabulary in _VOCABULARIES:
            vocabulary._chosen.clear()

    def hits(self, lines: Sequence[Line]) -> list[Hit]:
        by_segment: dict[tuple[int, int], list[Hit]] = {}
        for li, line in enumerate(lines):
            for si, segment in enumerate(line.segments):
                found = self._hits_in(segment, li, si)
                if found:
                    by_segment[(li, si)] = found
        self._wrapped_labels(lines, by_segment)
        return [hit for key in sorted(by_segment) for hit in by_segment[key]]

    def _wrapped_labels(
        self, lines: Sequence[Line], by_segment: dict[tuple[int, int], list[Hit]]
    ) -> None:
        """A grid's header cell wrapped over two or three lines ("ÓRGANO DE" / "OPERACIÓN" /
        "ADMINISTRATIVA"): the label is all the pieces, and the lower pieces are label, not
        the value."""
        for li in range(len(lines) - 1):
            for si, top in enumerate(lines[li].segments):
                if len(top.text) > 60:
                    continue  # a sentence or a long value, not a header cell
                pieces = self._pieces_below(lines, li, top)
                if (
                    pieces
                    and pieces[0] in by_segment
                    and (li, si) in by_segment
                    and not _DANGLING.search(fold(top.text))
                ):
                    # both pieces are labels already: only a fragment ("número de", "FECHA
                    # DE") above a label's end ("afiliación (NSS)", "EXPEDICIÓN:") makes one
                    # label of them
                    pieces = []
                for depth in range(len(pieces), 0, -1):  # the longest wording first
                    if self._join_label(lines, li, si, top, pieces[:depth], by_segment):
                        break

    @staticmethod
    def _pieces_below(lines: Sequence[Line], li: int, top: Segment) -> list[tuple[int, int]]:
        """(line, run) of the runs right under ``top``, left-aligned with it, up to two. A
        line of another column between them ("FOLIO: …" a little lower) is passed over."""
        pieces: list[tuple[int, int]] = []
        bottom, height = top.bottom, top.height
        for lj in range(li + 1, min(li + 5, len(lines))):
            nxt = lines[lj]
            if nxt.page != top.page or nxt.top - bottom > 1.6 * height or len(pieces) == 2:
                break
            found = next((sj for sj, low in enumerate(nxt.segments) if _aligned(low, top)), None)
            if found is None:
                if any(low.x0 < top.x1 and low.x1 > top.x0 for low in nxt.segments):
                    break  # something under the label that is not its piece
                continue
            pieces.append((lj, found))
            bottom = nxt.segments[found].bottom
        return pieces

    def _join_label(
        self,
        lines: Sequence[Line],
        li: int,
        si: int,
        top: Segment,
        pieces: list[tuple[int, int]],
        by_segment: dict[tuple[int, int], list[Hit]],
    ) -> bool:
        lows = [lines[lj].segments[sj] for lj, sj in pieces]
        text = " ".join([top.text, *(low.text for low in lows)])
        joined = Segment(text, top.page, top.x0, top.x1, top.top, top.bottom)
        last_start = len(text) - len(lows[-1].text)
        longer = [
            h
            for h in self._hits_in(joined, li, si)
            if h.end > last_start and h.start < len(top.text)
        ]
        if not longer or longer[0].field == STOPPER:
            return False
        label = longer[0]
        # "número de" / "afiliación (NSS)": the lower piece's own hit ("NSS") is inside the
        # joined label, so the pieces are one label
        low_hits = by_segment.get(pieces[-1], [])
        if low_hits and label.end < last_start + max(h.end for h in low_hits):
            return False
        kept = [h for h in by_segment.get((li, si), []) if h.end <= label.start]
        by_segment[(li, si)] = [
            *kept,
            Hit(label.field, li, si, label.start, len(top.text), label.x0, top.x1, label.colon,
                label.in_header),
        ]  # fmt: skip
        for (lj, sj), low in zip(pieces, lows, strict=True):
            by_segment[(lj, sj)] = [
                Hit(STOPPER, lj, sj, 0, len(low.text), low.x0, low.x1, False, piece_of=li)
            ]
        return True

    def _choose(self, text: str) -> tuple[list[tuple[int, int, str]], bool]:
        """The labels of one run's text, longest first at each start and no overlaps, and
        whether the run holds nothing but labels. A pure function of the text, kept per
        text: every constancia of one producer repeats the same label runs."""
        folded = fold(text)
        if self._any.search(folded) is None:
            return [], False
        matches: list[tuple[int, int, str, bool]] = []
        for name, pattern, strong_only in self._patterns:
            for m in pattern.finditer(folded):
                matches.append((m.start(), m.end(), name, strong_only))
        # longest first at each start, then no overlaps, left to right
        matches.sort(key=lambda m: (m[0], m[0] - m[1]))
        chosen: list[tuple[int, int, str]] = []
        last_end = 0
        for start, end, name, strong_only in matches:
            if start < last_end:
                continue
            last_end = end
            if strong_only and start > 0 and not folded[:end].rstrip().endswith((":", "：")):
                continue  # a word in a sentence, not a label
            if folded[end:].lstrip().startswith((",", ";")):
                continue  # "…me corresponde como / estudiante, debido a…": a wrapped sentence
            after = text[end:].lstrip()
            if strong_only and after[:1].islower() and ":" not in folded[: end + len(after) + 1]:
                continue  # "alumno(a) del programa educativo…": a sentence goes on
            if (
                chosen
                and chosen[-1][2] == name
                and _SYNONYM_GLUE.fullmatch(folded, chosen[-1][1], start)
            ):
                chosen[-1] = (chosen[-1][0], end, name)  # "Patrón / Empresa": one label
                continue
            chosen.append((start, end, name))
        covered = [False] * len(folded)
        for start, end, _name in chosen:
            covered[start:end] = [True] * (end - start)
        labels_only = len(chosen) > 1 and all(
            covered[i] or not folded[i].isalnum() for i in range(len(folded))
        )
        return chosen, labels_only

    def _hits_in(self, segment: Segment, li: int, si: int) -> list[Hit]:
        found = self._chosen.get(segment.text)
        if found is None:
            found = self._choose(segment.text)
            if len(segment.text) <= _CHOSEN_LENGTH:  # not a page's whole flow of text
                if len(self._chosen) >= _CHOSEN_KEPT:
                    self._chosen.clear()
                self._chosen[segment.text] = found
        chosen, labels_only = found
        if not chosen:
            return []
        folded = fold(segment.text)
        width = max(len(folded), 1)
        span = segment.x1 - segment.x0
        hits = []
        for start, end, name in chosen:
            label_end = len(folded[:end].rstrip(" :："))
            hits.append(
                Hit(
                    name,
                    li,
                    si,
                    start,
                    end,
                    segment.x0 + span * start / width,
                    segment.x0 + span * label_end / width,
                    folded[:end].rstrip().endswith((":", "：")),
                    labels_only,
                )
            )
        return hits

    def read(
        self,
        lines: Sequence[Line],
        converters: Mapping[str, Callable[[str], Any]],
        hits: list[Hit] | None = None,
    ) -> dict[str, Found]:
        """For each field, the first candidate its converter accepts. ``hits`` are this
        vocabulary's hits in ``lines`` when the caller has them already."""
        hits = self.hits(lines) if hits is None else hits
        # Layout (rows, columns, where a value ends) is made of labels, not of words that
        # happen to be label words inside a value ("...DE LA CIUDAD (10)").
        by_segment: dict[tuple[int, int], list[Hit]] = {}
        for hit in hits:
            if hit.strong:
                by_segment.setdefault((hit.line, hit.seg), []).append(hit)
        header_lines = _header_lines(lines, by_segment)
        out: dict[str, Found] = {}
        # Labels inside sentences are read over the whole flow of text (``_read_prose``):
        # a sentence wraps, and "Delegación ESTADO DE / MÉXICO ORIENTE." is one value.
        for hit in hits:
            convert = converters.get(hit.field)
            if convert is None or hit.field in out or not hit.strong:
                continue
            for source, raw in _candidates(lines, hit, by_segment, header_lines):
                value = convert(raw)
                if value is not None:
                    out[hit.field] = Found(value, source, raw)
                    break
        self._read_prose(lines, converters, out)
        return out

    def value_of(
        self,
        lines: Sequence[Line],
        hit: Hit,
        convert: Callable[[str], Any],
        hits: Sequence[Hit],
    ) -> Found | None:
        """The value of one label, found as ``read`` finds values (``hits``: all the hits of
        ``lines``, which give the layout)."""
        by_segment: dict[tuple[int, int], list[Hit]] = {}
        for other in hits:
            if other.strong:
                by_segment.setdefault((other.line, other.seg), []).append(other)
        if (hit.line, hit.seg) not in by_segment:
            return None
        header_lines = _header_lines(lines, by_segment)
        for source, raw in _candidates(lines, hit, by_segment, header_lines):
            value = convert(raw)
            if value is not None:
                return Found(value, source, raw)
        return None

    def _read_prose(
        self,
        lines: Sequence[Line],
        converters: Mapping[str, Callable[[str], Any]],
        out: dict[str, Found],
    ) -> None:
        """Narrative constancias wrap a label and its value over two lines ("Unidad de
        Medicina / Familiar número 34"): read the text as one flow for what is still
        missing."""
        flow = _flow(lines)
        whole = Segment(flow, 0, 0.0, float(len(flow)), 0.0, 1.0)
        hits = self._hits_in(whole, -1, 0)
        for k, hit in enumerate(hits):
            convert = converters.get(hit.field)
            if convert is None or hit.field in out:
                continue
            stop = hits[k + 1].start if k + 1 < len(hits) else len(flow)
            window = flow[hit.end : min(stop, hit.end + _WINDOW)]
            # the paragraph's own words first; a grid read as prose has its value further
            own = window.split(_PARAGRAPH)[0]
            whole_window = window.replace(_PARAGRAPH, " ")
            for raw in dict.fromkeys((_sentence(own), own, _sentence(whole_window), whole_window)):
                value = convert(raw)
                if value is not None:
                    out[hit.field] = Found(value, "label:text", raw)
                    break


_PARAGRAPH = "¶"
_PARAGRAPH_GAP = 4.0  # line heights of blank between two blocks of text (a footer's note)


def _flow(lines: Sequence[Line]) -> str:
    """The page's text as one flow, a paragraph mark where the text stops (a wide blank, a
    new page): a value in a sentence never runs on into the footer's note."""
    parts: list[str] = []
    for k, line in enumerate(lines):
        if k:
            before = lines[k - 1]
            gap = line.top - before.bottom
            apart = before.page != line.page or gap > _PARAGRAPH_GAP * (before.bottom - before.top)
            parts.append(f" {_PARAGRAPH} " if apart else " ")
        parts.append(line.text)
    return "".join(parts)


def empty_places(lines: Sequence[Line], hits: Sequence[Hit]) -> set[str]:
    """Fields whose label is there with nothing (or only a blank to fill in) where its value
    goes: proven empty, unlike a value that is there but could not be read."""
    by_segment: dict[tuple[int, int], list[Hit]] = {}
    for hit in hits:
        if hit.strong:
            by_segment.setdefault((hit.line, hit.seg), []).append(hit)
    header_lines = _header_lines(lines, by_segment)
    filled: set[str] = set()
    labelled_fields: set[str] = set()
    for hit in hits:
        if not hit.strong or hit.field == STOPPER:
            continue
        labelled_fields.add(hit.field)
        for source, raw in _candidates(lines, hit, by_segment, header_lines):
            if source == "label:below" and hit.line not in header_lines:
                continue  # "Fecha:" with nothing by it; the next line is the letter's text
            if re.sub(r"[\s_.:/-]", "", raw):
                filled.add(hit.field)
                break
    return labelled_fields - filled


def labelled(hits: Sequence[Hit]) -> set[str]:
    """Fields whose label appears as a label (not inside a sentence)."""
    return {hit.field for hit in hits if hit.strong and hit.field != STOPPER}


_NOTE_WORDS = 6  # a label followed by this many words in its run heads a note, not a field


def on_the_form(lines: Sequence[Line], hits: Sequence[Hit]) -> set[str]:
    """Fields the page has a place for. "Servicio médico: la atención de urgencias se otorga
    a toda persona…" heads a note: the label starts a sentence about everyone, and no value
    of the student's is missing after it."""
    fields = set()
    for hit in hits:
        if not hit.strong or hit.field == STOPPER:
            continue
        after = lines[hit.line].segments[hit.seg].text[hit.end :] if hit.line >= 0 else ""
        if len(re.findall(r"\w+", after)) < _NOTE_WORDS:
            fields.add(hit.field)
    return fields


def _header_lines(
    lines: Sequence[Line], by_segment: Mapping[tuple[int, int], list[Hit]]
) -> set[int]:
    """Lines holding two or more labels and no value: every run is labels only."""
    count: dict[int, int] = {}
    with_value: set[int] = {
        li
        for li, line in enumerate(lines)
        for si in range(len(line.segments))
        if (li, si) not in by_segment
    }
    for (li, si), found in by_segment.items():
        text = lines[li].segments[si].text
        for k, hit in enumerate(found):
            count[li] = count.get(li, 0) + 1
            stop = found[k + 1].start if k + 1 < len(found) else len(text)
            if _has_value(text[hit.end : stop]):
                with_value.add(li)
        if found[0].start > 0 and _has_value(text[: found[0].start]):
            with_value.add(li)
    return {li for li, n in count.items() if n >= 2 and li not in with_value}


def _has_value(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _candidates(
    lines: Sequence[Line],
    hit: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
    header_lines: set[int],
) -> Iterator[tuple[str, str]]:
    yield from _positions(lines, hit, by_segment, header_lines)
    worded = _worded_right(lines, hit, by_segment)
    if worded:
        yield "label:right", worded


def _positions(
    lines: Sequence[Line],
    hit: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
    header_lines: set[int],
) -> Iterator[tuple[str, str]]:
    segment = lines[hit.line].segments[hit.seg]
    found = by_segment[(hit.line, hit.seg)]
    k = found.index(hit)
    following = found[k + 1] if k + 1 < len(found) else None
    stop = following.start if following else len(segment.text)
    inline = clean(segment.text[hit.end : stop])
    if not _has_value(inline):
        inline = ""  # "DELEGACIÓN / OOAD": the slash joins two wordings of one label
    if inline:
        options = _options_after(lines, hit.line, hit.seg, inline, by_segment)
        if options:
            yield "label:inline", options
        start = (
            len(segment.text[: hit.end])
            + len(segment.text[hit.end :])
            - len(segment.text[hit.end :].lstrip(" :："))
        )
        wrapped = _wrapped(lines, hit.line, _x_at(segment, start), by_segment)
        if wrapped:
            yield "label:inline", f"{inline} {wrapped}"
        yield "label:inline", inline
    if following is not None:
        if hit.line in header_lines or not inline:
            yield from _below(lines, hit, by_segment, following.x0, header_lines)
        return
    if not inline and hit.line not in header_lines:
        cell = _centred_cell(lines, hit, by_segment)
        if cell:
            yield "label:right", cell
    right = _right(lines, hit, by_segment)
    if hit.line in header_lines:
        yield from _below(lines, hit, by_segment, None, header_lines)
        if right:
            yield "label:right", right
        return
    if right:
        options = _options_after(lines, hit.line, hit.seg + 1, right, by_segment)
        if options:
            yield "label:right", options
        nxt = lines[hit.line].segments[hit.seg + 1]
        wrapped = _wrapped(lines, hit.line, nxt.x0, by_segment)
        head = nxt.text if clean(nxt.text) == right else right  # keeps "…MÉXICO, S."
        above = _wrapped_above(lines, hit.line, nxt, by_segment)
        if above:
            yield "label:right", clean(f"{above} {head} {wrapped}")
        if wrapped:
            yield "label:right", clean(f"{head} {wrapped}")
        yield "label:right", right
    elif not inline:
        straddled = _straddling(lines, hit, by_segment)
        if straddled:
            yield "label:right", straddled
        after_piece = _right_of_last_piece(lines, hit, by_segment)
        if after_piece:
            yield "label:right", after_piece
    yield from _below(lines, hit, by_segment, None, header_lines)


def _aligned(low: Segment, top: Segment) -> bool:
    """A header cell's lower line starts where it starts, or is centred under it."""
    return abs(low.x0 - top.x0) <= 4 or abs(low.x0 + low.x1 - top.x0 - top.x1) <= 8


def _wrapped_above(
    lines: Sequence[Line],
    li: int,
    value: Segment,
    by_segment: Mapping[tuple[int, int], list[Hit]],
) -> str:
    """ "INSTITUTO TECNOLÓGICO SUPERIOR DE LA" / "Nombre o razón social: | REGIÓN SIERRA
    NORTE": a label centred on its cell sits beside the value's second line, and the first
    is a run alone on the line above, in the value's column, nearer this row than the row
    above it (the wrapped end of the previous row's value is nearer that row)."""
    if li < 1:
        return ""
    above = lines[li - 1]
    if above.page != lines[li].page or len(above.segments) != 1 or (li - 1, 0) in by_segment:
        return ""
    run = above.segments[0]
    if abs(run.x0 - value.x0) > 3 or lines[li].top - above.bottom > 1.2 * value.height:
        return ""
    pitch = lines[li].top - above.top
    before = lines[li - 2] if li >= 2 else None
    if (
        before is not None
        and before.page == above.page
        and above.top - before.top <= _WRAP_NEARER * pitch
    ):
        return ""  # as near the row above: that row's value wrapped
    return run.text


def _centred_cell(
    lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> str:
    """A table whose cells are centred vertically: a value of several lines ("FUNDACION PARA
    LA" / "EDUCACION Y EL" / "DESARROLLO RURAL" / "SUSTENTABLE, A.C.") sits around its label
    (itself maybe wrapped, "Nombre o" / "razón social"), its first lines above the label's.
    The value is the longest stack of runs at one left edge, one line after the other, whose
    middle is the label's middle; only a stack that starts above the label is returned (the
    other readings already cover a value that starts beside it)."""
    label = lines[hit.line].segments[hit.seg]
    last = max(
        (
            found[0].line
            for (lj, _sj), found in by_segment.items()
            if hit.line < lj <= hit.line + 4 and found[0].piece_of == hit.line
        ),
        default=hit.line,
    )
    top, bottom, height = label.top, lines[last].bottom, label.height
    x0 = _value_column(lines, hit, by_segment, top - height, bottom + height)
    if x0 is None:
        return ""
    stack: list[Segment] = []
    for lj in range(max(hit.line - 6, 0), min(last + 7, len(lines))):
        line = lines[lj]
        if line.page != label.page:
            continue
        if lj not in range(hit.line, last + 1) and any(
            (lj, sj) in by_segment and r.x0 < label.x1 and r.x1 > label.x0
            for sj, r in enumerate(line.segments)
        ):  # another row's label: the stack so far is not this row's
            if stack and stack[-1].bottom >= top:
                break
            stack = []
            continue
        run = next(
            (
                r
                for sj, r in enumerate(line.segments)
                if abs(r.x0 - x0) <= 4 and (lj, sj) not in by_segment
            ),
            None,
        )
        if stack and (run or line).top - stack[-1].bottom > _WRAP_GAP * height:
            if stack[-1].bottom >= top:
                break
            stack = []
        if run is not None:
            stack.append(run)
    middle = (top + bottom) / 2
    best: list[Segment] = []
    for i in range(len(stack)):
        for j in range(i, len(stack)):
            window = stack[i : j + 1]
            if window[0].top > top - height / 2 or window[-1].bottom <= top:
                continue
            if abs((window[0].top + window[-1].bottom) / 2 - middle) <= height / 2 and len(
                window
            ) > len(best):
                best = window
    return clean(" ".join(r.text for r in best))


def _value_column(
    lines: Sequence[Line],
    hit: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
    top: float,
    bottom: float,
) -> float | None:
    """The left edge of the label's value column: the nearest run right of the label on the
    lines beside it, left of every other label on the rows around (a run past one is that
    column's)."""
    label = lines[hit.line].segments[hit.seg]
    span = bottom - top

    def right_of_label(near: float) -> list[tuple[int, int, Segment]]:
        return [
            (lj, sj, run)
            for lj, line in enumerate(lines)
            if line.page == label.page and line.bottom >= top - near and line.top <= bottom + near
            for sj, run in enumerate(line.segments)
            if run.x0 > label.x1
        ]

    fence = min(
        (r.x0 for lj, sj, r in right_of_label(span) if (lj, sj) in by_segment), default=None
    )
    return min(
        (
            run.x0
            for lj, sj, run in right_of_label(0)
            if (lj, sj) not in by_segment and (fence is None or run.x1 < fence)
        ),
        default=None,
    )


def _right_of_last_piece(
    lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> str:
    """ "DERECHOS VIGENTES" / "(S/N):  S": a label wrapped over lines has its value beside
    its last piece."""
    pieces = [
        found[0]
        for (lj, _sj), found in by_segment.items()
        if hit.line < lj <= hit.line + 4 and found[0].piece_of == hit.line
        and abs(found[0].x0 - hit.x0) <= 4
    ]  # fmt: skip
    piece = max(pieces, key=lambda p: p.line, default=None)
    if piece is None or piece.seg + 1 >= len(lines[piece.line].segments):
        return ""
    if (piece.line, piece.seg + 1) in by_segment:
        return ""  # the next label
    return clean(lines[piece.line].segments[piece.seg + 1].text)


def _options_after(
    lines: Sequence[Line],
    li: int,
    si: int,
    first: str,
    by_segment: Mapping[tuple[int, int], list[Hit]],
) -> str:
    """ "[ ] Vigente | [X] Baja": tick-box options laid out as runs of their own are one
    value, so the ticked one can be told from the others (empty: ``first`` has no box)."""
    if not has_box(fold(first)):
        return ""
    runs = [first]
    for sj in range(si + 1, len(lines[li].segments)):
        text = lines[li].segments[sj].text
        if (li, sj) in by_segment or not has_box(fold(text)):
            break  # the next label, or a run that is no option
        runs.append(text)
    return " ".join(runs) if len(runs) > 1 else ""


def _straddling(
    lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> str:
    """A value of two lines with its label centred between them ("ASOCIACIÓN … DE" /
    "Nombre o razón social" / "PACHUCA, A.C."): the line above the label holds nothing but
    the value's first piece, and the line below goes on at the same left edge. Without
    this the label reads only the value's second half."""
    li = hit.line
    if li == 0 or li + 1 >= len(lines):
        return ""
    label = lines[li].segments[hit.seg]
    above = lines[li - 1]
    if above.page != label.page or len(above.segments) != 1 or (li - 1, 0) in by_segment:
        return ""
    first = above.segments[0]
    if first.x0 <= label.x1 or label.top - first.bottom > 0.5 * label.height:
        return ""
    if _row_label(lines, li - 2, first.x0, by_segment) is not None and any(
        abs(s.x0 - first.x0) <= 6
        and first.top - s.bottom <= _WRAP_GAP * first.height
        and first.top - s.top <= _WRAP_NEARER * (label.top - first.top)
        for s in lines[li - 2].segments
    ):
        return ""  # the wrapped end of the value of the row above (as near that row)
    below = lines[li + 1]
    second = next((s for s in below.segments if abs(s.x0 - first.x0) <= 6), None)
    if (
        second is None
        or below.page != label.page
        or (li + 1, below.segments.index(second)) in by_segment
        or second.top - label.bottom > 0.5 * label.height
    ):
        return ""
    rest = _wrapped(lines, li + 1, second.x0, by_segment)
    return clean(f"{first.text} {second.text} {rest}")


_WRAP_GAP = 1.2  # a wrapped cell's next line follows within a line height; a row is further


def _wrapped(
    lines: Sequence[Line], li: int, x0: float, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> str:
    """The rest of a value that wraps inside its cell ("BECERRA" / "CERVANTES ANA" / "LAURA"):
    runs starting at the value's left edge on the lines right below it, each within a line
    height of the piece above, none a label or the value of a label to its left on its row.
    Leader dots between the pieces ("Nombre : ......") are skipped."""
    pieces: list[str] = []
    last = next((s for s in lines[li].segments if abs(s.x0 - x0) <= 6), None)
    if last is None:
        return ""
    bottom, height = last.bottom, last.height
    own_label = _row_label(lines, li, x0, by_segment)
    for lj in range(li + 1, min(li + 6, len(lines))):
        line = lines[lj]
        if line.page != lines[li].page or line.top - bottom > _WRAP_GAP * height:
            break
        piece = None
        for sj, candidate in enumerate(line.segments):
            if (
                abs(candidate.x0 - x0) <= 6
                or _same_centre(candidate, last)
                or _same_right(candidate, last)
            ):
                piece = (sj, candidate)
            elif (
                candidate.x0 < x0
                and (lj, sj) in by_segment
                and not _lower_piece_of_row(by_segment[(lj, sj)], li)
                and (own_label is None or candidate.x1 > own_label.x0 - 14)
            ):
                return clean(" ".join(pieces))  # the next row's label: this run is its value
        if piece is None:
            if all(re.fullmatch(r"[\s._-]+", s.text) for s in line.segments):
                continue  # leader dots
            if any(s.x0 < x0 + 6 < s.x1 for s in line.segments):
                break  # something else crosses the column
            continue  # another column's line in between
        sj, candidate = piece
        if (lj, sj) in by_segment:
            break
        pieces.append(candidate.text.strip())  # its dots kept: "…MÉXICO, S." / "DE R.L."
        bottom = candidate.bottom
    return clean(" ".join(pieces))


def _lower_piece_of_row(hits: Sequence[Hit], li: int) -> bool:
    """The lower piece of a label that starts on row ``li`` or above ("Nombre o" / "razón
    social"): the value beside it still wraps, it is not the next row's label."""
    return all(0 <= h.piece_of <= li for h in hits)


def _same_right(run: Segment, above: Segment) -> bool:
    """A right-aligned cell's lines share their right edge ("…DEL GOLFO DE MÉXICO, S." /
    "DE R.L. DE C.V."); the shorter line starts further right."""
    return abs(run.x1 - above.x1) <= 4 and run.x0 > above.x0 + 2


def _same_centre(run: Segment, above: Segment) -> bool:
    """A centred cell's lines share their centre, not their left edge."""
    centre = (run.x0 + run.x1) / 2 - (above.x0 + above.x1) / 2
    return abs(centre) <= 4 and run.x0 > above.x0 - 2


def _row_label(
    lines: Sequence[Line], li: int, x0: float, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> Segment | None:
    """The label run of the value at ``x0`` on line ``li``: the nearest label run to its left
    (or the value's own run, for an inline value)."""
    found = None
    for sj, segment in enumerate(lines[li].segments):
        if segment.x0 <= x0 + 6 and (li, sj) in by_segment:
            found = segment
    return found


def _continues_above(
    lines: Sequence[Line],
    li: int,
    run: Segment,
    label: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
) -> bool:
    """``run`` is the wrapped end of a value of the line above (same left edge, within a line
    height) whose label is in another column than ``label``: not a value of this row."""
    for lj in range(li - 1, max(li - 4, -1), -1):
        above = lines[lj]
        if above.page != run.page:
            return False
        piece = next((s for s in above.segments if abs(s.x0 - run.x0) <= 6), None)
        if piece is None:
            if all(re.fullmatch(r"[\s._-]+", s.text) for s in above.segments):
                continue
            return False
        if run.top - piece.bottom > _WRAP_GAP * run.height:
            return False
        if any(s is piece for sj, s in enumerate(above.segments) if (lj, sj) in by_segment):
            return False  # a label above, not a value
        owner = _row_label(lines, lj, run.x0, by_segment)
        if owner is not None and (owner.x1 < label.x0 - 14 or owner.x0 > label.x1 + 14):
            return True  # that value's label is in another column than this one
    return False


def _x_at(segment: Segment, index: int) -> float:
    width = max(len(segment.text), 1)
    return segment.x0 + (segment.x1 - segment.x0) * index / width


def _sentence(text: str) -> str:
    """A value inside a sentence ends with its clause: a comma, or a period that ends the
    sentence (not the one of "S.A." or "No.")."""
    return _CLAUSE_END.split(text, maxsplit=1)[0]


# a comma ends a clause, but not the one before a company's legal form ("LA PALMA, S.A. DE
# C.V."); a period ends a sentence, but not the one of "S.A." or "No."
_CLAUSE_END = re.compile(
    r",\s(?!S\.? ?A\.?\b|S\.? ?C\.?\b|S\.? DE R\.? ?L|A\.? ?C\.|S\.?A\.?P\.?I|S\.?P\.?R)"
    r"|\.\s+(?=[A-ZÁÉÍÓÚÑ][a-záéíóúñ])|\.$"
)


def _right(lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]) -> str:
    line = lines[hit.line]
    if hit.seg + 1 >= len(line.segments):
        return ""
    nxt = line.segments[hit.seg + 1]
    labels = by_segment.get((hit.line, hit.seg + 1))
    if labels and labels[0].start == 0:
        return ""
    if _under_a_label(lines, hit.line, nxt, by_segment):
        return ""  # a two-column page: that is the other column's value
    if _continues_above(lines, hit.line, nxt, hit, by_segment):
        return ""  # the wrapped end of the other column's value
    return clean(nxt.text[: labels[0].start] if labels else nxt.text)


def _worded_right(
    lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> str:
    """The next run when it begins with another field's label word and goes on without a
    colon ("CONDICIÓN DEL ASEGURADO | ASEGURADO CON DERECHOS"): tried after every other
    position, since the word is more often the next label than the value's own."""
    line = lines[hit.line]
    if hit.seg + 1 >= len(line.segments) or (hit.line, hit.seg) not in by_segment:
        return ""
    if by_segment[(hit.line, hit.seg)][-1] is not hit:
        return ""
    nxt = line.segments[hit.seg + 1]
    labels = by_segment.get((hit.line, hit.seg + 1))
    if not labels or labels[0].start != 0 or not _worded_value(labels, hit, nxt):
        return ""
    return clean(nxt.text)


def _worded_value(labels: list[Hit], owner: Hit, run: Segment) -> bool:
    """``run`` starts with one label, of another field, with no colon, and goes on."""
    label = labels[0]
    return (
        len(labels) == 1
        and label.field not in (owner.field, STOPPER)
        and not label.colon
        and _has_value(run.text[label.end :])
    )


def _under_a_label(
    lines: Sequence[Line],
    li: int,
    candidate: Segment,
    by_segment: Mapping[tuple[int, int], list[Hit]],
) -> bool:
    """``candidate`` sits right under a label of its own column that has no value beside it."""
    for lj in range(li - 1, max(li - 3, -1), -1):
        above = lines[lj]
        if above.page != lines[li].page:
            return False
        for sj, segment in enumerate(above.segments):
            if abs(segment.x0 - candidate.x0) > 14:
                continue
            found = by_segment.get((lj, sj))
            if not found or found[0].start != 0 or found[-1].field == STOPPER:
                return False
            rest = clean(segment.text[found[-1].end :])
            return not rest and sj + 1 == len(above.segments)
    return False


def _below(
    lines: Sequence[Line],
    hit: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
    next_label_x: float | None,
    header_lines: set[int],
) -> Iterator[tuple[str, str]]:
    """Runs under the label, in its column band, nearest first (up to three lines down).
    Last, the runs there that begin with another field's label word and go on without a
    colon ("CONDICIÓN" over "ASEGURADO SIN / DERECHOS"): the word may be the value's own."""
    worded: list[str] = []
    yield from _below_runs(lines, hit, by_segment, next_label_x, worded, header_lines)
    yield from (("label:below", text) for text in worded)


def _below_runs(
    lines: Sequence[Line],
    hit: Hit,
    by_segment: Mapping[tuple[int, int], list[Hit]],
    next_label_x: float | None,
    worded: list[str],
    header_lines: set[int],
) -> Iterator[tuple[str, str]]:
    label_line = lines[hit.line]
    height = max(label_line.bottom - label_line.top, 1.0)
    right_edge = next_label_x if next_label_x is not None else _next_run_x(label_line, hit)
    reference = label_line.bottom  # the header's last line: a wrapped label moves it down
    band = _column_band(lines, hit, by_segment) if hit.line in header_lines else None
    continuation: tuple[float, str] | None = None
    # bounded by distance, not by a count of lines: the other column's lines (leader dots,
    # labels) come in between on a two-column page
    for lj in range(hit.line + 1, min(hit.line + 9, len(lines))):
        below = lines[lj]
        if below.page != label_line.page:
            return
        if below.top - reference > max(4.5 * height, 24.0):
            return  # PDFium's boxes are cap-height tight: a row pitch is several of them
        for sj, candidate in enumerate(below.segments):
            part = _under(candidate, hit.x0, right_edge)
            if part != candidate.text and band is not None and _in_band(candidate, band):
                part = candidate.text  # a centred header over a left-aligned value
            if part is None:
                continue
            labels = by_segment.get((lj, sj))
            if labels and labels[0].start == 0:
                wrapped_piece = labels[0].field == STOPPER and abs(labels[0].x0 - hit.x0) <= 4
                right_under = _starts_near(labels[0], hit.x0, right_edge) and lj == hit.line + 1
                if labels[0].field == hit.field and _has_value(candidate.text[labels[0].end :]):
                    yield "label:below", clean(part)  # "CLÍNICA (UMF)" over "UMF 187"
                if right_under and abs(labels[0].x0 - hit.x0) <= 14:
                    if hit.line not in header_lines and _has_value_beside(
                        lines, lj, sj, by_segment
                    ):
                        return  # the next row is "label: value": this label has no value below
                    heading = len(label_line.segments) == 1 and not hit.colon
                    if heading and (lj in header_lines or labels[-1].colon):
                        # a section heading ("EMISIÓN") over a grid's header row or over
                        # "Label:" rows; a lone word under it ("ASEGURADO") may be its value
                        return
                if part == candidate.text and _worded_value(labels, hit, candidate):
                    wrapped = _wrapped(lines, lj, candidate.x0, by_segment)
                    worded.append(clean(f"{candidate.text} {wrapped}"))
                    if wrapped:  # "CLÍNICA DENTAL" / "SONRISA S.C.": one value, not two
                        continuation = (candidate.x0, wrapped)
                if wrapped_piece or right_under:
                    reference = below.bottom
                    break  # a label right under this one: a header row (grid), look lower
                if _starts_near(labels[0], hit.x0, right_edge):
                    return  # the next field's row: this label has no value below it
                continue  # a label of another column
            if labels:
                part = _cut_at_labels(candidate, part, labels)
            if (
                continuation is not None
                and abs(candidate.x0 - continuation[0]) <= 6
                and continuation[1].startswith(clean(part))
            ):
                continue  # the wrapped end of a run read above as a worded value
            if part:
                x0 = candidate.x0 if part == candidate.text else max(candidate.x0, hit.x0 - 14)
                wrapped = _wrapped(lines, lj, x0, by_segment)
                if wrapped:
                    yield "label:below", f"{part} {wrapped}"
                yield "label:below", part


def _column_band(
    lines: Sequence[Line], hit: Hit, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> tuple[float, float, float]:
    """A header row's column, from the labels' centres: each column reaches halfway to the
    next label's centre. Headers centred over their cells leave a left-aligned value
    starting left of its label (a name under "Nombre:"), or nearer the previous label. A
    neighbour wrapped over two lines sits a little higher or lower: it counts too. Last,
    the previous label's centre, which a value of this column never reaches back to."""
    row = lines[hit.line]
    reach = max(row.bottom - row.top, 8.0)
    centres = sorted(
        (h.x0 + h.x1) / 2
        for (li, _si), found in by_segment.items()
        if lines[li].page == row.page and abs(lines[li].top - row.top) <= reach
        for h in found
    )
    mine = (hit.x0 + hit.x1) / 2
    before = [c for c in centres if c < mine - 1]
    after = [c for c in centres if c > mine + 1]
    left = (before[-1] + mine) / 2 if before else float("-inf")
    right = (after[0] + mine) / 2 if after else float("inf")
    return left, right, before[-1] if before else left


def _in_band(candidate: Segment, band: tuple[float, float, float]) -> bool:
    """Centred in the label's column; starting after the previous label's centre (values
    are left-aligned in their cells) and ending inside the column."""
    left, right, before = band
    centre = (candidate.x0 + candidate.x1) / 2
    return left <= centre < right and candidate.x0 > before and candidate.x1 <= right + 6


def _has_value_beside(
    lines: Sequence[Line], li: int, si: int, by_segment: Mapping[tuple[int, int], list[Hit]]
) -> bool:
    """The label run ``si`` of line ``li`` has its value on its own row: after a colon in its
    run, or in the next run when that one does not start with a label. ("ASEGURADO SIN"
    under "CONDICIÓN" is no such row: the label word may be the value's own.)"""
    line = lines[li]
    last = by_segment[(li, si)][-1]
    rest = line.segments[si].text[last.end :]
    if (last.colon and _has_value(rest)) or (":" in rest and _has_value(rest.split(":", 1)[1])):
        return True  # "Patrón: ASOCIACIÓN…", "Fecha de alta en el IMSS: 2021-12-16"
    if si + 1 >= len(line.segments):
        return False
    following = by_segment.get((li, si + 1))
    return not following or following[0].start > 0


def _next_run_x(line: Line, hit: Hit) -> float | None:
    if hit.seg + 1 < len(line.segments):
        return line.segments[hit.seg + 1].x0
    return None


def _starts_near(label: Hit, x0: float, right_edge: float | None) -> bool:
    return label.x0 >= x0 - 12 and (right_edge is None or label.x0 < right_edge)


def _under(candidate: Segment, x0: float, right_edge: float | None) -> str | None:
    """The part of ``candidate`` inside the column [x0 - slack, right_edge), or None."""
    slack = 14.0
    left_bound = x0 - slack
    if candidate.x1 <= left_bound or (right_edge is not None and candidate.x0 >= right_edge - 3):
        return None  # left of the column, or the next column's run (its edge a hair off)
    if candidate.x0 >= left_bound and (right_edge is None or candidate.x1 <= right_edge + slack):
        return candidate.text
    if right_edge is None and candidate.x0 < left_bound - 40:
        return None  # starts far left of the label: a run of another column
    if candidate.x0 < left_bound and candidate.x1 < x0 + slack:
        return None  # the left column's run, its end a little past that column's edge
    # a run spanning several columns (a merged value row): cut it by x position
    width = max(len(candidate.text), 1)
    per_char = (candidate.x1 - candidate.x0) / width
    start = max(0, int((left_bound - candidate.x0) / per_char))
    end = width if right_edge is None else int((right_edge - candidate.x0) / per_char)
    text = candidate.text
    while start > 0 and not text[start - 1].isspace():
        start -= 1  # back to the start of the word the column edge cut
    while end < width and not text[end - 1].isspace() and not text[end].isspace():
        end += 1
    return clean(text[start:end]) or None


def _cut_at_labels(candidate: Segment, part: str, labels: list[Hit]) -> str:
    if part == candidate.text:
        return clean(part[: labels[0].start]) if labels[0].start > 0 else ""
    return part
