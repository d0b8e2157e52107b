"""Aligned columns for the commands people read (click has no tables; a dozen lines do)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

EMPTY = "-"


def table(rows: Sequence[Mapping[str, object]], spec: Sequence[tuple[str, str]]) -> str:
    """``spec`` is (key, header) per column; None and "" print as "-", the last column is
    not padded (long subjects or reasons wrap on the terminal, they do not push others)."""
    cells = [[header for _key, header in spec]]
    cells += [[_text(row.get(key)) for key, _header in spec] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(spec) - 1)]
    out = []
    for line in cells:
        padded = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        out.append("  ".join([*padded, line[-1]]).rstrip())
    return "\n".join(out)


def _text(value: object) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or EMPTY
    return " ".join(str(value).split())


def wall_clock(iso: object) -> object:
    """'2026-12-02T12:59-06:00' -> '2026-12-02 12:59' (already the school's time)."""
    return iso[:16].replace("T", " ") if isinstance(iso, str) and len(iso) >= 16 else iso
