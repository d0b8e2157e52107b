"""Check digits of the two Mexican identifiers a constancia carries.

NSS: 11 digits, the last a Luhn check digit over the first ten. CURP: python-stdnum's
``mx.curp`` (format, state code, birth date and check digit).
"""

from __future__ import annotations

import re
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.mx import curp as stdnum_curp

_NSS = re.compile(r"^\d{11}$")


def normalize_nss(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def nss_is_valid(value: str | None) -> bool:
    nss = normalize_nss(value or "")
    return bool(_NSS.match(nss)) and luhn.is_valid(nss)


def normalize_curp(value: str) -> str:
    return stdnum_curp.compact(value or "")


def curp_is_valid(value: str | None) -> bool:
    if not value:
        return False
    try:
        stdnum_curp.validate(value)
    except ValidationError:
        return False
    return True


def curp_birth_date(value: str) -> date | None:
    try:
        return stdnum_curp.get_birth_date(value)
    except ValidationError:
        return None


def curp_sex(value: str) -> str | None:
    """'H' or 'M' as written in the CURP (position 11); 'X' for non-binary CURPs."""
    compact = normalize_curp(value)
    return compact[10] if len(compact) == 18 else None
