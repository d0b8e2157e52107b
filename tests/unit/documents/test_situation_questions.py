"""The situación asked as a question ("¿Derechos vigentes?", "DERECHOS VIGENTES (S/N)") and
answered SÍ / S / NO / N, or given as ticked options laid out in runs of their own (issue 8,
corpus F): the answer is read wherever the layout put it, a wrapped question included."""

from __future__ import annotations

import pytest

from daemon.documents.constancia import parse_constancia
from tests.unit.documents.conftest import TITLE, page_of


@pytest.mark.parametrize(("answer", "vigente"), [("S", True), ("N", False), ("SÍ", True)])
def test_rights_asked_yes_or_no_are_read_from_the_answer_below(answer: str, vigente: bool) -> None:
    facts = parse_constancia(
        page_of(TITLE, ("Información de vigencia", 60, 380), ("Derechos vigentes (S/N)", 60, 400),
                (answer, 60, 414))
    )  # fmt: skip
    assert facts.vigente is vigente


def test_a_question_wrapped_over_two_lines_has_its_answer_beside_the_last_line() -> None:
    facts = parse_constancia(
        page_of(TITLE, ("DERECHOS VIGENTES", 48, 232), ("(S/N):", 48, 245), ("N", 208, 245),
                ("TIPO DE MOVIMIENTO", 48, 258), ("ALTA", 523, 258))
    )  # fmt: skip
    assert facts.vigente is False


def test_the_question_at_the_far_end_of_its_row_is_answered_there() -> None:
    facts = parse_constancia(page_of(TITLE, ("¿Derechos vigentes?", 48, 244), ("SÍ", 540, 244)))
    assert facts.vigente is True


def test_of_ticked_options_in_runs_of_their_own_the_ticked_one_is_the_situation() -> None:
    facts = parse_constancia(
        page_of(TITLE, ("Vigencia de derechos:", 40, 158), ("[ ] Vigente", 151, 158),
                ("[X] Baja", 211, 158))
    )  # fmt: skip
    assert facts.vigente is False


def test_options_with_none_ticked_give_no_situation() -> None:
    facts = parse_constancia(
        page_of(TITLE, ("Vigencia de derechos:", 40, 158), ("[ ] Vigente", 151, 158),
                ("[ ] Baja", 211, 158))
    )  # fmt: skip
    assert facts.vigente is None


def test_the_insured_persons_state_activo_is_vigente() -> None:
    facts = parse_constancia(
        page_of(TITLE, ("ESTADO DEL ASEGURADO", 53, 177), ("SERVICIOS MÉDICOS", 219, 177),
                ("ACTIVO", 52, 192), ("ACTIVO", 219, 192))
    )  # fmt: skip
    assert facts.vigente is True
