"""PDFs that carry something that runs: JavaScript, launch actions, embedded files.

afilia itself never runs them (PDFium as shipped by pypdfium2 has no JavaScript engine and
we never execute actions), but staff open stored documents in their own viewer, so a PDF
that would run something there is refused, not kept: ``rejected_unsafe``. Checked in the
raw bytes (names may be hidden in compressed object streams, so PDFium's own count of
document JavaScript actions and attachments is asked too).
"""

from __future__ import annotations

import re

import pypdfium2
import pypdfium2.raw as pdfium_c

# PDF names may be written with #xx escapes (/J#61vaScript): undo them before matching.
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z])")
# Stream bodies are fonts, images and page content: binary, where any byte sequence occurs.
_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)


def active_content(data: bytes, document: pypdfium2.PdfDocument) -> str | None:
    """What would run in a viewer (a short description), or ``None``."""
    names = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), _STREAM.sub(b"", data))
    found = _ACTIVE.search(names)
    if found:
        return f"PDF with active content (/{found.group(1).decode()})"
    if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw) > 0:
        return "PDF with JavaScript"
    if pdfium_c.FPDFDoc_GetAttachmentCount(document.raw) > 0:
        return "PDF with embedded files"
    return None
