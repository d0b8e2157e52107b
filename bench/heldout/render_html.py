"""HTML back end: what a web portal page looks like before a browser (or wkhtmltopdf, or
LibreOffice's HTML import) turns it into a PDF."""

from __future__ import annotations

import base64
import html

from bench.heldout.drawing import svg_signature
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


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _sig(block: Signature, simple: bool) -> str:
    if block.kind == "none":
        drawing = '<div style="height:16mm"></div>'
    elif block.kind == "ink":
        b64 = base64.b64encode(block.png).decode()
        drawing = f'<img src="data:image/png;base64,{b64}" style="width:52mm;height:15.6mm">'
    elif simple:
        drawing = '<div style="height:16mm"></div>'
    else:
        drawing = svg_signature(block.strokes, block.kind, 52)
    name = f"<div>{_e(block.name_below)}</div>" if block.name_below else ""
    return (
        f'<div style="text-align:{block.align};margin-top:8mm">'
        f"<div>{drawing}</div>"
        '<div style="border-top:1px solid #000;width:70mm;display:inline-block"></div>'
        f"<div>{_e(block.caption)}</div>{name}</div>"
    )


def render_html(doc: Document, engine: str = "chromium") -> str:
    """HTML for `engine` (chromium, wkhtmltopdf, libreoffice): same content, engine-safe CSS."""
    simple = engine == "libreoffice"
    fam = font_name(doc)
    mono = FONT_FAMILIES["mono"][doc.family_hint % 3]
    size = "letter" if doc.page == "letter" else "A4"
    css = [
        f"@page {{ size: {size}; margin: 14mm 16mm 14mm 16mm; }}",
        f"body {{ font-family: '{fam}'; font-size: {doc.base_size}pt; color: #111; }}",
        "table { border-collapse: collapse; }",
        "td { vertical-align: top; padding: 1.5pt 4pt; }",
        ".b td { border: 0.6pt solid #444; }",
        ".lab { font-weight: bold; }",
        f".mono {{ font-family: '{mono}'; word-break: break-all; }}",
        ".small { color: #333; }",
        ".pf { font-size: 7pt; color: #555; }",
    ]
    if doc.watermark and not simple:
        css.append(
            ".wm { position: fixed; top: 90mm; left: 10mm; font-size: 64pt; color: #000;"
            " opacity: 0.07; transform: rotate(-35deg); -webkit-transform: rotate(-35deg); }"
        )
    out: list[str] = [
        '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">',
        f"<title>{_e(doc.title)}</title><style>{''.join(css)}</style></head><body>",
    ]
    if doc.watermark and not simple:
        out.append(f'<div class="wm">{_e(doc.watermark)}</div>')
    pages = doc.pages()
    page = 1

    def page_end() -> None:
        if doc.footer:
            text = doc.footer.format(page=page, pages=pages)
            out.append(f'<p class="pf" style="text-align:center;margin-top:10mm">{_e(text)}</p>')
        if doc.print_footer:
            out.append(
                '<table style="width:100%;margin-top:4mm" class="pf"><tr>'
                f"<td>{_e(doc.print_footer)}</td>"
                f'<td style="text-align:right">{page}/{pages}</td></tr></table>'
            )

    if doc.print_header:
        left, _, right = doc.print_header.partition("\t")
        out.append(
            '<table style="width:100%;margin-bottom:3mm" class="pf"><tr>'
            f'<td>{_e(left)}</td><td style="text-align:center">{_e(right)}</td></tr></table>'
        )
    for b in doc.blocks:
        if isinstance(b, Heading):
            weight = "bold" if b.bold else "normal"
            out.append(
                f'<div style="text-align:{b.align};font-size:{b.size}pt;font-weight:{weight};'
                f'margin:4pt 0 6pt 0">{_e(b.text)}</div>'
            )
        elif isinstance(b, Para):
            inner = "".join(f"<b>{_e(t)}</b>" if bold else _e(t) for t, bold in b.runs)
            cls = "mono" if b.mono else ""
            color = "color:#444;" if b.gray else ""
            out.append(
                f'<p class="{cls}" style="text-align:{b.align};font-size:{b.size}pt;{color}'
                f'margin:3pt 0 5pt 0;line-height:1.3">{inner}</p>'
            )
        elif isinstance(b, KVLines):
            for label, value in b.rows:
                lab = (
                    f'<span class="lab">{_e(label)}{b.sep}</span>'
                    if b.label_bold
                    else (f"{_e(label)}{b.sep}")
                )
                if b.tabbed:
                    out.append(
                        f'<table style="font-size:{b.size}pt"><tr><td style="width:62mm;'
                        f'padding-left:0">{lab}</td><td>{_e(value)}</td></tr></table>'
                    )
                else:
                    out.append(
                        f'<div style="font-size:{b.size}pt;margin:1.5pt 0">{lab} {_e(value)}</div>'
                    )
        elif isinstance(b, KVTable):
            cls = "b" if b.border else ""
            shade = "background:#e8e8e8;" if b.shade_labels else ""
            rows = "".join(
                f'<tr><td class="lab" style="width:{b.label_width * 100:.0f}%;{shade}">'
                f"{_e(lab)}</td><td>{_e(val)}</td></tr>"
                for lab, val in b.rows
            )
            out.append(
                f'<table class="{cls}" style="width:100%;font-size:{b.size}pt;margin:4pt 0">'
                f"{rows}</table>"
            )
        elif isinstance(b, Grid):
            cls = "b" if b.border else ""
            width = f"{100 / b.cols:.1f}%"
            rows = []
            for i in range(0, len(b.cells), b.cols):
                chunk = b.cells[i : i + b.cols]
                labs = "".join(
                    f'<td class="lab" style="width:{width}">{_e(lab)}</td>' for lab, _ in chunk
                )
                vals = "".join(f"<td>{_e(val)}</td>" for _, val in chunk)
                rows.append(f"<tr>{labs}</tr>")
                for _ in range(b.gap_lines):
                    rows.append(f'<tr><td colspan="{b.cols}">&nbsp;</td></tr>')
                rows.append(f"<tr>{vals}</tr>")
                rows.append(f'<tr><td colspan="{b.cols}" style="height:4pt;border:none"></td></tr>')
            out.append(
                f'<table class="{cls}" style="width:100%;font-size:{b.size}pt;margin:4pt 0">'
                f"{''.join(rows)}</table>"
            )
        elif isinstance(b, Seal):
            border = "border:0.6pt solid #666;padding:3pt;" if b.boxed else ""
            items = "".join(
                f'<div style="font-weight:bold;margin-top:2pt">{_e(lab)}</div>'
                f'<div class="mono">{_e(val)}</div>'
                for lab, val in b.items
            )
            out.append(f'<div style="font-size:{b.size}pt;margin-top:6pt;{border}">{items}</div>')
        elif isinstance(b, Logo):
            lines = "<br>".join(_e(x) for x in b.lines)
            right = _e(b.right_text).replace("\n", "<br>")
            out.append(
                '<table style="width:100%;margin-bottom:6pt"><tr>'
                '<td style="width:26mm"><div style="border:2pt solid #235b4e;width:22mm;'
                "height:14mm;text-align:center;font-weight:bold;font-size:15pt;color:#235b4e;"
                f'line-height:14mm">{_e(b.acronym)}</div></td>'
                f'<td style="font-size:{b.size}pt;font-weight:bold">{lines}</td>'
                f'<td style="text-align:right;font-size:{b.size - 1}pt">{right}</td></tr></table>'
            )
        elif isinstance(b, Signature):
            out.append(_sig(b, simple))
        elif isinstance(b, Spacer):
            out.append(f'<div style="height:{b.height}pt"></div>')
        elif isinstance(b, PageBreak):
            page_end()
            page += 1
            out.append('<p style="page-break-before:always;margin:0;font-size:2pt">&nbsp;</p>')
    page_end()
    out.append("</body></html>")
    return "\n".join(out)
