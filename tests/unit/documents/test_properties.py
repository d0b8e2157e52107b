"""Property tests: identifier check digits and Spanish dates, over many generated values."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from daemon.documents.constancia import curp_in, nss_in
from daemon.documents.spanish_dates import MONTHS, parse_spanish_date
from daemon.domain.identifiers import curp_birth_date, curp_is_valid, curp_sex, nss_is_valid
from tests.fixtures.documents import fecha_corta, fecha_larga

_MONTH_NAMES = [name.lower() for name in MONTHS if name != "SETIEMBRE"]
DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))
TEN_DIGITS = st.text("0123456789", min_size=10, max_size=10)


@given(TEN_DIGITS)
def test_nss_with_its_luhn_digit_is_valid_and_any_other_digit_is_not(body: str) -> None:
    check = luhn.calc_check_digit(body)
    assert nss_is_valid(body + check)
    for wrong in set("0123456789") - {check}:
        assert not nss_is_valid(body + wrong)


@given(TEN_DIGITS, st.sampled_from([" ", "-", ""]))
def test_nss_is_found_in_text_however_it_is_grouped(body: str, sep: str) -> None:
    nss = body + luhn.calc_check_digit(body)
    written = f"NSS: {nss[:2]}{sep}{nss[2:4]}{sep}{nss[4:6]}{sep}{nss[6:]} VIGENTE"
    assert nss_in(written) == nss


_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


def _curp(prefix: str, born: date, sex: str, state: str, rest: str, homoclave: str) -> str:
    body = f"{prefix}{born:%y%m%d}{sex}{state}{rest}{homoclave}"
    total = sum(_ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(body))
    return body + str((10 - total % 10) % 10)


_CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
_LETTER = st.sampled_from(_CONSONANTS)
CURPS = st.builds(
    _curp,
    st.builds(
        "".join,
        st.tuples(_LETTER, st.sampled_from("AEIOU"), _LETTER, _LETTER),
    ),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2012, 12, 31)),
    st.sampled_from("HM"),
    st.sampled_from(["DF", "JC", "NL", "PL", "MC", "VZ"]),
    st.text(_CONSONANTS, min_size=3, max_size=3),
    st.sampled_from("0123456789A"),
)


@given(CURPS)
def test_generated_curp_is_valid_and_carries_its_birth_date_and_sex(curp: str) -> None:
    if not curp_is_valid(curp):  # a few prefixes are on stdnum's list of rude words
        return
    assert curp_in(f"CURP: {curp}") == curp
    assert curp_sex(curp) == curp[10]
    born = curp_birth_date(curp)
    assert born is not None
    assert born.strftime("%y%m%d") == curp[4:10]
    wrong = curp[:-1] + str((int(curp[-1]) + 1) % 10)
    assert not curp_is_valid(wrong)


@given(DATES)
def test_numeric_dates_are_day_first(value: date) -> None:
    assert parse_spanish_date(fecha_corta(value)) == value
    assert parse_spanish_date(f"{fecha_corta(value)} 10:32:05") == value
    assert parse_spanish_date(value.strftime("%d-%m-%Y")) == value


@given(DATES, st.sampled_from(["", "Ciudad de México, a ", "Expedida el "]))
def test_long_spanish_dates_are_read(value: date, prefix: str) -> None:
    assert parse_spanish_date(prefix + fecha_larga(value)) == value
    assert parse_spanish_date(fecha_larga(value).upper()) == value
    month = _MONTH_NAMES[value.month - 1][:3].upper()
    assert parse_spanish_date(f"{value.day:02d}/{month}/{value.year}") == value


@given(st.text(max_size=60))
def test_date_parser_never_raises(text: str) -> None:
    result = parse_spanish_date(text)
    assert result is None or isinstance(result, date)
