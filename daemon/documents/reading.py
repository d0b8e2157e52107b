"""One attachment -> ``DocumentReading``s: what it is, what it says, or why we cannot tell.

This runs PDFium and pdfminer in the calling process; the daemon calls it only inside a
``DocumentReader`` worker, where memory and time are capped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import PurePosixPath

import pypdfium2

from daemon.documents import archive, ocr
from daemon.documents.constancia import parse_constancia, validation_score
from daemon.documents.layout import Line, full_text
from daemon.documents.limits import ReadLimits
from daemon.documents.nss_acuse import parse_nss_acuse
from daemon.documents.pdf_text import (
    PdfRefused,
    PdfText,
    read_pdfium,
    read_pdfplumber,
)
from daemon.documents.recognition import document_kind
from daemon.documents.renuncia import parse_renuncia
from daemon.documents.tampering import tamper_signals
from daemon.domain.facts import ConstanciaFacts, DocumentReading, NssAcuseFacts, RenunciaFacts
from daemon.domain.identifiers import curp_is_valid, nss_is_valid
from daemon.domain.outcomes import Confidence, DocumentKind, ReadProblem

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
_MAX_NESTING = 128  # real documents nest a handful of levels; parsers recurse per level
_DEEP_NESTING = re.compile(rb"(?:\[\s*){%d}|(?:<<\s*){%d}" % (_MAX_NESTING, _MAX_NESTING))
_MIN_TEXT_CHARS = 40  # fewer characters than this is a scan with a stray caption


def read_attachment(
    filename: str, content_type: str, data: bytes, limits: ReadLimits
) -> list[DocumentReading]:
    """Read one attachment; a zip gives one reading per member (one level deep)."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "adjunto"
    if len(data) > limits.max_attachment_bytes:
        detail = f"attachment is {len(data)} bytes, limit {limits.max_attachment_bytes}"
        return [unsafe(name, data, detail)]
    if data.startswith(archive.ZIP_MAGIC) or content_type.lower() in (
        "application/zip",
        "application/x-zip-compressed",
    ):
        return _read_zip(name, data, limits)
    return [read_document(name, data, limits)]


def _read_zip(name: str, data: bytes, limits: ReadLimits) -> list[DocumentReading]:
    readings: list[DocumentReading] = []
    try:
        for member in archive.members(data, limits):
            label = f"{name}/{member.name}"
            if member.data is None:
                readings.append(unsafe(label, b"", member.refused))
            elif member.data.startswith(archive.ZIP_MAGIC):
                readings.append(unsafe(label, member.data, "zip inside a zip (one level only)"))
            else:
                readings.append(read_document(label, member.data, limits))
    except archive.ZipRefused as err:
        return [unsafe(name, data, str(err))]
    return readings or [_reading(name, data, problem=ReadProblem.NO_TEXT, detail="empty zip")]


def read_document(name: str, data: bytes, limits: ReadLimits) -> DocumentReading:
    """One file. Library failures on hostile input become an UNSAFE reading, never a crash."""
    try:
        if b"%PDF-" in data[:1024]:
            return _read_pdf(name, data, limits)
        if data.startswith(_IMAGE_MAGIC) or data[8:12] == b"WEBP":
            return _read_image(name, data, limits)
        return _reading(
            name, data, problem=ReadProblem.UNKNOWN_DOCUMENT, detail="not a PDF or an image"
        )
    except PdfRefused as err:
        return unsafe(name, data, str(err))
    except ocr.OcrUnavailable as err:
        return _reading(
            name, data, problem=ReadProblem.NO_TEXT, detail=f"no text; OCR failed: {err}"
        )
    except MemoryError:
        return unsafe(name, data, "memory limit reached while reading")
    except RecursionError:
        return unsafe(name, data, "nesting too deep")
    except pypdfium2.PdfiumError as err:
        return unsafe(name, data, f"corrupt PDF ({err})")
    except Exception as err:  # pdfminer and Pillow raise anything on hostile files
        return unsafe(name, data, f"unreadable file ({type(err).__name__})")


def _read_pdf(name: str, data: bytes, limits: ReadLimits) -> DocumentReading:
    if _DEEP_NESTING.search(data):
        raise PdfRefused(f"objects nested more than {_MAX_NESTING} levels deep")
    fast = read_pdfium(data, limits.max_pages)
    text = full_text(fast.lines)
    tamper = tamper_signals(data, dict(fast.metadata))
    if len(text.strip()) < _MIN_TEXT_CHARS and not any(v for _k, v in fast.form_fields):
        if limits.ocr:
            lines = ocr.ocr_lines(ocr.pdf_page_images(data, limits.max_pages), limits.ocr_seconds)
            reading = _understand(name, data, lines, fast, Confidence.OCR, "text from OCR")
            return replace(reading, tamper=tamper)
        return _reading(
            name, data, problem=ReadProblem.NO_TEXT, detail="PDF without a text layer (scan)"
        )
    reading = _understand(name, data, fast.lines, fast, Confidence.TEXT, f"text from {fast.source}")
    if _unsure(reading, text):
        careful = read_pdfplumber(data, limits.max_pages)
        second = _understand(
            name, data, careful.lines, fast, Confidence.TEXT, "text from pdfplumber"
        )
        if _score(second) > _score(reading):
            reading = _with_cadena_findings(second, reading)
    return replace(reading, tamper=tamper)


