"""Cadenas originales whose producer names each field ("NSS:…", "NOMBRE=…") and wraps the
record anywhere, even inside a CURP: each part is still recognised by its shape, so the
cross-check with the printed fields still runs."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.documents.cadena import disagreements, read_cadena
from daemon.documents.constancia import parse_constancia
from daemon.documents.reading import _with_cadena_findings
from daemon.domain.facts import ConstanciaFacts, DocumentReading
from daemon.domain.outcomes import Confidence, DocumentKind
from tests.unit.documents.conftest import TITLE, page_of


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


def _reading(facts: ConstanciaFacts) -> DocumentReading:
    return DocumentReading(
        filename="constancia.pdf",
        sha256="0" * 64,
        kind=DocumentKind.CONSTANCIA,
        facts=facts,
        confidence=Confidence.TEXT,
    )


CADENA = ("||1263260104|J5354761834|11/12/2026 20:58:26|VIGENTE|32|01250861372||", 58, 490)


def test_a_printed_registro_the_other_reading_missed_still_disagrees_with_the_cadena() -> None:
    """PDFium read "Registro patronal: C8216547103" against the cadena's J5354761834;
    pdfminer lost the label's spaces and took the registro from the cadena alone. Not
    seeing the printed value proves no agreement: the edit stays a doubt."""
    seen = parse_constancia(
        page_of(TITLE, ("Registro patronal:", 61, 304), ("C8216547103", 150, 304), CADENA)
    )
    blind = parse_constancia(page_of(TITLE, ("Registropatronal:C8216547103", 61, 304), CADENA))
    assert seen.doubts == ("cadena original disagrees: registro_patronal",)
    assert blind.source("registro_patronal") == "cadena"
    kept = _with_cadena_findings(_reading(blind), _reading(seen))
    assert isinstance(kept.facts, ConstanciaFacts)
    assert "cadena original disagrees: registro_patronal" in kept.facts.doubts
