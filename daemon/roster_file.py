"""Reading the registrar's roster export (Control Escolar) as it really arrives.

Registrars export from whatever system they run: CSV saved by Excel in Latin-1 (cp1252)
with ``;`` because of the Spanish locale, UTF-8 with or without a BOM, or an XLSX with a
title row above the header. Header spellings drift between terms ("MATRICULA",
"Matrícula", "Nombre(s)"), so columns are found by normalised name, never by position.

``read_roster`` turns the file into rows of text keyed by ``RosterColumn``, numbered as
staff see them in their spreadsheet; ``parse_line`` turns one row into a ``RosterEntry``
(or the reason it cannot be one) without looking at the database. Checks across rows and
against the stored roster are ``daemon.services.roster_import``'s job.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from daemon.domain.identifiers import curp_is_valid, normalize_curp
from daemon.domain.student import RosterStatus
from daemon.errors import AfiliaError

_HEADER_SEARCH_ROWS = 15  # title rows some exports put above the header
_DELIMITERS = (",", ";", "\t")
MAX_FILE_BYTES = 200 * 2**20  # 20,000 students are a few MiB of CSV


class RosterFileError(AfiliaError):
    """The file cannot be read as a roster at all: nothing of it is imported."""


class RosterColumn(StrEnum):
    MATRICULA = "matricula"
    CURP = "curp"
    NOMBRES = "nombres"
    APELLIDO_PATERNO = "apellido_paterno"
    APELLIDO_MATERNO = "apellido_materno"
    NOMBRE_COMPLETO = "nombre_completo"
    EMAIL_INSTITUCIONAL = "email_institucional"
    EMAIL_PERSONAL = "email_personal"
    PROGRAMA = "programa"
    TERM_NUMBER = "term_number"
    STATUS = "status"
    NEW_ENTRY = "new_entry"
    ENROLLED_ON = "enrolled_on"


# Normalised header text (no accents, lowercase, words only) -> column.
_HEADER_NAMES: dict[str, RosterColumn] = {
    "matricula": RosterColumn.MATRICULA,
    "no matricula": RosterColumn.MATRICULA,
    "num matricula": RosterColumn.MATRICULA,
    "numero de matricula": RosterColumn.MATRICULA,
    "curp": RosterColumn.CURP,
    "nombre s": RosterColumn.NOMBRES,
    "nombres": RosterColumn.NOMBRES,
    "nombre": RosterColumn.NOMBRES,
    "apellido paterno": RosterColumn.APELLIDO_PATERNO,
    "primer apellido": RosterColumn.APELLIDO_PATERNO,
    "paterno": RosterColumn.APELLIDO_PATERNO,
    "ap paterno": RosterColumn.APELLIDO_PATERNO,
    "apellido materno": RosterColumn.APELLIDO_MATERNO,
    "segundo apellido": RosterColumn.APELLIDO_MATERNO,
    "materno": RosterColumn.APELLIDO_MATERNO,
    "ap materno": RosterColumn.APELLIDO_MATERNO,
    "nombre completo": RosterColumn.NOMBRE_COMPLETO,
    "nombre del alumno": RosterColumn.NOMBRE_COMPLETO,
    "alumno": RosterColumn.NOMBRE_COMPLETO,
    "correo institucional": RosterColumn.EMAIL_INSTITUCIONAL,
    "correo electronico institucional": RosterColumn.EMAIL_INSTITUCIONAL,
    "email institucional": RosterColumn.EMAIL_INSTITUCIONAL,
    "correo personal": RosterColumn.EMAIL_PERSONAL,
    "correo electronico personal": RosterColumn.EMAIL_PERSONAL,
    "email personal": RosterColumn.EMAIL_PERSONAL,
    "programa educativo": RosterColumn.PROGRAMA,
    "programa": RosterColumn.PROGRAMA,
    "carrera": RosterColumn.PROGRAMA,
    "cuatrimestre": RosterColumn.TERM_NUMBER,
    "semestre": RosterColumn.TERM_NUMBER,
    "grado": RosterColumn.TERM_NUMBER,
    "periodo": RosterColumn.TERM_NUMBER,
    "estatus": RosterColumn.STATUS,
    "status": RosterColumn.STATUS,
    "situacion escolar": RosterColumn.STATUS,
    "nuevo ingreso": RosterColumn.NEW_ENTRY,
    "fecha de inscripcion": RosterColumn.ENROLLED_ON,
    "fecha inscripcion": RosterColumn.ENROLLED_ON,
    "inscripcion": RosterColumn.ENROLLED_ON,
    "inscrito el": RosterColumn.ENROLLED_ON,
}

# What a staff member would call the column in an error message.
COLUMN_LABELS: dict[RosterColumn, str] = {
    RosterColumn.MATRICULA: "Matrícula",
    RosterColumn.CURP: "CURP",
    RosterColumn.NOMBRES: "Nombre(s)",
    RosterColumn.APELLIDO_PATERNO: "Apellido paterno",
    RosterColumn.APELLIDO_MATERNO: "Apellido materno",
    RosterColumn.NOMBRE_COMPLETO: "Nombre completo",
    RosterColumn.EMAIL_INSTITUCIONAL: "Correo institucional",
    RosterColumn.EMAIL_PERSONAL: "Correo personal",
    RosterColumn.PROGRAMA: "Programa educativo",
    RosterColumn.TERM_NUMBER: "Cuatrimestre/Semestre",
    RosterColumn.STATUS: "Estatus",
    RosterColumn.NEW_ENTRY: "Nuevo ingreso",
    RosterColumn.ENROLLED_ON: "Fecha de inscripción",
}


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One data row: ``number`` is the row as numbered in the spreadsheet (header included)."""

    number: int
    values: Mapping[RosterColumn, str]


