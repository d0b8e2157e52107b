"""Signs that a PDF was changed after the program that produced it wrote it.

The IMSS portal writes a constancia once. A page edited later (the emission date moved, a
name changed) usually shows it in the file: an incremental update appended after the first
``%%EOF``, a producer that is a PDF editor, a modification date after the creation date.
None of these is proof, so they never reject: they send the document to staff review.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_EDITORS = re.compile(
    r"ilovepdf|pdfescape|sejda|smallpdf|pdf-xchange|phantompdf|foxit pdf editor|nitro"
    r"|pdfelement|wondershare|pdffiller|dochub|pdf candy|soda ?pdf|pdf24|pdfzorro"
    r"|pdf editor",
    re.IGNORECASE,
)
_PDF_DATE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)
_MODIFIED_AFTER = timedelta(minutes=10)
_DEFAULTS = (0, 1, 1, 0, 0, 0)
# Without a zone on both dates a whole number of hours apart may be one instant written in
# two zones (UTC and Mexico's -06'00'): no sign of an edit.
_ZONE_SPREAD = timedelta(hours=14)


def tamper_signals(data: bytes, metadata: dict[str, str]) -> tuple[str, ...]:
    """What in the file says it was edited after it was produced (empty: nothing)."""
    signals: list[str] = []
    if _appended_update(data):
        signals.append("incremental update after the first %%EOF")
    tool = " ".join(metadata.get(key, "") for key in ("Producer", "Creator"))
    if _EDITORS.search(tool):
        signals.append(f"written by a PDF editor ({tool.strip()[:60]})")
    created = _pdf_date(metadata.get("CreationDate", ""))
    modified = _pdf_date(metadata.get("ModDate", ""))
    if created and modified and _modified_later(created, modified):
        signals.append(f"modified {modified:%Y-%m-%d %H:%M}, after its creation {created:%Y-%m-%d}")
    return tuple(signals)


def _modified_later(created: datetime, modified: datetime) -> bool:
    if (created.tzinfo is None) != (modified.tzinfo is None):
        gap = modified.replace(tzinfo=None) - created.replace(tzinfo=None)
        whole_hours = gap.total_seconds() % 3600 == 0
        if whole_hours and abs(gap) <= _ZONE_SPREAD:
            return False
        return gap > _MODIFIED_AFTER + _ZONE_SPREAD
    return modified - created > _MODIFIED_AFTER


def _appended_update(data: bytes) -> bool:
    """Content after the first %%EOF that is not a linearization hint nor a signature."""
    first = data.find(b"%%EOF")
    if first < 0:
        return False
    rest = data[first + 5 :].strip()
    if b"%%EOF" not in rest or b"/Linearized" in data[:2048]:
        return False
    return b"/ByteRange" not in rest  # a digital signature is appended this way too


def _pdf_date(value: str) -> datetime | None:
    match = _PDF_DATE.match(value.strip())
    if not match or not match.group(1):
        return None
    groups = match.groups()
    parts = [int(g) if g else default for g, default in zip(groups[:6], _DEFAULTS, strict=True)]
    zulu, sign, hours, minutes = groups[6:]
    zone = None
    if zulu:
        zone = UTC
    elif sign:
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        zone = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(*parts, tzinfo=zone)  # type: ignore[arg-type, misc]
    except ValueError:
        return None
