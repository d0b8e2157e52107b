"""A small page-description model that every producer back end renders its own way.

Documents are described once (blocks of headings, label/value rows, grids, prose, seals,
signatures) and then rendered through HTML (Chromium, wkhtmltopdf), ODF/DOCX (LibreOffice)
or a hand-written PDF writer, so the same facts reach the PDF through unrelated code paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Heading:
    """A centred (or left) title line."""

    text: str
    size: float = 13.0
    align: str = "center"
    bold: bool = True


@dataclass
class Para:
    """Running text; `runs` are (text, bold) pieces."""

    runs: list[tuple[str, bool]]
    size: float = 10.0
    align: str = "left"
    mono: bool = False
    gray: bool = False


@dataclass
class KVLines:
    """`Label<sep> value` lines, optionally with the value pushed to a tab column."""

    rows: list[tuple[str, str]]
    sep: str = ":"
    label_bold: bool = True
    tabbed: bool = False
    size: float = 10.0


@dataclass
class KVTable:
    """A two-column table (label cell, value cell), bordered or not."""

    rows: list[tuple[str, str]]
    border: bool = True
    label_width: float = 0.38
    shade_labels: bool = False
    size: float = 10.0


@dataclass
class Grid:
    """Header rows of 2-4 labels with the values one or two lines below, same columns."""

    cells: list[tuple[str, str]]
    cols: int = 3
    gap_lines: int = 0
    border: bool = False
    size: float = 9.5


@dataclass
class Seal:
    """Small print block: labelled long strings (cadena original, sello digital, serie)."""

    items: list[tuple[str, str]]
    size: float = 6.5
    boxed: bool = False


@dataclass
class Logo:
    """A drawn header: a box with an acronym plus institution lines beside it."""

    acronym: str
    lines: list[str]
    size: float = 9.0
    right_text: str = ""


@dataclass
class Signature:
    """A signature area: a drawing (curve / polyline / ink image / none) over a caption."""

    kind: str  # "curve", "polyline", "ink", "none"
    caption: str
    name_below: str = ""
    strokes: list[list[tuple[float, float]]] = field(default_factory=list)
    png: bytes = b""
    align: str = "center"


@dataclass
class Spacer:
    """Vertical space in points."""

    height: float = 10.0


@dataclass
class PageBreak:
    """Start a new page."""


@dataclass
class Document:
    """A whole document: blocks plus page furniture."""

    blocks: list[object]
    font: str = "sans"  # sans / serif / mono families, mapped per back end
    base_size: float = 10.0
    page: str = "letter"  # letter / a4
    footer: str = ""  # may contain {page} and {pages}
    print_header: str = ""  # a browser's print header line (date, title)
    print_footer: str = ""  # a browser's print footer line (URL)
    watermark: str = ""
    title: str = ""
    family_hint: int = 0  # which concrete font of the family

    def pages(self) -> int:
        """Number of explicit pages."""
        return 1 + sum(isinstance(b, PageBreak) for b in self.blocks)


FONT_FAMILIES = {
    "sans": ["Liberation Sans", "DejaVu Sans", "FreeSans", "Nimbus Sans", "URW Gothic"],
    "serif": ["Liberation Serif", "DejaVu Serif", "FreeSerif", "P052", "C059"],
    "mono": ["Liberation Mono", "DejaVu Sans Mono", "FreeMono"],
}


def font_name(doc: Document) -> str:
    """The concrete installed font family for a document."""
    names = FONT_FAMILIES[doc.font]
    return names[doc.family_hint % len(names)]


def run_text(runs: list[tuple[str, bool]]) -> str:
    """The plain text of a paragraph's runs."""
    return "".join(t for t, _ in runs)
