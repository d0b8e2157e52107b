"""Minimal .docx back end: letters students type in a word processor, exported by LibreOffice.

Only the WordprocessingML a typical letter uses: paragraphs, runs, tables, an inline picture
(the scanned signature), a page-number footer.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from bench.heldout.layout import (
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

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
WP = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
PIC = 'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'


def _run(text: str, size: float, bold: bool = False, font: str = "") -> str:
    props = f'<w:sz w:val="{round(size * 2)}"/>'
    if bold:
        props = "<w:b/>" + props
    if font:
        props = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}"/>' + props
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _p(runs: str, align: str = "left", before: int = 0, brk: bool = False) -> str:
    jc = {"left": "left", "center": "center", "right": "right", "justify": "both"}[align]
    pb = "<w:pageBreakBefore/>" if brk else ""
    return (
        f'<w:p><w:pPr>{pb}<w:spacing w:before="{before}" w:after="80"/><w:jc w:val="{jc}"/>'
        f"</w:pPr>{runs}</w:p>"
    )


def _tbl(rows: list[list[tuple[str, bool]]], widths: list[int], border: bool, size: float) -> str:
    b = "single" if border else "nil"
    borders = "".join(
        f'<w:{s} w:val="{b}" w:sz="4" w:color="444444"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    body = []
    for row in rows:
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
            f"{_p(_run(t, size, bold))}</w:tc>"
            for (t, bold), w in zip(row, widths, strict=True)
        )
        body.append(f"<w:tr>{cells}</w:tr>")
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblBorders>{borders}'
        f"</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(body)}</w:tbl>"
    )


def _picture(rid: str, n: int, cx: int, cy: int) -> str:
    return (
        f'<w:r><w:drawing><wp:inline><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:docPr id="{n}" name="Firma {n}"/><a:graphic><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        f'<pic:nvPicPr><pic:cNvPr id="{n}" name="firma{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def render_docx(doc: Document) -> bytes:
    """A .docx file (bytes) with the document's blocks."""
    font = font_name(doc)
    mono = "Liberation Mono"
    media: list[tuple[str, bytes]] = []
    body: list[str] = []
    brk = False
    full = 9600  # twentieths of a point, text width

    def p(runs: str, align: str = "left", before: int = 0) -> str:
        nonlocal brk
        out = _p(runs, align, before, brk)
        brk = False
        return out

    for b in doc.blocks:
        if brk and isinstance(b, KVTable | Grid | Logo):
            body.append(p(""))
        if isinstance(b, Heading):
            body.append(p(_run(b.text, b.size, b.bold), b.align, 60))
        elif isinstance(b, Para):
            runs = "".join(_run(t, b.size, bold, mono if b.mono else "") for t, bold in b.runs)
            body.append(p(runs, b.align, 40))
        elif isinstance(b, KVLines):
            for lab, val in b.rows:
                gap = "<w:r><w:tab/></w:r>" if b.tabbed else _run(" ", b.size)
                body.append(
                    p(_run(f"{lab}{b.sep}", b.size, b.label_bold) + gap + _run(val, b.size))
                )
        elif isinstance(b, KVTable):
            lw = int(full * b.label_width)
            rows = [[(lab, True), (val, False)] for lab, val in b.rows]
            body.append(_tbl(rows, [lw, full - lw], b.border, b.size))
        elif isinstance(b, Grid):
            rows = []
            for k in range(0, len(b.cells), b.cols):
                chunk = list(b.cells[k : k + b.cols]) + [("", "")] * b.cols
                chunk = chunk[: b.cols]
                rows.append([(lab, True) for lab, _ in chunk])
                rows.extend([[("", False)] * b.cols] * b.gap_lines)
                rows.append([(val, False) for _, val in chunk])
            body.append(_tbl(rows, [full // b.cols] * b.cols, b.border, b.size))
        elif isinstance(b, Seal):
            for lab, val in b.items:
                body.append(p(_run(lab, b.size, True)))
                body.append(p(_run(val, b.size, False, mono)))
        elif isinstance(b, Logo):
            rows = [[(b.acronym, True), (" / ".join(b.lines), True), (b.right_text, False)]]
            body.append(_tbl(rows, [1500, 5600, full - 7100], False, b.size))
        elif isinstance(b, Signature):
            body.append(p("", before=300))
            if b.kind == "ink" and b.png:
                media.append((f"rIdImg{len(media) + 1}", b.png))
                rid = media[-1][0]
                body.append(p(_picture(rid, len(media), 1900000, 570000), b.align))
            else:
                body.append(p("", b.align, 500))
            body.append(p(_run("_" * 34, 10), b.align))
            body.append(p(_run(b.caption, 10), b.align))
            if b.name_below:
                body.append(p(_run(b.name_below, 10), b.align))
        elif isinstance(b, Spacer):
            body.append(p("", before=int(b.height * 20)))
        elif isinstance(b, PageBreak):
            brk = True
    footer_ref = ""
    footer_xml = ""
    if doc.footer:
        parts = doc.footer.replace("{pages}", "\x01").split("{page}")
        runs = _run(parts[0], 7)
        if len(parts) > 1:
            fld = '<w:r><w:fldChar w:fldCharType="{t}"/></w:r>'

            def field(name: str) -> str:
                return (
                    fld.format(t="begin")
                    + f'<w:r><w:instrText xml:space="preserve"> {name} </w:instrText></w:r>'
                    + fld.format(t="separate")
                    + _run("1", 7)
                    + fld.format(t="end")
                )

            tail = parts[1].split("\x01")
            runs += field("PAGE") + _run(tail[0], 7)
            if len(tail) > 1:
                runs += field("NUMPAGES") + _run(tail[1], 7)
        footer_xml = f"<w:ftr {W} {R}>{_p(runs, 'center')}</w:ftr>"
        footer_ref = '<w:footerReference w:type="default" r:id="rIdFtr"/>'
    w, h = (12240, 15840) if doc.page == "letter" else (11906, 16838)
    sect = (
        f'<w:sectPr>{footer_ref}<w:pgSz w:w="{w}" w:h="{h}"/><w:pgMar w:top="1000" '
        'w:right="1200" w:bottom="1000" w:left="1200" w:header="500" w:footer="500" '
        'w:gutter="0"/></w:sectPr>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W} {R} {WP} {A} '
        f"{PIC}><w:body>{''.join(body)}{sect}</w:body></w:document>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles {W}><w:docDefaults><w:rPrDefault>'
        f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:cs="{font}"/>'
        f'<w:sz w:val="{round(doc.base_size * 2)}"/><w:lang w:val="es-MX"/></w:rPr>'
        "</w:rPrDefault></w:docDefaults></w:styles>"
    )
    rels = [
        '<Relationship Id="rIdSty" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
    ]
    if footer_xml:
        rels.append(
            '<Relationship Id="rIdFtr" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/footer" Target="footer1.xml"/>'
        )
    for rid, _ in media:
        rels.append(
            f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/image" Target="media/{rid}.png"/>'
        )
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/'
        'styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.styles+xml"/><Override PartName="/word/footer1.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>'
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:

        def put(name: str, data: str | bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        put("[Content_Types].xml", ct)
        put("_rels/.rels", root_rels)
        put("word/document.xml", document)
        put("word/styles.xml", styles)
        if footer_xml:
            put("word/footer1.xml", '<?xml version="1.0" encoding="UTF-8"?>' + footer_xml)
        put(
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>',
        )
        for rid, data in media:
            put(f"word/media/{rid}.png", data)
    return buf.getvalue()
