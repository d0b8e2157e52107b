"""What happens to a PDF after its producer: timestamps, online editors, scanners, phones.

- `set_pdf_dates`: the producer's own CreationDate/ModDate, moved to when the document was
  really produced (same byte length, so offsets stay valid).
- `edit_incremental`: what a PDF editor's "edit text" does: an incremental update after the
  first %%EOF that whites out the printed date and writes another one, optionally with a new
  Info dictionary (iLovePDF / PDFescape, ModDate later than CreationDate).
- `replace_incremental`: same structure, but the page gets a new content stream with the date
  string replaced (nothing left underneath).
- `scan`: rasterise a page and degrade it like a flatbed scan or a phone photo.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zlib

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.psparser import PSLiteral
from PIL import Image, ImageEnhance, ImageFilter


def pdf_date(t: dt.datetime) -> str:
    """D:YYYYMMDDHHMMSS-06'00' (Mexico City, no DST since 2022)."""
    return f"D:{t:%Y%m%d%H%M%S}-06'00'"


def set_pdf_dates(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite every D:YYYYMMDDHHMMSS stamp in place to `when` (same length)."""
    stamp = f"D:{when:%Y%m%d%H%M%S}".encode()
    return re.sub(rb"D:\d{14}", stamp, data)


def _ser(obj: object) -> str:
    if isinstance(obj, PSLiteral):
        return "/" + str(obj.name)
    if isinstance(obj, PDFObjRef):
        return f"{obj.objid} 0 R"
    if isinstance(obj, dict):
        return "<< " + " ".join(f"/{k} {_ser(v)}" for k, v in obj.items()) + " >>"
    if isinstance(obj, list | tuple):
        return "[" + " ".join(_ser(v) for v in obj) + "]"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, int | float):
        return f"{obj:g}" if isinstance(obj, float) else str(obj)
    if isinstance(obj, bytes):
        return "<" + obj.hex() + ">"
    if obj is None:
        return "null"
    raise TypeError(type(obj))


def _lit(text: str) -> str:
    raw = text.encode("cp1252", errors="replace").decode("latin-1")
    return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


class _Update:
    """Collects objects for one incremental update of an existing file."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        parser = PDFParser(io.BytesIO(data))
        self.doc = PDFDocument(parser)
        self.trailer = self.doc.xrefs[0].get_trailer()
        self.size = int(resolve1(self.trailer["Size"]))
        self.prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
        self.objs: dict[int, bytes] = {}

    def new_id(self) -> int:
        n = self.size
        self.size += 1
        return n

    def stream(self, content: bytes) -> int:
        oid = self.new_id()
        comp = zlib.compress(content)
        self.objs[oid] = (
            f"<< /Length {len(comp)} /Filter /FlateDecode >>\nstream\n".encode()
            + comp
            + b"\nendstream"
        )
        return oid

    def finish(self, info: dict[str, str] | None) -> bytes:
        trailer = {k: v for k, v in self.trailer.items() if k in ("Root", "Info", "ID")}
        if info is not None:
            old = resolve1(self.trailer.get("Info")) or {}
            merged = {k: v for k, v in dict(old).items() if k not in info}
            oid = self.new_id()
            body = " ".join(f"/{k} {_ser(v)}" for k, v in merged.items())
            body += " " + " ".join(f"/{k} {_lit(v)}" for k, v in info.items())
            self.objs[oid] = f"<< {body} >>".encode("latin-1")
            trailer["Info"] = PDFObjRef(None, oid)
        out = bytearray(self.data)
        if not out.endswith(b"\n"):
            out += b"\n"
        offsets = {}
        for oid in sorted(self.objs):
            offsets[oid] = len(out)
            out += f"{oid} 0 obj\n".encode() + self.objs[oid] + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n"
        for oid in sorted(offsets):
            out += f"{oid} 1\n{offsets[oid]:010d} 00000 n \n".encode()
        tr = " ".join(f"/{k} {_ser(v)}" for k, v in trailer.items())
        out += f"trailer\n<< /Size {self.size} {tr} /Prev {self.prev} >>\n".encode()
        out += f"startxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


def _first_page(upd: _Update) -> tuple[int, dict]:
    page = next(iter(PDFPage.create_pages(upd.doc)))
    return page.pageid, dict(page.attrs)


def edit_incremental(
    data: bytes, old_text: str, new_text: str, info: dict[str, str] | None
) -> bytes:
    """White out `old_text` on page 1 and draw `new_text` over it, as an incremental update."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        hits = page.search(re.escape(old_text), regex=True)
        if not hits:
            raise ValueError(f"date text {old_text!r} not found on page 1")
        hit = hits[0]
        height = float(page.height)
    x0, x1, top, bottom = hit["x0"], hit["x1"], hit["top"], hit["bottom"]
    size = max(6.0, (bottom - top) * 0.92)
    y_base = height - bottom + size * 0.2
    upd = _Update(data)
    pid, attrs = _first_page(upd)
    font_id = upd.new_id()
    upd.objs[font_id] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    overlay = (
        f"Q\nq 1 1 1 rg {x0 - 1.5:.2f} {height - bottom - 1.5:.2f} {x1 - x0 + 3:.2f} "
        f"{bottom - top + 3:.2f} re f 0 g BT /FEd1 {size:.1f} Tf {x0:.2f} {y_base:.2f} Td "
        f"{_lit(new_text)} Tj ET Q\n"
    ).encode("latin-1")
    q_id = upd.stream(b"q\n")
    ov_id = upd.stream(overlay)
    contents = attrs.get("Contents")
    old = list(contents) if isinstance(contents, list) else [contents]
    attrs["Contents"] = [PDFObjRef(None, q_id), *old, PDFObjRef(None, ov_id)]
    res = dict(resolve1(attrs.get("Resources")) or {})
    fonts = dict(resolve1(res.get("Font")) or {})
    fonts["FEd1"] = PDFObjRef(None, font_id)
    res["Font"] = fonts
    attrs["Resources"] = res
    attrs.pop("Parent", None)
    attrs["Parent"] = _parent_ref(upd, pid)
    upd.objs[pid] = _ser(attrs).encode("latin-1")
    return upd.finish(info)


