"""PDF bytes -> positioned text, with PDFium first and pdfplumber's layout analysis second.

PDFium extracts a constancia's text in a few milliseconds; pdfminer (under pdfplumber)
takes tens. Parsers ask for the pdfplumber view only when the PDFium one left them unsure.
Neither library caps memory or time: callers run this in a ``DocumentReader`` worker.
"""

from __future__ import annotations

import ctypes
import itertools
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c

from daemon.documents.active_content import active_content
from daemon.documents.layout import Line, Segment, lines_of

Box = tuple[int, float, float, float, float]  # page, x0, top, x1, bottom (top-down)


class PdfRefused(Exception):
    """The PDF cannot or must not be read (encrypted, corrupt, over a limit)."""


@dataclass(frozen=True, slots=True)
class PdfText:
    lines: tuple[Line, ...]
    pages: int
    form_fields: tuple[tuple[str, str], ...]  # (field name, value) of AcroForm fields
    has_ink: bool  # drawn curves or images: a handwritten signature, a stamp, a scan
    has_images: bool
    source: str  # "pypdfium2" / "pdfplumber"
    metadata: tuple[tuple[str, str], ...] = ()  # the info dictionary (Producer, ModDate...)
    ink_boxes: tuple[Box, ...] = ()  # where ink is: (page, x0, top, x1, bottom)


