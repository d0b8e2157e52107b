"""One row of the registrar's export -> one roster entry, or the reason it is refused."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.domain.student import RosterStatus
from daemon.roster_file import (
    RosterColumn,
    RosterEntry,
    RosterLine,
    RowProblem,
    RowRejection,
    parse_line,
    split_full_name,
)

ANA_CURP = "GOMA050317MDFNRNA1"
C = RosterColumn


def _line(**overrides: str) -> RosterLine:
    values = {
        C.MATRICULA: "ute2026001",
        C.CURP: ANA_CURP,
        C.NOMBRES: "Ana  María",
        C.APELLIDO_PATERNO: "Gómez",
        C.APELLIDO_MATERNO: "núñez",
        C.EMAIL_INSTITUCIONAL: " Ana.Gomez@Alumnos.UTE.example.edu.mx ",
        C.EMAIL_PERSONAL: "",
        C.PROGRAMA: "TSU en Mecatrónica",
        C.TERM_NUMBER: "1",
        C.STATUS: "ACTIVO",
        C.NEW_ENTRY: "S",
    }
    values.update({C(k): v for k, v in overrides.items()})
    return RosterLine(number=7, values={k: v for k, v in values.items() if v is not None})


def _entry(**overrides: str) -> RosterEntry:
    parsed = parse_line(_line(**overrides))
    assert isinstance(parsed, RosterEntry), parsed
    return parsed


def _problem(**overrides: str) -> RowRejection:
    parsed = parse_line(_line(**overrides))
    assert isinstance(parsed, RowRejection), parsed
    assert parsed.row == 7
    return parsed


def test_names_are_stored_uppercase_as_given_and_emails_lowercase() -> None:
    entry = _entry()

    assert entry.matricula == "UTE2026001"
    assert (entry.nombres, entry.apellido_paterno, entry.apellido_materno) == (
        "ANA MARÍA",
        "GÓMEZ",
        "NÚÑEZ",
    )
    assert entry.email_institucional == "ana.gomez@alumnos.ute.example.edu.mx"
    assert entry.email_personal == ""
    assert entry.programa == "TSU EN MECATRÓNICA"
    assert (entry.term_number, entry.status, entry.new_entry) == (1, RosterStatus.ACTIVO, True)


def test_curp_is_uppercased_before_checking() -> None:
    assert _entry(curp=" goma050317mdfnrna1 ").curp == ANA_CURP


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("ACTIVO", RosterStatus.ACTIVO),
        ("activo", RosterStatus.ACTIVO),
        ("Baja Temporal", RosterStatus.BAJA_TEMPORAL),
        ("BAJA_DEFINITIVA", RosterStatus.BAJA_DEFINITIVA),
        ("ESTADÍA", RosterStatus.ESTADIA),
        ("estadia", RosterStatus.ESTADIA),
    ],
)
def test_status_is_read_with_or_without_accents_in_any_case(
    written: str, status: RosterStatus
) -> None:
    assert _entry(status=written).status is status


@pytest.mark.parametrize(
    ("written", "new_entry"),
    [("S", True), ("si", True), ("SÍ", True), ("N", False), ("no", False), ("", None)],
)
def test_nuevo_ingreso_accepts_s_n_si_no(written: str, new_entry: bool | None) -> None:
    assert _entry(new_entry=written).new_entry is new_entry


@pytest.mark.parametrize(("written", "number"), [("3", 3), ("3.0", 3), ("3°", 3), ("10", 10)])
def test_term_number_as_excel_and_people_write_it(written: str, number: int) -> None:
    assert _entry(term_number=written).term_number == number


def test_curp_with_a_wrong_check_digit_is_rejected() -> None:
    rejection = _problem(curp=ANA_CURP[:-1] + "9")

    assert rejection.problem is RowProblem.INVALID_CURP
    assert rejection.matricula == "UTE2026001"
    assert "row 7 (UTE2026001): invalid CURP" in rejection.describe()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"matricula": "  "}, RowProblem.MISSING_VALUE),
        ({"curp": ""}, RowProblem.MISSING_VALUE),
        ({"nombres": ""}, RowProblem.MISSING_VALUE),
        ({"apellido_paterno": ""}, RowProblem.MISSING_VALUE),
        ({"status": ""}, RowProblem.MISSING_VALUE),
        ({"status": "EGRESADO"}, RowProblem.UNKNOWN_STATUS),
        ({"new_entry": "quizá"}, RowProblem.INVALID_NEW_ENTRY),
        ({"term_number": "tercero"}, RowProblem.INVALID_TERM_NUMBER),
        ({"email_personal": "ana@"}, RowProblem.INVALID_EMAIL),
        ({"programa": "X" * 201}, RowProblem.VALUE_TOO_LONG),
    ],
)
def test_rows_that_cannot_be_a_student_say_why(
    overrides: dict[str, str], problem: RowProblem
) -> None:
    assert _problem(**overrides).problem is problem


def test_optional_columns_absent_from_the_file_are_left_unstated() -> None:
    line = RosterLine(
        number=2,
        values={
            C.MATRICULA: "UTE1",
            C.CURP: ANA_CURP,
            C.NOMBRES: "ANA",
            C.APELLIDO_PATERNO: "GÓMEZ",
            C.STATUS: "BAJA TEMPORAL",
        },
    )

    entry = parse_line(line)

    assert isinstance(entry, RosterEntry)
    assert entry.stated() == {
        "curp": ANA_CURP,
        "nombres": "ANA",
        "apellido_paterno": "GÓMEZ",
        "status": "BAJA TEMPORAL",
    }


@pytest.mark.parametrize(
    "full",
    ["GÓMEZ NÚÑEZ, ANA MARÍA", "GÓMEZ NÚÑEZ ANA MARÍA", "ANA MARÍA GÓMEZ NÚÑEZ"],
)
def test_full_name_is_split_using_the_curp_initials(full: str) -> None:
    assert split_full_name(full, ANA_CURP) == ("ANA MARÍA", "GÓMEZ", "NÚÑEZ")


def test_compound_surnames_stay_whole() -> None:
    curp = "CUHJ020816HQTRRNA6"  # JUAN DE LA CRUZ HERNÁNDEZ
    assert split_full_name("DE LA CRUZ HERNÁNDEZ JUAN", curp) == ("JUAN", "DE LA CRUZ", "HERNÁNDEZ")
    assert split_full_name("JUAN DE LA CRUZ HERNÁNDEZ", curp) == ("JUAN", "DE LA CRUZ", "HERNÁNDEZ")


def test_full_name_column_fills_the_three_name_fields() -> None:
    line = RosterLine(
        number=2,
        values={
            C.MATRICULA: "UTE1",
            C.CURP: ANA_CURP,
            C.NOMBRE_COMPLETO: "Gómez Núñez Ana María",
            C.STATUS: "ACTIVO",
        },
    )

    entry = parse_line(line)

    assert isinstance(entry, RosterEntry)
    assert (entry.nombres, entry.apellido_paterno, entry.apellido_materno) == (
        "ANA MARÍA",
        "GÓMEZ",
        "NÚÑEZ",
    )


@pytest.mark.parametrize(
    "written", ["21/08/2026", "21-08-2026", "2026-08-21", "2026-08-21 00:00:00", "21.08.2026"]
)
def test_fecha_de_inscripcion_as_registrars_and_spreadsheets_write_it(written: str) -> None:
    assert _entry(enrolled_on=written).enrolled_on == date(2026, 8, 21)


@pytest.mark.parametrize("written", ["31/02/2026", "agosto", "08/21/26"])
def test_a_fecha_de_inscripcion_that_is_not_a_date_refuses_the_row(written: str) -> None:
    assert _problem(enrolled_on=written).problem is RowProblem.INVALID_DATE
