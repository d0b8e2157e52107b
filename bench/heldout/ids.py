"""Mexican identifiers (CURP, NSS, registro patronal) built the way the registries build them.

The held-out corpus must carry identifiers that validate exactly like real ones, so a parser
cannot tell them apart from genuine documents by their check digits.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from stdnum import luhn
from stdnum.mx import curp as stdnum_curp

STATES = [
    "AS",
    "BC",
    "BS",
    "CC",
    "CH",
    "CL",
    "CM",
    "CS",
    "DF",
    "DG",
    "GR",
    "GT",
    "HG",
    "JC",
    "MC",
    "MN",
    "MS",
    "NL",
    "NT",
    "OC",
    "PL",
    "QR",
    "QT",
    "SL",
    "SP",
    "SR",
    "TC",
    "TL",
    "TS",
    "VZ",
    "YN",
    "ZS",
]

_PARTICLES = {"DE", "LA", "DEL", "LOS", "LAS", "Y", "MC", "MAC", "VON", "VAN", "DA", "DI"}
_SKIP_GIVEN = {"MARIA", "MA", "MA.", "JOSE", "J", "J."}
_VOWELS = set("AEIOU")
_BLACKLIST = set(
    [
        "BACA",
        "BAKA",
        "BUEI",
        "BUEY",
        "CACA",
        "CACO",
        "CAGA",
        "CAGO",
        "CAKA",
        "CAKO",
        "COGE",
        "COGI",
        "COJA",
        "COJE",
        "COJI",
        "COJO",
        "COLA",
        "CULO",
        "FALO",
        "FETO",
        "GETA",
        "GUEI",
        "GUEY",
        "JETA",
        "JOTO",
        "KACA",
        "KACO",
        "KAGA",
        "KAGO",
        "KAKA",
        "KAKO",
        "KOGE",
        "KOGI",
        "KOJA",
        "KOJE",
        "KOJI",
        "KOJO",
        "KOLA",
        "KULO",
        "LILO",
        "LOCA",
        "LOCO",
        "LOKA",
        "LOKO",
        "MAME",
        "MAMO",
        "MEAR",
        "MEAS",
        "MEON",
        "MIAR",
        "MION",
        "MOCO",
        "MOKO",
        "MULA",
        "MULO",
        "NACA",
        "NACO",
        "PEDA",
        "PEDO",
        "PENE",
        "PIPI",
        "PITO",
        "POPO",
        "PUTA",
        "PUTO",
        "QULO",
        "RATA",
        "ROBA",
        "ROBE",
        "ROBO",
        "RUIN",
        "SENO",
        "TETA",
        "VACA",
        "VAGA",
        "VAGO",
        "VAKA",
        "VUEI",
        "VUEY",
        "WUEI",
        "WUEY",
    ]
)


def strip_accents(text: str) -> str:
    """Remove diacritics (Ñ becomes N), as many legacy systems print names."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _curp_word(text: str) -> str:
    """The CURP alphabet form of a name: no accents, Ñ as X, first non-particle word kept."""
    text = text.upper().replace("Ñ", "X")
    words = [w for w in strip_accents(text).split() if w not in _PARTICLES]
    return words[0] if words else "X"


def _first_internal(word: str, wanted: set[str] | None, consonant: bool) -> str:
    for ch in word[1:]:
        if consonant and ch.isalpha() and ch not in _VOWELS:
            return ch
        if not consonant and wanted is not None and ch in wanted:
            return ch
    return "X"


def make_curp(
    paterno: str,
    materno: str,
    nombres: str,
    birth: dt.date,
    sex: str,
    state: str,
    rng: random.Random,
) -> str:
    """Build a CURP that stdnum accepts: name letters, birth date, sex, state, check digit."""
    pat = _curp_word(paterno)
    mat = _curp_word(materno) if materno else "X"
    given_words = [w for w in strip_accents(nombres.upper()).split() if w not in _PARTICLES]
    given = given_words[0]
    if len(given_words) > 1 and given in _SKIP_GIVEN:
        given = given_words[1]
    given = given.replace("Ñ", "X")
    first4 = pat[0] + _first_internal(pat, _VOWELS, False) + mat[0] + given[0]
    if first4 in _BLACKLIST:
        first4 = first4[0] + "X" + first4[2:]
    cons = (
        _first_internal(pat, None, True)
        + _first_internal(mat, None, True)
        + _first_internal(given, None, True)
    )
    homoclave = rng.choice("ABCDEFGH") if birth.year >= 2000 else str(rng.randint(0, 9))
    body = f"{first4}{birth:%y%m%d}{sex}{state}{cons}{homoclave}"
    value = body + stdnum_curp.calc_check_digit(body + "0")
    return stdnum_curp.validate(value)


def make_nss(birth_year: int, rng: random.Random) -> str:
    """NSS: subdelegación, year of first registration, birth year, sequence, Luhn check digit."""
    sub = rng.randint(1, 97)
    alta = min(birth_year + rng.randint(14, 19), 2025) % 100
    body = f"{sub:02d}{alta:02d}{birth_year % 100:02d}{rng.randint(0, 9999):04d}"
    return body + luhn.calc_check_digit(body)


def make_registro(rng: random.Random, letter: str | None = None) -> str:
    """A registro patronal: a letter and ten digits (municipality, number, modality, check)."""
    first = letter or rng.choice("ABCDEFGHJKLMNPRSTVXYZ")
    body = f"{rng.randint(10, 99)}{rng.randint(0, 99999):05d}{rng.randint(10, 99)}"
    return first + body + luhn.calc_check_digit(body)


def registro_printed(reg: str, style: int) -> str:
    """Registro patronal as offices print it: compact, hyphenated or spaced."""
    if style == 1:
        return f"{reg[:3]}-{reg[3:8]}-{reg[8:10]}-{reg[10]}"
    if style == 2:
        return f"{reg[:3]} {reg[3:8]} {reg[8:10]} {reg[10]}"
    if style == 3:
        return f"{reg[:8]}-{reg[8:10]}-{reg[10]}"
    return reg


def nss_printed(nss: str, style: int) -> str:
    """NSS as printed: compact or grouped like the IMSS card (2-2-2-4-1)."""
    if style == 1:
        return f"{nss[:2]}-{nss[2:4]}-{nss[4:6]}-{nss[6:10]}-{nss[10]}"
    if style == 2:
        return f"{nss[:4]} {nss[4:8]} {nss[8:]}"
    return nss


def nss_is_valid(nss: str) -> bool:
    """True for 11 digits whose last one is the Luhn check over the first ten."""
    return len(nss) == 11 and nss.isdigit() and luhn.is_valid(nss)