def open_pdf(data: bytes, max_pages: int) -> pypdfium2.PdfDocument:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as err:
        if getattr(err, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise PdfRefused("encrypted PDF (needs a password)") from err
        raise PdfRefused(f"corrupt PDF ({err})") from err
    pages = len(document)
    if pages == 0:
        document.close()
        raise PdfRefused("PDF without pages")
    if pages > max_pages:
        document.close()
        raise PdfRefused(f"PDF has {pages} pages, limit {max_pages}")
    return document


def read_pdfium(data: bytes, max_pages: int) -> PdfText:
    """The fast path: text runs (PDFium's rectangles) with their positions."""
    document = open_pdf(data, max_pages)
    refused = active_content(data, document)
    if refused:
        document.close()
        raise PdfRefused(refused)
    pages = len(document)
    try:
        segments: list[Segment] = []
        ink_boxes: list[Box] = []
        has_images = rebuilt = False
        for number in range(len(document)):
            page = document[number]
            height = page.get_height()
            textpage = page.get_textpage()
            runs = []
            glyphs: _Glyphs | None = None
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                bounded = textpage.get_text_bounded(left, bottom, right, top)
                text = _upright(bounded)
                if not text and bounded.strip():
                    # a slanted watermark crosses the rectangle: its own glyphs, not the
                    # watermark's, give its text (the cadena original is often under it)
                    glyphs = glyphs or _page_glyphs(textpage)
                    if top - bottom <= 3 * max(glyphs[1], 1.0):  # not the watermark's own
                        text = _glyphs_inside(glyphs, left, bottom, right, top)
                if text:
                    runs.append(Segment(text, number, left, right, height - top, height - bottom))
            # glyphs placed one by one are told by the runs as PDFium gives them, before
            # letter-spaced labels are put back together
            plain = lines_of(runs, tracking=False)
            if (
                split_in_glyphs(" ".join(line.text for line in plain))
                or _overlapping(runs)
                or _sharing_glyphs(runs)
            ):
                runs = _glyph_runs(textpage, number, height)
                rebuilt = True
            segments.extend(runs)
            boxes, images = _ink(page, number)
            ink_boxes.extend(boxes)
            has_images = has_images or images
            textpage.close()
            page.close()
        fields = _form_fields(document) if document.get_formtype() else ()
        metadata = tuple(sorted(document.get_metadata_dict(skip_empty=True).items()))
    finally:
        document.close()
    return PdfText(
        lines_of(segments),
        pages,
        fields,
        bool(ink_boxes),
        has_images,
        "pypdfium2 glyphs" if rebuilt else "pypdfium2",
        metadata,
        tuple(ink_boxes),
    )


def split_in_glyphs(text: str) -> bool:
    """Words in pieces of one letter ("I N STITUTO"): glyphs placed one by one, which
    PDFium's rectangles do not put back together."""
    words = text.split()
    return len(words) >= 20 and sum(1 for w in words if len(w) == 1) > 0.25 * len(words)


def _overlapping(runs: list[Segment]) -> bool:
    """Two runs of one line that cover each other: a long label printed over its value's
    cell. PDFium's rectangle then holds both texts' glyphs mixed by position ("(Enfermedades
    A | es ACTIVO"); glyph by glyph in drawing order each text stays whole."""
    ordered = sorted(runs, key=lambda run: (run.top, run.x0))
    for i, run in enumerate(ordered):
        height = max(run.bottom - run.top, 1.0)
        for other in ordered[i + 1 :]:
            if other.top > run.bottom:
                break
            shorter = min(height, max(other.bottom - other.top, 1.0))
            same_line = min(run.bottom, other.bottom) - max(run.top, other.top) > 0.5 * shorter
            if same_line and min(run.x1, other.x1) - max(run.x0, other.x0) > 0.5 * shorter:
                return True
    return False


def _sharing_glyphs(runs: list[Segment]) -> bool:
    """Runs of one word that overlap by a hair (groff kerns by moving back): PDFium's text of
    each rectangle takes the glyph its neighbour's box touches too, "NA" + "NAY" + "AYELI"
    for "NAYELI". Glyph by glyph each is read once."""
    ordered = sorted(runs, key=lambda run: (round(run.top), run.x0))
    for run, other in itertools.pairwise(ordered):
        if abs(run.top - other.top) > 1 or not 0 < run.x1 - other.x0 < 1.5:
            continue
        shared = min(len(run.text), len(other.text), 3)
        if any(
            run.text.endswith(other.text[:k]) and other.text[:k].isalnum()
            for k in range(1, shared + 1)
        ):
            return True
    return False


_Glyphs = tuple[list[tuple[int, float, float, float, float]], float]


def _page_glyphs(textpage: pypdfium2.PdfTextPage) -> _Glyphs:
    """The page's glyphs (code, left, right, top, bottom in PDF units) in reading order, and
    the usual glyph height (a slanted watermark's loose boxes are several times taller)."""
    raw = textpage.raw
    glyphs: list[tuple[int, float, float, float, float]] = []
    box = pdfium_c.FS_RECTF()
    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        if code in (0, 0xFFFE) or chr(code).isspace():
            continue
        if pdfium_c.FPDFText_GetLooseCharBox(raw, index, ctypes.byref(box)):
            glyphs.append((code, box.left, box.right, box.top, box.bottom))
    heights = sorted(g[3] - g[4] for g in glyphs)
    return glyphs, (heights[len(heights) // 2] if heights else 0.0)


def _glyphs_inside(glyphs: _Glyphs, left: float, bottom: float, right: float, top: float) -> str:
    """The text of the upright glyphs whose centre is inside the rectangle."""
    found, usual = glyphs
    out: list[str] = []
    last_right: float | None = None
    for code, g_left, g_right, g_top, g_bottom in found:
        if g_top - g_bottom > 3 * max(usual, 1.0):
            continue
        x, y = (g_left + g_right) / 2, (g_top + g_bottom) / 2
        if not (left <= x <= right and bottom <= y <= top):
            continue
        if last_right is not None and g_left - last_right > 0.15 * (g_top - g_bottom):
            out.append(" ")
        out.append(chr(code))
        last_right = g_right
    return "".join(out).strip()


def _glyph_runs(textpage: pypdfium2.PdfTextPage, number: int, height: float) -> list[Segment]:
    """A page's text rebuilt glyph by glyph: a word is glyphs whose advance boxes touch, a
    space a gap of a space's width, a run ends at a gap of a couple of ems."""
    glyphs, usual = _page_glyphs(textpage)
    runs: list[Segment] = []
    chars: list[str] = []
    gaps: list[float] = []  # before each char after the first
    x0 = x1 = top = bottom = size = 0.0
    for code, left, right, box_top, box_bottom in glyphs:
        char_size = box_top - box_bottom  # a loose box is about one em high
        if char_size > 3 * max(size if chars else usual, 1.0):
            continue  # a slanted watermark's glyph spans lines
        c_top, c_bottom = height - box_top, height - box_bottom
        same_line = chars and abs(c_bottom - bottom) < 0.4 * max(size, 1.0)
        gap = left - x1
        if same_line and -0.3 * size < gap < 1.5 * size:
            chars.append(chr(code))
            gaps.append(gap)
            x1 = max(x1, right)
            top, bottom = min(top, c_top), max(bottom, c_bottom)
            continue
        if chars:
            runs.append(Segment(_spaced(chars, gaps, size), number, x0, x1, top, bottom))
        chars, gaps, x0, x1, top, bottom, size = (
            [chr(code)], [], left, right, c_top, c_bottom, char_size
        )  # fmt: skip
    if chars:
        runs.append(Segment(_spaced(chars, gaps, size), number, x0, x1, top, bottom))
    return runs


def _spaced(chars: list[str], gaps: list[float], size: float) -> str:
    """Glyphs with a space where the gap is a space's width. In letter-spaced text ("R e g i
    s t r o  p a t r o n a l", four or more wide gaps in a row) every gap is that wide: there
    a space is a gap clearly wider than the stretch's usual one."""
    base = 0.15 * size
    thresholds = [base] * len(gaps)
    k = 0
    while k < len(gaps):
        end = k
        while end < len(gaps) and gaps[end] > base:
            end += 1
        if end - k >= 4:
            usual = sorted(gaps[k:end])[(end - k) // 2]
            thresholds[k:end] = [usual + base] * (end - k)
        k = end + 1
    out = [chars[0]]
    for char, gap, threshold in zip(chars[1:], gaps, thresholds, strict=True):
        if gap > threshold:
            out.append(" ")
        out.append(char)
    return "".join(out)


def _upright(text: str) -> str:
    """A rectangle's text without what a slanted watermark ("CONSULTA", "DOCUMENTO
    INFORMATIVO") drawn across it adds: that comes as extra lines inside one rectangle, and
    a big one repeats the page's own text. Keep the rectangle's own line (its longest)."""
    if "\n" not in text and "\r" not in text:
        return text.strip()
    parts = [part.strip() for part in text.replace("\r", "\n").split("\n") if part.strip()]
    if len(parts) > 2:
        return ""  # a watermark's box spanning several lines of the page: the text repeats
    return max(parts, key=len, default="")


def _ink(page: pypdfium2.PdfPage, number: int) -> tuple[list[Box], bool]:
    """Where something is drawn by hand or pasted (a signature is drawn, never typed), and
    whether images are drawn.

    Curves count, and so do paths with slanted strokes (a signature drawn with a mouse or a
    tablet as straight segments); rules and boxes are only level and upright lines, so a
    form's signature line alone is not ink."""
    boxes: list[Box] = []
    images = False
    height = page.get_height()
    for obj in page.get_objects(max_depth=4):
        drawn = False
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            drawn = images = True
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            drawn = _hand_drawn(obj)
        if drawn and len(boxes) < 500:
            left, bottom, right, top = _page_bounds(obj)
            boxes.append((number, left, height - top, right, height - bottom))
    return boxes, images


def _page_bounds(obj: pypdfium2.PdfObject) -> tuple[float, float, float, float]:
    """An object's bounds on the page. Inside a form XObject (HTML renderers nest the whole
    page in one or two) PDFium gives them in the form's space: each form's matrix maps them
    out to its parent's."""
    bounds = obj.get_bounds()
    container = obj.container
    while container is not None:
        bounds = container.get_matrix().on_rect(*bounds)
        container = container.container
    return bounds


def _hand_drawn(obj: pypdfium2.PdfObject) -> bool:
    count = pdfium_c.FPDFPath_CountSegments(obj.raw)
    x = ctypes.c_float()
    y = ctypes.c_float()
    last: tuple[float, float] | None = None
    for k in range(min(count, 400)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, k)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return True
        pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        point = (x.value, y.value)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and last is not None:
            dx, dy = abs(point[0] - last[0]), abs(point[1] - last[1])
            if dx > 0.5 and dy > 0.5:
                return True
        last = point
    return False


def _form_fields(document: pypdfium2.PdfDocument) -> tuple[tuple[str, str], ...]:
    """Filled AcroForm fields, read through PDFium's form API (values are not page text)."""
    document.init_forms()
    handle = document.formenv.raw
    found: list[tuple[str, str]] = []
    for number in range(len(document)):
        page = document[number]
        for index in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
            annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
            try:
                if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET:
                    continue
                name = _utf16(pdfium_c.FPDFAnnot_GetFormFieldName, handle, annot)
                value = _utf16(pdfium_c.FPDFAnnot_GetFormFieldValue, handle, annot)
                if name:  # empty ones too: an empty box proves a waiver lacks that field
                    found.append((name, value.strip()))
            finally:
                pdfium_c.FPDFPage_CloseAnnot(annot)
        page.close()
    return tuple(found)


def _utf16(getter: object, handle: object, annot: object) -> str:
    size = getter(handle, annot, None, 0)  # type: ignore[operator]
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    getter(handle, annot, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)  # type: ignore[operator]
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")


def read_pdfplumber(data: bytes, max_pages: int) -> PdfText:
    """The careful path: pdfminer's layout analysis, words merged back into runs."""
    import io

    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > max_pages:
                raise PdfRefused(f"PDF has {len(pdf.pages)} pages, limit {max_pages}")
            segments: list[Segment] = []
            has_images = False
            for number, page in enumerate(pdf.pages):
                words = page.extract_words(extra_attrs=["fontname", "size"])
                segments.extend(_runs(words, number))
                has_images = has_images or bool(page.images)
            pages = len(pdf.pages)
    except PDFSyntaxError as err:
        raise PdfRefused(f"corrupt PDF ({err})") from err
    return PdfText(lines_of(segments), pages, (), has_images, has_images, "pdfplumber")


def _runs(words: list[dict[str, object]], page: int) -> list[Segment]:
    """Merge words on one line into runs unless a wide gap or a font change separates them."""
    runs: list[Segment] = []
    for word in words:
        text = str(word["text"])
        x0, x1 = float(word["x0"]), float(word["x1"])  # type: ignore[arg-type]
        top, bottom = float(word["top"]), float(word["bottom"])  # type: ignore[arg-type]
        if runs:
            last = runs[-1]
            same_line = abs(top - last.top) < (bottom - top) / 2
            gap = x0 - last.x1
            if same_line and 0 <= gap < (bottom - top) * 0.6:
                runs[-1] = Segment(last.text + " " + text, page, last.x0, x1, last.top, bottom)
                continue
        runs.append(Segment(text, page, x0, x1, top, bottom))
    return runs
