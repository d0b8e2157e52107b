"""Flat ODF (.fodt) back end: an office-suite document exported by LibreOffice headless.

School offices keep their forms as word-processor files; Writer lays them out with its own
text engine and PDF exporter, unrelated to any browser.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape

from bench.heldout.drawing import SIG_H, SIG_W
from bench.heldout.layout import (
    FONT_FAMILIES,
    Document,
    Grid,
    Heading,
    KVLines,
    KVTable,
    Logo,
    PageBreak,
    Para,
    Seal,
    Signature,
    Spacer,
    font_name,
)

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def _x(text: str) -> str:
    return escape(text)


class _Styles:
    def __init__(self, fam: str, mono: str) -> None:
        self.fam = fam
        self.mono = mono
        self.para: dict[tuple[object, ...], str] = {}
        self.xml: list[str] = []
        self.n = 0

    def p(
        self,
        size: float,
        align: str = "left",
        bold: bool = False,
        mono: bool = False,
        gray: bool = False,
        brk: bool = False,
        above: float = 0.05,
    ) -> str:
        key = (size, align, bold, mono, gray, brk, above)
        if key in self.para:
            return self.para[key]
        self.n += 1
        name = f"P{self.n}"
        al = {"left": "start", "right": "end", "center": "center", "justify": "justify"}[align]
        props = f'fo:text-align="{al}" fo:margin-top="{above}cm" fo:margin-bottom="0.08cm"'
        if brk:
            props += ' fo:break-before="page"'
        tprops = f'fo:font-size="{size}pt" style:font-name="{self.mono if mono else self.fam}"'
        if bold:
            tprops += ' fo:font-weight="bold"'
        if gray:
            tprops += ' fo:color="#444444"'
        self.xml.append(
            f'<style:style style:name="{name}" style:family="paragraph">'
            f"<style:paragraph-properties {props}/><style:text-properties {tprops}/>"
            "</style:style>"
        )
        self.para[key] = name
        return name


def _table(
    st: _Styles,
    name: str,
    widths: list[float],
    rows: list[list[tuple[str, bool, bool]]],
    border: bool,
    size: float,
) -> str:
    """rows of cells (text, bold, shaded); widths in cm."""
    total = sum(widths)
    st.xml.append(
        f'<style:style style:name="{name}" style:family="table"><style:table-properties '
        f'style:width="{total:.2f}cm" table:align="left" fo:margin-top="0.1cm" '
        'fo:margin-bottom="0.1cm"/></style:style>'
    )
    for i, w in enumerate(widths):
        st.xml.append(
            f'<style:style style:name="{name}.C{i}" style:family="table-column">'
            f'<style:table-column-properties style:column-width="{w:.2f}cm"/></style:style>'
        )
    bd = "0.5pt solid #444444" if border else "none"
    for shade in (False, True):
        bg = ' fo:background-color="#e6e6e6"' if shade else ""
        st.xml.append(
            f'<style:style style:name="{name}.X{int(shade)}" style:family="table-cell">'
            f'<style:table-cell-properties fo:border="{bd}" fo:padding="0.06cm"{bg}/>'
            "</style:style>"
        )
    cols = "".join(
        f'<table:table-column table:style-name="{name}.C{i}"/>' for i in range(len(widths))
    )
    body = []
    for row in rows:
        cells = []
        for text, bold, shade in row:
            ps = st.p(size, bold=bold)
            cells.append(
                f'<table:table-cell table:style-name="{name}.X{int(shade)}" office:value-type='
                f'"string"><text:p text:style-name="{ps}">{_x(text)}</text:p></table:table-cell>'
            )
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    return (
        f'<table:table table:name="{name}" table:style-name="{name}">{cols}{"".join(body)}'
        "</table:table>"
    )


def _signature(st: _Styles, b: Signature, idx: int) -> str:
    ps = st.p(10, align=b.align)
    w_cm, h_cm = 5.2, 5.2 * SIG_H / SIG_W
    if b.kind == "ink":
        data = base64.b64encode(b.png).decode()
        drawing = (
            f'<draw:frame draw:name="firma{idx}" text:anchor-type="as-char" svg:width="{w_cm}cm" '
            f'svg:height="{h_cm:.2f}cm"><draw:image><office:binary-data>{data}'
            "</office:binary-data></draw:image></draw:frame>"
        )
    elif b.kind in ("curve", "polyline"):
        if not any(s.startswith('<style:style style:name="gr1"') for s in st.xml):
            st.xml.append(
                '<style:style style:name="gr1" style:family="graphic"><style:graphic-properties '
                'draw:stroke="solid" svg:stroke-color="#101850" svg:stroke-width="0.03cm" '
                'draw:fill="none" style:wrap="none"/></style:style>'
            )
        d = ""
        for pts in b.strokes:
            sc = [(x * 100, y * 100) for x, y in pts]
            d += f" M{sc[0][0]:.0f} {sc[0][1]:.0f}"
            if b.kind == "polyline" or len(sc) < 4:
                d += "".join(f" L{x:.0f} {y:.0f}" for x, y in sc[1:])
            else:
                for k in range(1, len(sc) - 2, 3):
                    (x1, y1), (x2, y2), (x3, y3) = sc[k], sc[k + 1], sc[k + 2]
                    d += f" C{x1:.0f} {y1:.0f} {x2:.0f} {y2:.0f} {x3:.0f} {y3:.0f}"
        drawing = (
            f'<draw:path draw:style-name="gr1" draw:z-index="0" text:anchor-type="as-char" '
            f'svg:width="{w_cm}cm" svg:height="{h_cm:.2f}cm" '
            f'svg:viewBox="0 0 {SIG_W * 100:.0f} {SIG_H * 100:.0f}" svg:d="{d.strip()}"/>'
        )
    else:
        drawing = ""
    space = st.p(10, align=b.align, above=0.8)
    line = "_" * 34
    out = [f'<text:p text:style-name="{space}">{drawing}</text:p>']
    out.append(f'<text:p text:style-name="{ps}">{line}</text:p>')
    out.append(f'<text:p text:style-name="{ps}">{_x(b.caption)}</text:p>')
    if b.name_below:
        out.append(f'<text:p text:style-name="{ps}">{_x(b.name_below)}</text:p>')
    return "".join(out)


def render_fodt(doc: Document) -> str:
    """A flat ODT text document for `soffice --convert-to pdf`."""
    fam = font_name(doc)
    mono = FONT_FAMILIES["mono"][doc.family_hint % 3]
    st = _Styles(fam, mono)
    body: list[str] = []
    pending_break = False
    content_w = 17.6 if doc.page == "letter" else 17.0
    tcount = 0

    def ps(size: float, **kw: object) -> str:
        nonlocal pending_break
        name = st.p(size, brk=pending_break, **kw)  # type: ignore[arg-type]
        pending_break = False
        return name

    for i, b in enumerate(doc.blocks):
        if pending_break and isinstance(b, KVTable | Grid | Logo):
            body.append(f'<text:p text:style-name="{ps(4)}"></text:p>')
        if isinstance(b, Heading):
            body.append(
                f'<text:p text:style-name="{ps(b.size, align=b.align, bold=b.bold)}">'
                f"{_x(b.text)}</text:p>"
            )
        elif isinstance(b, Para):
            style = ps(b.size, align=b.align, mono=b.mono, gray=b.gray)
            inner = "".join(
                f'<text:span text:style-name="TB">{_x(t)}</text:span>' if bold else _x(t)
                for t, bold in b.runs
            )
            body.append(f'<text:p text:style-name="{style}">{inner}</text:p>')
        elif isinstance(b, KVLines):
            for label, value in b.rows:
                style = ps(b.size)
                lab = f"{_x(label)}{b.sep}"
                if b.label_bold:
                    lab = f'<text:span text:style-name="TB">{lab}</text:span>'
                gap = "<text:tab/>" if b.tabbed else " "
                body.append(f'<text:p text:style-name="{style}">{lab}{gap}{_x(value)}</text:p>')
        elif isinstance(b, KVTable):
            tcount += 1
            lw = content_w * b.label_width
            rows = [[(lab, True, b.shade_labels), (val, False, False)] for lab, val in b.rows]
            body.append(_table(st, f"T{tcount}", [lw, content_w - lw], rows, b.border, b.size))
        elif isinstance(b, Grid):
            tcount += 1
            rows = []
            for k in range(0, len(b.cells), b.cols):
                chunk = list(b.cells[k : k + b.cols])
                chunk += [("", "")] * (b.cols - len(chunk))
                rows.append([(lab, True, False) for lab, _ in chunk])
                for _ in range(b.gap_lines):
                    rows.append([("", False, False)] * b.cols)
                rows.append([(val, False, False) for _, val in chunk])
            widths = [content_w / b.cols] * b.cols
            body.append(_table(st, f"T{tcount}", widths, rows, b.border, b.size))
        elif isinstance(b, Seal):
            for lab, val in b.items:
                body.append(f'<text:p text:style-name="{ps(b.size, bold=True)}">{_x(lab)}</text:p>')
                body.append(f'<text:p text:style-name="{ps(b.size, mono=True)}">{_x(val)}</text:p>')
        elif isinstance(b, Logo):
            tcount += 1
            rows = [
                [
                    (b.acronym, True, True),
                    ("\n".join(b.lines), True, False),
                    (b.right_text, False, False),
                ]
            ]
            t = _table(st, f"T{tcount}", [2.6, 9.4, content_w - 12], rows, False, b.size)
            # multi-line cells: one paragraph per line
            for cell_text in (rows[0][1][0], rows[0][2][0]):
                if "\n" in cell_text:
                    style = st.p(b.size, bold=cell_text == rows[0][1][0])
                    t = t.replace(
                        _x(cell_text),
                        f'</text:p><text:p text:style-name="{style}">'.join(
                            _x(x) for x in cell_text.split("\n")
                        ),
                    )
            body.append(t)
        elif isinstance(b, Signature):
            body.append(_signature(st, b, i))
        elif isinstance(b, Spacer):
            body.append(f'<text:p text:style-name="{ps(max(2.0, b.height * 0.7))}"></text:p>')
        elif isinstance(b, PageBreak):
            pending_break = True
    footer = ""
    if doc.footer:
        parts = doc.footer.split("{page}")
        fx = _x(parts[0])
        if len(parts) > 1:
            rest = parts[1].split("{pages}")
            fx += "<text:page-number>1</text:page-number>" + _x(rest[0])
            if len(rest) > 1:
                fx += "<text:page-count>1</text:page-count>" + _x(rest[1])
        fstyle = st.p(7, align="center")
        footer = f'<style:footer><text:p text:style-name="{fstyle}">{fx}</text:p></style:footer>'
    w, h = ("21.59cm", "27.94cm") if doc.page == "letter" else ("21cm", "29.7cm")
    fonts = "".join(
        f'<style:font-face style:name="{f}" svg:font-family="\'{f}\'"/>' for f in {fam, mono}
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document {NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:meta><dc:title>{_x(doc.title)}</dc:title></office:meta>"
        f"<office:font-face-decls>{fonts}</office:font-face-decls>"
        "<office:styles>"
        '<style:default-style style:family="paragraph"><style:text-properties '
        f'style:font-name="{fam}" fo:font-size="{doc.base_size}pt" fo:language="es" '
        'fo:country="MX"/></style:default-style>'
        '<style:style style:name="TB" style:family="text"><style:text-properties '
        'fo:font-weight="bold"/></style:style>'
        "</office:styles>"
        f"<office:automatic-styles>{''.join(st.xml)}"
        '<style:page-layout style:name="PL"><style:page-layout-properties '
        f'fo:page-width="{w}" fo:page-height="{h}" fo:margin-top="1.3cm" fo:margin-bottom="1cm" '
        'fo:margin-left="1.9cm" fo:margin-right="1.9cm"/></style:page-layout>'
        "</office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Standard" '
        f'style:page-layout-name="PL">{footer}</style:master-page></office:master-styles>'
        f"<office:body><office:text>{''.join(body)}</office:text></office:body></office:document>"
    )
