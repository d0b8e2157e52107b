"""A hand-written PDF writer, the way old report servers emit pages.

It uses the standard 14 fonts (not embedded, WinAnsi), and can write text with unusual but
legal operators: TJ arrays whose kerning splits words and replaces spaces, one positioned
operation per character, letter spacing, and a content stream order unrelated to reading
order. The page looks the same; the text layer is what differs.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from pdfminer.fontmetrics import FONT_METRICS
from PIL import Image

from bench.heldout.drawing import SIG_H, SIG_W
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
)

BASE = {
    "sans": ("Helvetica", "Helvetica-Bold"),
    "serif": ("Times-Roman", "Times-Bold"),
    "mono": ("Courier", "Courier-Bold"),
}
MODES = ("plain", "kern", "perchar", "spaced", "shuffled")


def _width(font: str, text: str, size: float) -> float:
    widths = FONT_METRICS[font][1]
    return sum(widths.get(c, 556) for c in text) * size / 1000.0


def _lit(text: str) -> str:
    raw = text.encode("cp1252", errors="replace").decode("latin-1")
    return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


@dataclass
class _Page:
    text_ops: list[str] = field(default_factory=list)
    gfx_ops: list[str] = field(default_factory=list)
    images: list[tuple[str, int, int, bytes]] = field(default_factory=list)


class RawWriter:
    """Lays out a Document on letter/A4 pages and serialises a PDF by hand."""

    def __init__(self, doc: Document, mode: str, rng: random.Random, info: dict[str, str]) -> None:
        self.doc = doc
        self.mode = mode
        self.rng = rng
        self.info = info
        self.w, self.h = (612.0, 792.0) if doc.page == "letter" else (595.0, 842.0)
        self.left, self.right = 50.0, self.w - 50.0
        self.top, self.bottom = 48.0, 60.0
        self.reg, self.bold = BASE[doc.font if doc.font in BASE else "sans"]
        self.fonts = {self.reg: "F1", self.bold: "F2", "Courier": "F3", "Courier-Bold": "F4"}
        self.pages: list[_Page] = [_Page()]
        self.y = self.top
        self.kern_space = rng.uniform(1.25, 1.6) if mode == "kern" else 1.0

    # -- text primitives -------------------------------------------------
    def text(
        self, x: float, y_top: float, s: str, font: str, size: float, gray: bool = False
    ) -> None:
        """Draw `s` with its baseline `size` below y_top (distance from the page top)."""
        if not s:
            return
        y = self.h - y_top - size
        f = self.fonts[font]
        color = "0.35 g " if gray else "0 g "
        mode = self.mode
        if mode == "kern":
            parts: list[str] = []
            # word gaps as displacements (no space glyph), as wide as a justified line's
            space = int(FONT_METRICS[font][1][" "] * self.kern_space)
            for k, word in enumerate(s.split(" ")):
                if k:
                    parts.append(str(-space))
                i = 0
                while i < len(word):
                    n = self.rng.randint(1, 4)
                    parts.append(_lit(word[i : i + n]))
                    i += n
                    if i < len(word):
                        parts.append(str(self.rng.choice([-12, -8, 6, 10, 15, 20])))
            op = f"BT {color}/{f} {size:g} Tf {x:.2f} {y:.2f} Td [{' '.join(parts)}] TJ ET"
        elif mode == "perchar":
            ops = [f"BT {color}/{f} {size:g} Tf"]
            cx = x
            for ch in s:
                if ch != " ":
                    ops.append(f"1 0 0 1 {cx:.2f} {y:.2f} Tm {_lit(ch)} Tj")
                cx += _width(font, ch, size)
            ops.append("ET")
            op = " ".join(ops)
        elif mode == "spaced":
            tc = 0.35
            # letter-spaced text: Tc adds space after every glyph, including spaces
            op = f"BT {color}/{f} {size:g} Tf {tc} Tc {x:.2f} {y:.2f} Td {_lit(s)} Tj 0 Tc ET"
        else:
            op = f"BT {color}/{f} {size:g} Tf {x:.2f} {y:.2f} Td {_lit(s)} Tj ET"
        self.pages[-1].text_ops.append(op)

    def twidth(self, s: str, font: str, size: float) -> float:
        """Advance width including any letter spacing the mode adds."""
        extra = 0.35 * len(s) if self.mode == "spaced" else 0.0
        if self.kern_space != 1.0:
            sw = FONT_METRICS[font][1][" "] * size / 1000.0
            extra += s.count(" ") * sw * (self.kern_space - 1.0)
        return _width(font, s, size) + extra

    def wrap(
        self, words: list[tuple[str, str]], size: float, width: float
    ) -> list[list[tuple[str, str]]]:
        """Greedy word wrap of (word, font) pairs into lines of (word, font) pairs."""
        lines: list[list[tuple[str, str]]] = [[]]
        cur = 0.0
        for word, font in words:
            ww = self.twidth(word, font, size)
            sp = self.twidth(" ", font, size) if lines[-1] else 0.0
            if lines[-1] and cur + sp + ww > width:
                lines.append([])
                cur, sp = 0.0, 0.0
            lines[-1].append((word, font))
            cur += sp + ww
        return lines

    def draw_line(
        self, x: float, y_top: float, line: list[tuple[str, str]], size: float, gray: bool = False
    ) -> None:
        """Draw one wrapped line, grouping consecutive words of the same font."""
        groups: list[tuple[str, str]] = []
        for word, font in line:
            if groups and groups[-1][1] == font:
                groups[-1] = (groups[-1][0] + " " + word, font)
            else:
                groups.append((word, font))
        cx = x
        for k, (txt, font) in enumerate(groups):
            if k:
                cx += self.twidth(" ", font, size)
            self.text(cx, y_top, txt, font, size, gray)
            cx += self.twidth(txt, font, size)

    def line_width(self, line: list[tuple[str, str]], size: float) -> float:
        """Width of a wrapped line."""
        total = 0.0
        for k, (word, font) in enumerate(line):
            total += self.twidth(word, font, size) + (self.twidth(" ", font, size) if k else 0)
        return total

    def need(self, height: float) -> None:
        """Start a new page when `height` does not fit."""
        if self.y + height > self.h - self.bottom:
            self.new_page()

    def new_page(self) -> None:
        """Next page."""
        self.pages.append(_Page())
        self.y = self.top

    def rect(
        self,
        x: float,
        y_top: float,
        w: float,
        h: float,
        lw: float = 0.6,
        fill: float | None = None,
    ) -> None:
        """A stroked (or filled) rectangle in top-based coordinates."""
        y = self.h - y_top - h
        if fill is not None:
            self.pages[-1].gfx_ops.append(f"q {fill} g {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f Q")
        else:
            self.pages[-1].gfx_ops.append(f"q {lw} w 0.25 G {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S Q")

    def hline(self, x1: float, x2: float, y_top: float, lw: float = 0.6) -> None:
        """A horizontal rule."""
        y = self.h - y_top
        self.pages[-1].gfx_ops.append(f"q {lw} w 0 G {x1:.2f} {y:.2f} m {x2:.2f} {y:.2f} l S Q")

    # -- blocks --------------------------------------------------------------
    def para(
        self,
        runs: list[tuple[str, bool]],
        size: float,
        align: str,
        mono: bool = False,
        gray: bool = False,
    ) -> None:
        """Wrapped running text."""
        words: list[tuple[str, str]] = []
        for text, bold in runs:
            font = (
                ("Courier-Bold" if bold else "Courier")
                if mono
                else (self.bold if bold else self.reg)
            )
            words.extend((w, font) for w in text.split())
        width = self.right - self.left
        lead = size * 1.3
        for line in self.wrap(words, size, width):
            self.need(lead)
            x = self.left
            if align == "center":
                x = self.left + (width - self.line_width(line, size)) / 2
            elif align == "right":
                x = self.right - self.line_width(line, size)
            self.draw_line(x, self.y, line, size, gray)
            self.y += lead
        self.y += size * 0.4

    def cell(self, x: float, y_top: float, w: float, text: str, font: str, size: float) -> float:
        """Wrapped cell text; returns the height used."""
        words = [(t, font) for t in text.split()]
        lines = self.wrap(words, size, w - 6) if words else [[]]
        for k, line in enumerate(lines):
            self.draw_line(x + 3, y_top + 2 + k * size * 1.25, line, size)
        return len(lines) * size * 1.25 + 4

    def render(self) -> bytes:
        """Lay out every block, then serialise."""
        doc = self.doc
        for b in doc.blocks:
            if isinstance(b, Heading):
                font = self.bold if b.bold else self.reg
                self.para([(b.text, b.bold)], b.size, b.align)
                _ = font
            elif isinstance(b, Para):
                self.para(b.runs, b.size, b.align, b.mono, b.gray)
            elif isinstance(b, KVLines):
                lead = b.size * 1.45
                for lab, val in b.rows:
                    self.need(lead)
                    lf = self.bold if b.label_bold else self.reg
                    label = f"{lab}{b.sep}"
                    self.text(self.left, self.y, label, lf, b.size)
                    if b.tabbed:
                        vx = self.left + 190
                    else:
                        vx = self.left + self.twidth(label + " ", lf, b.size)
                    used = self.cell(vx - 3, self.y - 2, self.right - vx + 3, val, self.reg, b.size)
                    self.y += max(lead, used - 2)
            elif isinstance(b, KVTable):
                lw = (self.right - self.left) * b.label_width
                for lab, val in b.rows:
                    est = (
                        b.size
                        * 1.25
                        * (1 + len(val) * b.size * 0.5 // (self.right - self.left - lw))
                        + 6
                    )
                    self.need(est)
                    y0 = self.y
                    h1 = self.cell(self.left, y0, lw, lab, self.bold, b.size)
                    h2 = self.cell(
                        self.left + lw, y0, self.right - self.left - lw, val, self.reg, b.size
                    )
                    hh = max(h1, h2)
                    if b.shade_labels:
                        self.rect(self.left, y0, lw, hh, fill=0.9)
                    if b.border:
                        self.rect(self.left, y0, lw, hh)
                        self.rect(self.left + lw, y0, self.right - self.left - lw, hh)
                    self.y += hh
                self.y += 6
            elif isinstance(b, Grid):
                cw = (self.right - self.left) / b.cols
                for k in range(0, len(b.cells), b.cols):
                    chunk = b.cells[k : k + b.cols]
                    self.need(b.size * 1.3 * (3 + b.gap_lines))
                    y0 = self.y
                    hl = max(
                        self.cell(self.left + i * cw, y0, cw, lab, self.bold, b.size)
                        for i, (lab, _) in enumerate(chunk)
                    )
                    yv = y0 + hl + b.gap_lines * b.size * 1.3
                    hv = max(
                        self.cell(self.left + i * cw, yv, cw, val, self.reg, b.size)
                        for i, (_, val) in enumerate(chunk)
                    )
                    if b.border:
                        for i in range(len(chunk)):
                            self.rect(self.left + i * cw, y0, cw, hl)
                            self.rect(self.left + i * cw, y0 + hl, cw, yv - y0 - hl + hv)
                    self.y = yv + hv + 5
            elif isinstance(b, Seal):
                width = self.right - self.left
                y_start = self.y
                for lab, val in b.items:
                    self.need(b.size * 3)
                    self.text(self.left + 3, self.y, lab, self.bold, b.size)
                    self.y += b.size * 1.3
                    per_line = int((width - 6) / (b.size * 0.6))
                    for i in range(0, len(val), per_line):
                        self.need(b.size * 1.25)
                        self.text(self.left + 3, self.y, val[i : i + per_line], "Courier", b.size)
                        self.y += b.size * 1.25
                if b.boxed and len(self.pages) and self.y > y_start:
                    self.rect(self.left, y_start - 2, width, self.y - y_start + 4)
                self.y += 6
            elif isinstance(b, Logo):
                self.need(50)
                y0 = self.y
                self.rect(self.left, y0, 62, 40, lw=2)
                aw = self.twidth(b.acronym, self.bold, 16)
                self.text(self.left + 31 - aw / 2, y0 + 12, b.acronym, self.bold, 16)
                for k, line in enumerate(b.lines):
                    self.text(self.left + 74, y0 + 4 + k * b.size * 1.3, line, self.bold, b.size)
                for k, line in enumerate(b.right_text.split("\n")):
                    if line:
                        rw = self.twidth(line, self.reg, b.size - 1)
                        self.text(
                            self.right - rw, y0 + 4 + k * b.size * 1.2, line, self.reg, b.size - 1
                        )
                self.y = y0 + max(46, len(b.lines) * b.size * 1.3 + 8)
            elif isinstance(b, Signature):
                self.signature(b)
            elif isinstance(b, Spacer):
                self.y += b.height
            elif isinstance(b, PageBreak):
                self.new_page()
        return self.serialise()

    def signature(self, b: Signature) -> None:
        """Drawing, rule and caption, centred (or left)."""
        self.need(110)
        sw, sh = 150.0, 150.0 * SIG_H / SIG_W
        cx = (self.left + self.right) / 2 if b.align == "center" else self.left + 110
        x0, y0 = cx - sw / 2, self.y + 14
        page = self.pages[-1]
        if b.kind in ("curve", "polyline"):
            sx = sw / SIG_W
            ops = ["q 0.05 0.08 0.3 RG 1.1 w 1 J 1 j"]
            for pts in b.strokes:
                tp = [(x0 + x * sx, self.h - (y0 + y * sx)) for x, y in pts]
                ops.append(f"{tp[0][0]:.2f} {tp[0][1]:.2f} m")
                if b.kind == "polyline" or len(tp) < 4:
                    ops.extend(f"{x:.2f} {y:.2f} l" for x, y in tp[1:])
                else:
                    for i in range(1, len(tp) - 2, 3):
                        (x1, y1), (x2, y2), (x3, y3) = tp[i], tp[i + 1], tp[i + 2]
                        ops.append(f"{x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} {x3:.2f} {y3:.2f} c")
                ops.append("S")
            ops.append("Q")
            page.gfx_ops.append(" ".join(ops))
        elif b.kind == "ink" and b.png:
            import io

            img = Image.open(io.BytesIO(b.png)).convert("RGB")
            name = f"Im{len(page.images) + 1}"
            page.images.append((name, img.width, img.height, zlib.compress(img.tobytes())))
            page.gfx_ops.append(
                f"q {sw:.2f} 0 0 {sh:.2f} {x0:.2f} {self.h - y0 - sh:.2f} cm /{name} Do Q"
            )
        line_y = y0 + sh + 6
        self.hline(cx - 100, cx + 100, line_y)
        y = line_y + 4
        for t in (b.caption, b.name_below):
            if t:
                tw = self.twidth(t, self.reg, 9.5)
                self.text(cx - tw / 2, y, t, self.reg, 9.5)
                y += 13
        self.y = y + 6

    def serialise(self) -> bytes:
        """Objects, xref table and trailer, written out by hand."""
        doc = self.doc
        n_pages = len(self.pages)
        for i, page in enumerate(self.pages):
            if doc.footer:
                txt = doc.footer.format(page=i + 1, pages=n_pages)
                tw = self.twidth(txt, self.reg, 7.5)
                page.text_ops.append("")  # keep footer text op last for all modes
                self.pages_append(page, (self.w - tw) / 2, self.h - 40, txt)
            if doc.watermark:
                wm = doc.watermark
                page.gfx_ops.insert(
                    0,
                    f"q 0.92 g BT /F2 60 Tf 0.819 0.574 -0.574 0.819 120 250 Tm {_lit(wm)} Tj ET Q",
                )
            if self.mode == "shuffled":
                self.rng.shuffle(page.text_ops)
        objs: list[bytes] = []

        def add(body: bytes) -> int:
            objs.append(body)
            return len(objs)

        catalog = add(b"")
        pages_id = add(b"")
        font_ids = {}
        for font, name in self.fonts.items():
            font_ids[name] = add(
                f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} "
                "/Encoding /WinAnsiEncoding >>".encode()
            )
        fonts = " ".join(f"/{n} {i} 0 R" for n, i in font_ids.items())
        kids = []
        for page in self.pages:
            xobj = ""
            if page.images:
                refs = []
                for name, w, h, data in page.images:
                    iid = add(
                        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace "
                        f"/DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length {len(data)} "
                        ">>\nstream\n".encode()
                        + data
                        + b"\nendstream"
                    )
                    refs.append(f"/{name} {iid} 0 R")
                xobj = f" /XObject << {' '.join(refs)} >>"
            content = "\n".join(page.gfx_ops + [op for op in page.text_ops if op]).encode("latin-1")
            comp = zlib.compress(content)
            cid = add(
                f"<< /Length {len(comp)} /Filter /FlateDecode >>\nstream\n".encode()
                + comp
                + b"\nendstream"
            )
            pid = add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {self.w:g} {self.h:g}] "
                f"/Resources << /Font << {fonts} >>{xobj} /ProcSet [/PDF /Text /ImageC] >> "
                f"/Contents {cid} 0 R >>".encode()
            )
            kids.append(pid)
        objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
        objs[pages_id - 1] = (
            f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
        ).encode()
        info_items = " ".join(f"/{k} {_lit(v)}" for k, v in self.info.items())
        info_id = add(f"<< {info_items} >>".encode("latin-1"))
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
        for off in offsets:
            out += f"{off:010d} 00000 n \n".encode()
        out += (
            f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R /Info {info_id} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)

    def pages_append(self, page: _Page, x: float, y_top: float, txt: str) -> None:
        """Footer text drawn on a given page (not necessarily the current one)."""
        current = self.pages
        idx = current.index(page)
        saved = self.pages
        self.pages = [*current[: idx + 1]]
        self.text(x, y_top, txt, self.reg, 7.5, gray=True)
        self.pages = saved


def render_raw(doc: Document, mode: str, seed: int, info: dict[str, str]) -> bytes:
    """PDF bytes of `doc`, text written with operator style `mode`."""
    return RawWriter(doc, mode, random.Random(seed), info).render()
