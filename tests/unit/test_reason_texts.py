"""Staff read every decision reason in Spanish (issue 10), parameters included."""

from __future__ import annotations

import pytest

from daemon.domain.reason_texts import UNKNOWN_PREFIX, in_spanish


@pytest.mark.parametrize(
    ("stored", "staff_read"),
    [
        (
            "emitted 2026-11-02, 9 days before receipt, max 5",
            "expedida el 02/11/2026, 9 días antes de recibirse (máximo 5 días)",
        ),
        (
            "emitted 2026-11-30, 1 days before receipt, max 5",
            "expedida el 30/11/2026, 1 día antes de recibirse (máximo 5 días)",
        ),
        (
            "neither the sender nor the CURP is on the roster",
            "ni el remitente ni la CURP del documento están en el padrón",
        ),
        (
            "vigente, modalidad 32, registro E1234567108 is another institution's",
            "vigente en modalidad 32 con el registro patronal E1234567108, de otra institución",
        ),
        ("unsafe file: PDF with JavaScript", "archivo rechazado: el PDF trae JavaScript"),
        ("waiver lacks: firma, fecha", "a la carta le falta: firma, fecha"),
        ("no se encontró la fecha de expedición", "no se encontró la fecha de expedición"),
    ],
)
def test_stored_reasons_are_rendered_in_spanish(stored: str, staff_read: str) -> None:
    assert in_spanish(stored) == staff_read


def test_a_reason_without_its_spanish_is_shown_as_a_technical_detail_not_hidden() -> None:
    assert in_spanish("frobnicated the widget") == UNKNOWN_PREFIX + "frobnicated the widget"