_CADENA_DOUBT = "cadena original disagrees: "


def _with_cadena_findings(chosen: DocumentReading, other: DocumentReading) -> DocumentReading:
    """A printed field the other reading saw disagree with the cadena stays a doubt when the
    chosen reading has that field from the cadena alone: not seeing the printed value is no
    proof that it agrees (a field edited on the page would otherwise pass unnoticed)."""
    if not isinstance(chosen.facts, ConstanciaFacts) or not isinstance(
        other.facts, ConstanciaFacts
    ):
        return chosen
    facts = chosen.facts
    kept = [
        doubt
        for doubt in other.facts.doubts
        if doubt.startswith(_CADENA_DOUBT)
        and doubt not in facts.doubts
        and facts.source(doubt.removeprefix(_CADENA_DOUBT)) in ("cadena", None)
    ]
    if not kept:
        return chosen
    return replace(chosen, facts=replace(facts, doubts=(*facts.doubts, *kept)))


def _read_image(name: str, data: bytes, limits: ReadLimits) -> DocumentReading:
    if not limits.ocr:
        return _reading(name, data, problem=ReadProblem.NO_TEXT, detail="image attachment")
    lines = ocr.ocr_lines([ocr.open_image(data)], limits.ocr_seconds)
    empty = PdfText((), 1, (), True, True, "ocr", (), ((0, -1e6, -1e6, 1e6, 1e6),))
    return _understand(name, data, lines, empty, Confidence.OCR, "text from OCR")


def _understand(
    name: str,
    data: bytes,
    lines: tuple[Line, ...],
    pdf: PdfText,
    confidence: Confidence,
    note: str,
) -> DocumentReading:
    text = full_text(lines)
    form_text = " ".join(f"{key} {value}" for key, value in pdf.form_fields)
    kind = document_kind(lines, form_text)
    if kind is DocumentKind.CONSTANCIA:
        facts: object = parse_constancia(lines, ocr=confidence is Confidence.OCR)
    elif kind is DocumentKind.RENUNCIA:
        facts = parse_renuncia(lines, pdf.form_fields, pdf.ink_boxes or _whole_page(pdf, lines))
    elif kind is DocumentKind.NSS_ACUSE:
        facts = parse_nss_acuse(lines)
    else:
        problem = ReadProblem.NO_TEXT if confidence is Confidence.OCR and not text else None
        return _reading(
            name,
            data,
            problem=problem or ReadProblem.UNKNOWN_DOCUMENT,
            detail="OCR found no text" if problem else "text, but not a document we know",
            confidence=confidence,
            notes=(note,),
        )
    return DocumentReading(
        filename=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        facts=facts,  # type: ignore[arg-type]
        confidence=confidence,
        notes=(note,),
    )


def _whole_page(pdf: PdfText, lines: tuple[Line, ...]) -> tuple[tuple[int, float, ...], ...]:
    """A photo or scan is ink everywhere (what is drawn on it cannot be told apart)."""
    if not pdf.has_images:
        return ()
    pages = {line.page for line in lines} or {0}
    return tuple((page, -1e6, -1e6, 1e6, 1e6) for page in pages)


def _unsure(reading: DocumentReading, text: str) -> bool:
    """Worth a second reading with pdfminer's layout analysis (several times slower): the
    decisive facts did not come out, or the text looks broken into pieces."""
    facts = reading.facts
    if reading.kind is DocumentKind.UNKNOWN:
        return _looks_broken(text)
    if isinstance(facts, ConstanciaFacts):
        return bool(facts.doubts) or not (
            nss_is_valid(facts.nss)
            and curp_is_valid(facts.curp)
            and facts.fecha_expedicion is not None
            and facts.vigente is not None
        )
    if isinstance(facts, RenunciaFacts):
        return facts.nombre is None or facts.fecha is None
    return isinstance(facts, NssAcuseFacts) and not (facts.curp and facts.nombre)


def _looks_broken(text: str) -> bool:
    words = text.split()
    short = sum(1 for word in words if len(word) <= 2)
    return len(words) < 8 or short > 0.4 * len(words)


def _score(reading: DocumentReading) -> int:
    """Prefer the reading whose values validate, not the one with more fields filled."""
    if reading.facts is None:
        return -1
    if isinstance(reading.facts, ConstanciaFacts):
        return 100 + validation_score(reading.facts)
    values = reading.facts.report_fields().values()
    return 100 + sum(1 for value in values if value not in (None, False, ""))


def _reading(
    name: str,
    data: bytes,
    *,
    problem: ReadProblem,
    detail: str,
    confidence: Confidence = Confidence.NONE,
    notes: tuple[str, ...] = (),
) -> DocumentReading:
    return DocumentReading(
        filename=name,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=DocumentKind.UNKNOWN,
        confidence=confidence,
        problem=problem,
        problem_detail=detail,
        notes=notes,
    )


def unsafe(name: str, data: bytes, detail: str) -> DocumentReading:
    return _reading(name, data, problem=ReadProblem.UNSAFE, detail=detail)
