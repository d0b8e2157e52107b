"""Text from images with Tesseract (Spanish), for scans and photos when ``[limits] ocr``.

OCR text is only as good as the picture: readings made this way carry
``Confidence.OCR`` and classification accepts them only when NSS and CURP check and match
the roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from daemon.documents.layout import Line, Segment, lines_of

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_IMAGE_PIXELS = 40_000_000  # a 300 dpi letter page is ~8.4 Mpx


class OcrUnavailable(Exception):
    """Tesseract or its Spanish data is not installed."""


def ocr_lines(images: Iterable[Image], seconds: float = 60.0) -> tuple[Line, ...]:
    """Text of every page, within ``seconds`` for all of them (OCR's own budget: Tesseract
    is killed when it runs out, and the reading says so)."""
    import time

    import pytesseract

    deadline = time.monotonic() + seconds
    segments: list[Segment] = []
    for page, image in enumerate(images):
        left = deadline - time.monotonic()
        if left <= 0:
            raise OcrUnavailable(f"OCR took longer than {seconds:g} s")
        try:
            data = pytesseract.image_to_data(
                _prepared(image), lang="spa", output_type=pytesseract.Output.DICT, timeout=left
            )
        except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError) as err:
            raise OcrUnavailable(str(err)) from err
        except RuntimeError as err:  # pytesseract's "Tesseract process timeout"
            raise OcrUnavailable(f"OCR took longer than {seconds:g} s") from err
        segments.extend(_runs(data, page))
    return lines_of(segments)


def _prepared(image: Image) -> Image:
    from PIL import ImageOps

    gray = ImageOps.exif_transpose(image).convert("L")
    if gray.width < 1800:  # small photos: upscale so glyphs are ~30 px high
        factor = 1800 / gray.width
        gray = gray.resize((1800, int(gray.height * factor)))
    return gray


def _runs(data: dict[str, list[object]], page: int) -> list[Segment]:
    runs: list[Segment] = []
    last_key: tuple[object, ...] | None = None
    for i, raw_text in enumerate(data["text"]):
        text = str(raw_text).strip()
        if not text or float(str(data["conf"][i])) < 0:
            continue
        left, top = int(str(data["left"][i])), int(str(data["top"][i]))
        width, height = int(str(data["width"][i])), int(str(data["height"][i]))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if runs and key == last_key and left - runs[-1].x1 < height * 1.2:
            prev = runs[-1]
            runs[-1] = Segment(
                f"{prev.text} {text}",
                page,
                prev.x0,
                left + width,
                prev.top,
                max(prev.bottom, top + height),
            )
        else:
            runs.append(Segment(text, page, left, left + width, top, top + height))
        last_key = key
    return runs


def pdf_page_images(data: bytes, max_pages: int, dpi: int = 300) -> list[Image]:
    from daemon.documents.pdf_text import open_pdf

    document = open_pdf(data, max_pages)
    try:
        return [document[i].render(scale=dpi / 72).to_pil() for i in range(len(document))]
    finally:
        document.close()


def open_image(data: bytes) -> Image:
    from io import BytesIO

    from PIL import Image as PilImage

    PilImage.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    image = PilImage.open(BytesIO(data))
    image.load()
    return image