def _parent_ref(upd: _Update, pid: int) -> PDFObjRef:
    obj = upd.doc.getobj(pid)
    return obj["Parent"]


def replace_incremental(
    data: bytes, old_text: str, new_text: str, info: dict[str, str] | None
) -> bytes:
    """Give page 1 a new content stream with `old_text` replaced, as an incremental update."""
    upd = _Update(data)
    pid, attrs = _first_page(upd)
    contents = attrs.get("Contents")
    refs = list(contents) if isinstance(contents, list) else [contents]
    raw = b"".join(resolve1(r).get_data() for r in refs)
    old_b, new_b = _lit(old_text).encode("latin-1")[1:-1], _lit(new_text).encode("latin-1")[1:-1]
    if old_b not in raw:
        raise ValueError(f"{old_text!r} not found as a string in page 1")
    cid = upd.stream(raw.replace(old_b, new_b))
    attrs["Contents"] = PDFObjRef(None, cid)
    attrs["Parent"] = _parent_ref(upd, pid)
    upd.objs[pid] = _ser(attrs).encode("latin-1")
    return upd.finish(info)


def render_page(data: bytes, dpi: int, index: int = 0) -> Image.Image:
    """Page `index` as a greyscale image at `dpi`."""
    pdf = pdfium.PdfDocument(data)
    try:
        img = pdf[index].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        pdf.close()
    return img


def scan(data: bytes, rng: random.Random, dpi: int, angle: float, quality: str) -> Image.Image:
    """A flatbed scan (quality 'scan') or an illegible phone photo (quality 'blurry')."""
    if quality == "blurry":
        img = render_page(data, 30)
        img = img.resize((img.width * 4, img.height * 4), Image.Resampling.BILINEAR)
        img = img.filter(ImageFilter.GaussianBlur(6))
        img = ImageEnhance.Brightness(img).enhance(0.55)
        img = ImageEnhance.Contrast(img).enhance(0.5)
    else:
        img = render_page(data, dpi)
        img = ImageEnhance.Contrast(img).enhance(0.9)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=236)
    noise = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    img = Image.blend(img, noise, 0.06 if quality != "blurry" else 0.2)
    if quality != "blurry":
        img = img.filter(ImageFilter.GaussianBlur(0.5))
    return img


def save_image(img: Image.Image, fmt: str, dpi: int) -> bytes:
    """JPEG/PNG bytes, or an image-only PDF (what scanner apps send)."""
    out = io.BytesIO()
    if fmt == "jpeg":
        img.convert("RGB").save(out, "JPEG", quality=82, dpi=(dpi, dpi))
    elif fmt == "png":
        img.save(out, "PNG", dpi=(dpi, dpi))
    else:
        img.convert("RGB").save(out, "PDF", resolution=float(dpi), title="Escaneo")
    return out.getvalue()
