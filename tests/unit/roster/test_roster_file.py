"""Reading the registrar's export as Excel and the registrar's systems really save it."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.roster_file import RosterColumn, RosterFileError, read_roster
from tests.fixtures.roster import (
    CURP,
    ESTATUS,
    MATRICULA,
    NOMBRES,
    PATERNO,
    roster_students,
    write_roster_csv,
    write_roster_xlsx,
)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";"), ("utf-8-sig", ";"), ("utf-16", "\t")],
)
def test_csv_exports_keep_accents_whatever_the_encoding_and_delimiter(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    rows = roster_students(20, seed=1)
    rows[0][NOMBRES], rows[0][PATERNO] = "MARÍA JOSÉ", "NÚÑEZ"
    path = write_roster_csv(tmp_path / "alumnos.csv", rows, encoding=encoding, delimiter=delimiter)

    sheet = read_roster(path)

    assert len(sheet.lines) == 20
    first = sheet.lines[0].values
    assert first[RosterColumn.NOMBRES] == "MARÍA JOSÉ"
    assert first[RosterColumn.APELLIDO_PATERNO] == "NÚÑEZ"
    assert first[RosterColumn.CURP] == rows[0][CURP]


@pytest.mark.parametrize("shared_strings", [True, False], ids=["excel", "inline-strings"])
def test_xlsx_export_with_a_title_row_numbers_rows_as_the_spreadsheet_does(
    tmp_path: Path, shared_strings: bool
) -> None:
    rows = roster_students(3, seed=2)
    path = write_roster_xlsx(
        tmp_path / "alumnos.xlsx", rows, title_rows=["UNIVERSIDAD"], shared_strings=shared_strings
    )

    sheet = read_roster(path)

    assert sheet.file_format == "xlsx"
    assert [line.number for line in sheet.lines] == [3, 4, 5]  # title 1, header 2
    assert sheet.lines[0].values[RosterColumn.MATRICULA] == rows[0][MATRICULA]
    assert sheet.lines[0].values[RosterColumn.TERM_NUMBER] == rows[0]["Cuatrimestre"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("MATRICULA", RosterColumn.MATRICULA),
        ("matricula", RosterColumn.MATRICULA),
        ("Matrícula", RosterColumn.MATRICULA),
        ("NOMBRE(S)", RosterColumn.NOMBRES),
        ("Carrera", RosterColumn.PROGRAMA),
        ("Semestre", RosterColumn.TERM_NUMBER),
        ("Grado", RosterColumn.TERM_NUMBER),
        ("ESTATUS", RosterColumn.STATUS),
        ("Correo Institucional", RosterColumn.EMAIL_INSTITUCIONAL),
        (" Nuevo  ingreso ", RosterColumn.NEW_ENTRY),
    ],
)
def test_header_spellings_of_different_registrars_are_recognised(
    tmp_path: Path, header: str, column: RosterColumn
) -> None:
    cells = {
        RosterColumn.MATRICULA: ("Matrícula", "UTE1"),
        RosterColumn.CURP: ("CURP", "GOMA050317MDFNRNA1"),
        RosterColumn.NOMBRES: ("Nombres", "ANA"),
        RosterColumn.APELLIDO_PATERNO: ("Apellido paterno", "GOMEZ"),
        RosterColumn.STATUS: ("Estatus", "ACTIVO"),
    }
    cells[column] = (header, "the value")
    path = tmp_path / "a.csv"
    path.write_text(
        ",".join(f'"{h}"' for h, _ in cells.values())
        + "\n"
        + ",".join(v for _, v in cells.values()),
        encoding="utf-8",
    )

    sheet = read_roster(path)

    assert sheet.lines[0].values[column] == "the value"


def test_one_full_name_column_replaces_the_three_name_columns(tmp_path: Path) -> None:
    rows = [
        {MATRICULA: r[MATRICULA], CURP: r[CURP], "Nombre completo": "X", ESTATUS: "ACTIVO"}
        for r in roster_students(2, seed=4)
    ]

    sheet = read_roster(write_roster_csv(tmp_path / "a.csv", rows))

    assert RosterColumn.NOMBRE_COMPLETO in sheet.columns


@pytest.mark.parametrize("dropped", [CURP, ESTATUS, MATRICULA])
def test_a_missing_required_column_is_named_in_the_error(tmp_path: Path, dropped: str) -> None:
    rows = [{k: v for k, v in r.items() if k != dropped} for r in roster_students(2, seed=5)]
    path = write_roster_csv(tmp_path / "a.csv", rows)

    with pytest.raises(RosterFileError, match="missing required column") as caught:
        read_roster(path)

    expected = {CURP: "CURP", ESTATUS: "Estatus", MATRICULA: "Matrícula"}[dropped]
    assert expected in str(caught.value)


def test_missing_surname_column_is_named_with_the_full_name_alternative(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != PATERNO} for r in roster_students(2, seed=5)]

    with pytest.raises(RosterFileError, match=r"Apellido paterno.*Nombre completo"):
        read_roster(write_roster_csv(tmp_path / "a.csv", rows))


def test_blank_lines_between_students_are_skipped(tmp_path: Path) -> None:
    rows = roster_students(2, seed=6)
    path = write_roster_csv(tmp_path / "a.csv", [rows[0], {}, rows[1]])

    sheet = read_roster(path)

    assert [line.number for line in sheet.lines] == [2, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"nombre,edad\nana,20\n", "no header row"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel .xls"),
        (b"PK\x03\x04 not really a zip", "not a readable XLSX"),
    ],
)
def test_files_that_are_not_a_roster_are_refused_whole(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)

    with pytest.raises(RosterFileError, match=message):
        read_roster(path)


def test_a_missing_file_is_a_roster_file_error(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError, match="cannot read"):
        read_roster(tmp_path / "nope.csv")


def test_matriculas_excel_turned_into_numbers_come_back_as_text(tmp_path: Path) -> None:
    rows = roster_students(1, seed=7)
    rows[0][MATRICULA] = 20260001  # type: ignore[assignment]

    sheet = read_roster(write_roster_xlsx(tmp_path / "a.xlsx", rows))

    assert sheet.lines[0].values[RosterColumn.MATRICULA] == "20260001"


def test_a_csv_with_an_unterminated_quote_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    body = "UTE1,GOMA050317MDFNRNA1,ANA,G,ACTIVO\n" * 5000
    path.write_text(f'Matricula,CURP,Nombres,Apellido paterno,Estatus\n"UTE0,{body}')

    with pytest.raises(RosterFileError, match="not a readable CSV"):
        read_roster(path)