@dataclass(frozen=True, slots=True)
class RosterSheet:
    """A whole export: which columns it has, and its non-empty data rows."""

    columns: frozenset[RosterColumn]
    lines: tuple[RosterLine, ...]
    file_format: str  # "csv (cp1252, ';')" or "xlsx"


def fold(text: str) -> str:
    """Uppercase without accents (Ñ kept apart as N): for comparing, never for storing."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def header_column(text: str) -> RosterColumn | None:
    key = " ".join(re.findall(r"[a-z0-9]+", fold(text).lower()))
    return _HEADER_NAMES.get(key)


def read_roster(path: Path) -> RosterSheet:
    """Read a CSV or XLSX export; raise ``RosterFileError`` naming what is wrong."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as err:
        raise RosterFileError(f"cannot read {path}: {err.strerror or err}") from err
    if head.startswith(b"PK\x03\x04"):
        rows: Iterable[Sequence[object]] = _xlsx_rows(path)
        file_format = "xlsx"
        return _sheet_from_rows(path, _materialised(rows, path), file_format)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            f"{path} is an old Excel .xls file: save it as .xlsx or CSV and import that"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RosterFileError(
            f"{path} is {size // 2**20} MiB; a roster export is far smaller "
            f"(limit {MAX_FILE_BYTES // 2**20} MiB): is it the right file?"
        )
    text, encoding = _decode(path.read_bytes())
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        raise RosterFileError(f"{path} is not a readable CSV file: {err}") from err
    return _sheet_from_rows(path, records, f"csv ({encoding}, {delimiter!r})")


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _delimiter(text: str) -> str:
    """The delimiter that splits the header line (the first one naming a CURP) the most."""
    lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
    header = next((line for line in lines if "curp" in line.lower()), lines[0] if lines else "")
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_rows(path: Path) -> Iterable[Sequence[object]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise RosterFileError(f"{path} is not a readable XLSX workbook: {err}") from err
    try:
        sheet = workbook.active or workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _materialised(rows: Iterable[Sequence[object]], path: Path) -> list[list[str]]:
    try:
        return [[_cell_text(value) for value in row] for row in rows]
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise RosterFileError(f"{path} is not a readable XLSX workbook: {err}") from err


def _cell_text(value: object) -> str:
    """Excel turns matrículas into numbers and dates into datetimes; bring them back to text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SI" if value else "NO"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheet_from_rows(path: Path, rows: list[list[str]], file_format: str) -> RosterSheet:
    header_index, columns = _find_header(path, rows)
    _require_columns(path, set(columns.values()))
    lines = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        values = {
            column: (row[position].strip() if position < len(row) else "")
            for position, column in columns.items()
        }
        if any(values.values()):
            lines.append(RosterLine(number=index + 1, values=values))
    return RosterSheet(
        columns=frozenset(columns.values()), lines=tuple(lines), file_format=file_format
    )


def _find_header(path: Path, rows: list[list[str]]) -> tuple[int, dict[int, RosterColumn]]:
    """The first row (of the first few) that names a matrícula or CURP column is the header."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[int, RosterColumn] = {}
        for position, text in enumerate(row):
            column = header_column(text)
            if column is not None and column not in columns.values():
                columns[position] = column
        if RosterColumn.MATRICULA in columns.values() or RosterColumn.CURP in columns.values():
            return index, columns
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise RosterFileError(f"{path} is empty")
    raise RosterFileError(
        f"{path}: no header row found in the first {_HEADER_SEARCH_ROWS} rows "
        "(expected columns such as 'Matrícula' and 'CURP')"
    )


def _require_columns(path: Path, present: set[RosterColumn]) -> None:
    missing = [
        COLUMN_LABELS[c]
        for c in (RosterColumn.MATRICULA, RosterColumn.CURP, RosterColumn.STATUS)
        if c not in present
    ]
    has_split_name = {RosterColumn.NOMBRES, RosterColumn.APELLIDO_PATERNO} <= present
    if not has_split_name and RosterColumn.NOMBRE_COMPLETO not in present:
        absent = [
            COLUMN_LABELS[c]
            for c in (RosterColumn.NOMBRES, RosterColumn.APELLIDO_PATERNO)
            if c not in present
        ]
        missing.append(" and ".join(absent) + " (or one 'Nombre completo' column)")
    if missing:
        raise RosterFileError(f"{path}: missing required column(s): {', '.join(missing)}")


# --- one row -> one roster entry -------------------------------------------------------

_STATUSES: dict[str, RosterStatus] = {
    "ACTIVO": RosterStatus.ACTIVO,
    "ACTIVA": RosterStatus.ACTIVO,
    "BAJA TEMPORAL": RosterStatus.BAJA_TEMPORAL,
    "BAJA DEFINITIVA": RosterStatus.BAJA_DEFINITIVA,
    "ESTADIA": RosterStatus.ESTADIA,
}
_YES = frozenset({"S", "SI", "Y", "YES", "1", "X", "VERDADERO", "TRUE"})
_NO = frozenset({"N", "NO", "0", "FALSO", "FALSE"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_NAME_PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "MC", "MAC", "VAN", "VON", "DA"})
_MAX_LENGTH = {
    "matricula": 32,
    "nombres": 200,
    "apellido_paterno": 200,
    "apellido_materno": 200,
    "programa": 200,
    "email_institucional": 320,
    "email_personal": 320,
}


class RowProblem(StrEnum):
    """Why a row was not imported; each has a plain English text in ``PROBLEM_TEXT``."""

    MISSING_VALUE = "missing_value"
    INVALID_CURP = "invalid_curp"
    UNKNOWN_STATUS = "unknown_status"
    INVALID_NEW_ENTRY = "invalid_new_entry"
    INVALID_TERM_NUMBER = "invalid_term_number"
    INVALID_EMAIL = "invalid_email"
    INVALID_DATE = "invalid_date"
    VALUE_TOO_LONG = "value_too_long"
    DUPLICATE_MATRICULA = "duplicate_matricula"
    DUPLICATE_CURP = "duplicate_curp"


PROBLEM_TEXT: dict[RowProblem, str] = {
    RowProblem.MISSING_VALUE: "missing required value",
    RowProblem.INVALID_CURP: "invalid CURP",
    RowProblem.UNKNOWN_STATUS: "unknown status",
    RowProblem.INVALID_NEW_ENTRY: "invalid 'nuevo ingreso' value",
    RowProblem.INVALID_TERM_NUMBER: "invalid term number",
    RowProblem.INVALID_EMAIL: "invalid email address",
    RowProblem.INVALID_DATE: "invalid date (use dd/mm/aaaa)",
    RowProblem.VALUE_TOO_LONG: "value too long",
    RowProblem.DUPLICATE_MATRICULA: "duplicate matrícula",
    RowProblem.DUPLICATE_CURP: "duplicate CURP",
}


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A student as one row states them. ``None`` means the file has no such column."""

    row: int
    matricula: str
    curp: str
    nombres: str
    apellido_paterno: str
    apellido_materno: str | None
    status: RosterStatus
    email_institucional: str | None = None
    email_personal: str | None = None
    programa: str | None = None
    term_number: int | None = None
    new_entry: bool | None = None
    enrolled_on: date | None = None  # seed 004: the NSS acuse is due 3 days after it

    def stated(self) -> dict[str, object]:
        """The student fields this row gives a value for, by ``StudentRow`` attribute name."""
        fields: dict[str, object] = {
            "curp": self.curp,
            "nombres": self.nombres,
            "apellido_paterno": self.apellido_paterno,
            "status": str(self.status),
        }
        optional = {
            "apellido_materno": self.apellido_materno,
            "email_institucional": self.email_institucional,
            "email_personal": self.email_personal,
            "programa": self.programa,
            "term_number": self.term_number,
            "new_entry": self.new_entry,
            "enrolled_on": self.enrolled_on,
        }
        fields.update({k: v for k, v in optional.items() if v is not None})
        return fields


@dataclass(frozen=True, slots=True)
class RowRejection:
    row: int
    matricula: str
    problem: RowProblem
    detail: str

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "matricula": self.matricula,
            "problem": str(self.problem),
            "detail": self.detail,
        }

    def describe(self) -> str:
        who = f" ({self.matricula})" if self.matricula else ""
        return f"row {self.row}{who}: {PROBLEM_TEXT[self.problem]}: {self.detail}"


def parse_line(line: RosterLine) -> RosterEntry | RowRejection:
    """Normalise one row the way it is stored: uppercase names, lowercase emails."""
    matricula = _upper(line.values.get(RosterColumn.MATRICULA, "")).replace(" ", "")
    try:
        return _entry(line, matricula)
    except _Unreadable as err:
        return RowRejection(line.number, matricula, err.problem, err.detail)


class _Unreadable(Exception):
    def __init__(self, problem: RowProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem, self.detail = problem, detail


def _entry(line: RosterLine, matricula: str) -> RosterEntry:
    values = line.values
    if not matricula:
        raise _Unreadable(RowProblem.MISSING_VALUE, "Matrícula is empty")
    curp = _curp(values.get(RosterColumn.CURP, ""))
    nombres, paterno, materno = _names(values, curp)
    if not nombres or not paterno:
        raise _Unreadable(RowProblem.MISSING_VALUE, "the student's name is empty or incomplete")
    programa = values.get(RosterColumn.PROGRAMA)
    entry = RosterEntry(
        row=line.number,
        matricula=matricula,
        curp=curp,
        nombres=nombres,
        apellido_paterno=paterno,
        apellido_materno=materno,
        status=_status(values.get(RosterColumn.STATUS, "")),
        email_institucional=_email(values, RosterColumn.EMAIL_INSTITUCIONAL),
        email_personal=_email(values, RosterColumn.EMAIL_PERSONAL),
        programa=None if programa is None else _upper(programa),
        term_number=_term_number(values.get(RosterColumn.TERM_NUMBER)),
        new_entry=_yes_no(values.get(RosterColumn.NEW_ENTRY)),
        enrolled_on=_date(values.get(RosterColumn.ENROLLED_ON)),
    )
    too_long = [
        name for name, limit in _MAX_LENGTH.items() if len(str(getattr(entry, name) or "")) > limit
    ]
    if too_long:
        raise _Unreadable(RowProblem.VALUE_TOO_LONG, ", ".join(too_long))
    return entry


def _upper(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).upper().split())


def _curp(text: str) -> str:
    if not text.strip():
        raise _Unreadable(RowProblem.MISSING_VALUE, "CURP is empty")
    curp = normalize_curp(text)
    if not curp_is_valid(curp):
        raise _Unreadable(RowProblem.INVALID_CURP, f"'{curp}' fails the format or check digit")
    return curp


def _status(text: str) -> RosterStatus:
    if not text.strip():
        raise _Unreadable(RowProblem.MISSING_VALUE, "Estatus is empty")
    status = _STATUSES.get(" ".join(re.findall(r"[A-Z]+", fold(text))))
    if status is None:
        expected = ", ".join(s.value for s in RosterStatus)
        raise _Unreadable(RowProblem.UNKNOWN_STATUS, f"'{text}' (expected one of {expected})")
    return status


def _yes_no(text: str | None) -> bool | None:
    if text is None or not text.strip():
        return None
    key = fold(text).strip().rstrip(".")
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _Unreadable(RowProblem.INVALID_NEW_ENTRY, f"'{text}' (expected S or N)")


def _date(text: str | None) -> date | None:
    """dd/mm/aaaa (the registrar's way), dd-mm-aaaa, or ISO aaaa-mm-dd (a spreadsheet date)."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", value)
    local = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if local:
            return date(int(local[3]), int(local[2]), int(local[1]))
    except ValueError:
        pass
    raise _Unreadable(RowProblem.INVALID_DATE, f"'{text}' is not a date dd/mm/aaaa")


def _term_number(text: str | None) -> int | None:
    """'3', '3.0', '3°', '3er' all mean the third term."""
    if text is None or not text.strip():
        return None
    found = re.match(r"^\s*(\d{1,2})(?:\.0+)?\s*(?:°|º|o|er|ro|do|to|vo|no|mo)?\s*$", text, re.I)
    if not found or not 1 <= int(found.group(1)) <= 20:
        raise _Unreadable(RowProblem.INVALID_TERM_NUMBER, f"'{text}' is not a number from 1 to 20")
    return int(found.group(1))


def _email(values: Mapping[RosterColumn, str], column: RosterColumn) -> str | None:
    text = values.get(column)
    if text is None:
        return None
    address = text.strip().lower().removeprefix("mailto:")
    if address and not _EMAIL.match(address):
        raise _Unreadable(RowProblem.INVALID_EMAIL, f"{COLUMN_LABELS[column]} '{text}'")
    return address


def _names(values: Mapping[RosterColumn, str], curp: str) -> tuple[str, str, str | None]:
    """(nombres, apellido paterno, apellido materno or None if the file has no such column)."""
    if RosterColumn.NOMBRES in values and RosterColumn.APELLIDO_PATERNO in values:
        materno = values.get(RosterColumn.APELLIDO_MATERNO)
        return (
            _upper(values[RosterColumn.NOMBRES]),
            _upper(values[RosterColumn.APELLIDO_PATERNO]),
            None if materno is None else _upper(materno),
        )
    return split_full_name(_upper(values.get(RosterColumn.NOMBRE_COMPLETO, "")), curp)


def split_full_name(full: str, curp: str) -> tuple[str, str, str]:
    """Split one "Nombre completo" cell into (nombres, paterno, materno).

    "PATERNO MATERNO, NOMBRES" is unambiguous. Without a comma the order varies between
    registrars, so the CURP decides: its letters 1, 3 and 4 are the initials of the
    paternal surname, the maternal surname and the given name.
    """
    if "," in full:
        surnames, _, given = full.partition(",")
        units = _name_units(surnames)
        paterno = units[0] if units else ""
        return _upper(given), paterno, " ".join(units[1:])
    units = _name_units(full)
    if len(units) < 2:
        return full, "", ""
    if len(units) == 2:
        return units[0], units[1], ""
    surnames_first = (" ".join(units[2:]), units[0], units[1])
    given_first = (" ".join(units[:-2]), units[-2], units[-1])
    if _curp_initials_score(given_first, curp) > _curp_initials_score(surnames_first, curp):
        return given_first
    return surnames_first


def _name_units(text: str) -> list[str]:
    """Words, with particles kept on the word they precede: 'DE LA CRUZ' is one surname."""
    units: list[str] = []
    pending: list[str] = []
    for word in text.replace(",", " ").split():
        pending.append(word)
        if fold(word) not in _NAME_PARTICLES:
            units.append(" ".join(pending))
            pending = []
    if pending:
        if units:
            units[-1] = f"{units[-1]} {' '.join(pending)}"
        else:
            units.append(" ".join(pending))
    return units


def _curp_initials_score(names: tuple[str, str, str], curp: str) -> int:
    nombres, paterno, materno = names

    def initial(text: str, skip: frozenset[str] = frozenset()) -> str:
        words = [w for w in fold(text).replace("Ñ", "X").split() if w not in _NAME_PARTICLES]
        if len(words) > 1 and words[0] in skip:
            words = words[1:]
        return words[0][0] if words else "X"

    given = initial(nombres, frozenset({"MARIA", "MA", "MA.", "JOSE", "J", "J."}))
    expected = (curp[0], curp[2], curp[3])
    return sum(
        a == b for a, b in zip((initial(paterno), initial(materno), given), expected, strict=True)
    )
