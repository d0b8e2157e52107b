"""Cadenas originales whose producer names each field ("NSS:…", "NOMBRE=…") and wraps the
record anywhere, even inside a CURP: each part is still recognised by its shape, so the
cross-check with the printed fields still runs."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.documents.cadena import disagreements, read_cadena
from tests.unit.documents.conftest import page_of


@pytest.mark.parametrize("sign", [":", "="])
def test_a_cadena_with_named_fields_is_read_by_shape(sign: str) -> None:
    record = [
        f"||FECHA{sign}2026-11-19T08:25:17|MODALIDAD{sign}32|REGISTRO{sign}E3106370417|",
        f"SITUACION{sign}VIGENTE|NOMBRE{sign}ROSA ELENA PEREZ QUINTERO|CURP{sign}PER",
        f"E030415HNLRMMF1|NSS{sign}55200322422|FOLIO{sign}5465139575||",
    ]
    cadena = read_cadena(page_of(*((text, 60.0, 500.0 + 10 * k) for k, text in enumerate(record))))
    assert cadena is not None
    assert (cadena.nss, cadena.curp, cadena.registro_patronal) == (
        "55200322422",
        "PERE030415HNLRMMF1",
        "E3106370417",
    )
    assert (cadena.modalidad, cadena.vigente, cadena.emitted_on) == ("32", True, date(2026, 11, 19))
    assert cadena.names == ("ROSAELENAPEREZQUINTERO",)


def _name_disagrees(printed: str) -> bool:
    cadena = read_cadena(page_of(("||20261130|OSCAR|TREJO FLORES|TEFO070226HDFRLSA2||", 60, 500)))
    assert cadena is not None
    return "nombre" in disagreements(cadena, {"nombre": printed})


def test_a_printed_name_read_with_the_next_labels_words_is_no_edit() -> None:
    assert not _name_disagrees("ÓSCAR TREJO FLORES NACIÓ EL")
    assert not _name_disagrees("TREJO FLORES")  # read short


def test_a_printed_name_changed_to_another_is_an_edit() -> None:
    assert _name_disagrees("MARTÍN TREJO FLORES")
