"""Printable XLSX sheets for the procedure's records (the FOR-24-02 log, the term report):
Letter paper, the table's header repeated on every page, dates as dd/mm/aaaa, and the file
written 0600 because it lists students by name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from daemon.errors import AfiliaError

DATE_FORMAT = "DD/MM/YYYY"


class SheetWriteError(AfiliaError):
    """The output file cannot be created (no such directory, no permission)."""


_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")


def new_sheet(workbook: Workbook, title: str, *, landscape: bool = False) -> Worksheet:
    """The workbook's first, still unnamed sheet, or a new one, set up to print."""
    first = workbook.worksheets[0]
    fresh = len(workbook.worksheets) == 1 and first.title == "Sheet" and first.max_row == 1
    sheet = first if fresh and first["A1"].value is None else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.page_setup.paperSize = sheet.PAPERSIZE_LETTER
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    return sheet


def heading(sheet: Worksheet, row: int, text: str, *, size: int = 12) -> None:
    sheet.cell(row=row, column=1, value=text).font = Font(bold=True, size=size)


def field(sheet: Worksheet, row: int, label: str, value: Any) -> None:
    """A "Label: value" line above a table."""
    sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
    _put(sheet.cell(row=row, column=2), value)


def table(
    sheet: Worksheet,
    first_row: int,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths: Sequence[float],
    row_height: float | None = None,
    repeat_header: bool = True,
) -> int:
    """A boxed table (its header row printed on every page unless ``repeat_header`` is
    off); returns the row after it."""
    for column, (title, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=first_row, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(column)
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(current, width)
    if repeat_header:
        sheet.print_title_rows = f"{first_row}:{first_row}"
    row = first_row
    for values in rows:
        row += 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            _put(cell, value)
            cell.border = _BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row_height:
            sheet.row_dimensions[row].height = row_height
    return row + 1


def as_percent(sheet: Worksheet, cells: Iterable[tuple[int, int]]) -> None:
    """Show these (row, column) fractions as percentages; text cells stay as they are."""
    for row, column in cells:
        cell = sheet.cell(row=row, column=column)
        if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
            cell.number_format = "0.0%"


def _put(cell: Any, value: Any) -> None:
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # already in the school's zone
        cell.number_format = DATE_FORMAT + " HH:MM"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def save_private(workbook: Workbook, path: Path) -> None:
    """Write the file readable by its owner only; a reader of the directory sees nothing
    half-written (temporary name, then rename)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as err:
        raise SheetWriteError(f"cannot write {path}: {err.strerror}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            workbook.save(handle)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
