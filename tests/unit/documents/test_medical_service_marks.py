"""How a constancia says whether the student has medical service: a mark under one of the
"Sí" / "No" option columns, a sentence, or a note about everyone (issue 8, classes 1-4)."""

from __future__ import annotations

import pytest

from daemon.documents.constancia import parse_constancia
from daemon.documents.layout import Segment, lines_of
from daemon.domain.facts import ConstanciaFacts
from tests.unit.documents.conftest import TITLE, page_of

IDENTITY = (
    ("NSS:", 51, 111),
    ("26150367501", 171, 111),
    ("Situación:", 51, 127),
    ("VIGENTE", 171, 127),
)


def _constancia(*runs: tuple[str, float, float]) -> ConstanciaFacts:
    return parse_constancia(page_of(TITLE, *IDENTITY, *runs))


def test_the_mark_under_the_no_column_says_no_medical_service() -> None:
    facts = _constancia(
        ("Registro patronal", 54, 178),
        ("Atención médica Sí", 343, 178),
        ("Atención médica No", 454, 178),
        ("E2141911726", 54, 197),
        ("X", 456, 197),
    )
    assert facts.servicio_medico is False
    assert facts.source("servicio_medico") == "label:marked"


def test_the_mark_under_the_si_sub_header_says_medical_service() -> None:
    facts = _constancia(
        ("Modalidad", 250, 178),
        ("Servicio médico", 343, 178),
        ("Sí", 345, 188),
        ("No", 420, 188),
        ("32", 250, 206),
        ("X", 346, 206),
    )
    assert facts.servicio_medico is True


def test_option_columns_with_no_mark_are_no_answer_not_the_word_si() -> None:
    facts = _constancia(
        ("Servicio médico Sí", 343, 178),
        ("Servicio médico No", 454, 178),
        ("E2141911726", 54, 197),
    )
    assert facts.servicio_medico is None
    assert "servicio_medico" in facts.unread


def test_marks_under_both_options_are_no_answer() -> None:
    facts = _constancia(
        ("Servicio médico Sí", 343, 178),
        ("Servicio médico No", 454, 178),
        ("X", 345, 197),
        ("X", 456, 197),
    )
    assert facts.servicio_medico is None


def test_header_cells_whose_words_touch_are_two_labels() -> None:
    """A header wider than its column runs into the next one: "Prestaciones médicasSituación"."""
    facts = parse_constancia(
        page_of(
            TITLE,
            ("NSS:", 51, 111),
            ("26150367501", 171, 111),
            ("Modalidad", 329, 194),
            ("Prestaciones médicas", 384, 194),
            ("Situación", 384 + 5.2 * 20, 194),
            ("13", 329, 211),
            ("Otorgado", 384, 211),
            ("VIGENTE", 474, 211),
        )
    )
    assert facts.vigente is True
    assert facts.servicio_medico is True


def test_a_note_headed_servicio_medico_is_about_everyone_not_an_unread_value() -> None:
    facts = _constancia(
        ("Servicio médico: la atención de urgencias se otorga a toda persona, sea o no", 51, 600),
        ("derechohabiente.", 51, 610),
    )
    assert facts.servicio_medico is None
    assert "servicio_medico" not in facts.unread


def test_goza_del_derecho_a_servicio_medico_in_a_sentence_is_yes() -> None:
    facts = _constancia(
        ("El (la) asegurado (a) goza del derecho a servicio médico en las unidades.", 51, 268),
    )
    assert facts.servicio_medico is True


def test_access_to_the_health_services_is_medical_service() -> None:
    facts = _constancia(
        ("VIGENTE en sus derechos. Asimismo, tiene acceso a los servicios de salud.", 51, 268),
    )
    assert facts.servicio_medico is True


def test_a_form_asking_s_or_n_answered_s_says_medical_service() -> None:
    facts = _constancia(("SERVICIOS MÉDICOS (S/N)", 40, 312), ("S", 551, 312))
    assert facts.servicio_medico is True


def test_a_form_asking_s_or_n_answered_n_says_no_medical_service() -> None:
    facts = _constancia(("SERVICIOS MÉDICOS (S/N)", 40, 312), ("N", 551, 312))
    assert facts.servicio_medico is False


def test_the_box_marked_before_sin_derecho_says_no_medical_service() -> None:
    facts = _constancia(
        ("SERVICIO MÉDICO:", 56, 249), ("( ) CON DERECHO", 242, 249), ("(X) SIN DERECHO", 344, 249)
    )
    assert facts.servicio_medico is False


def test_the_box_marked_after_vigente_says_medical_service() -> None:
    facts = _constancia(
        ("DERECHO A SERVICIO MÉDICO:", 56, 146),
        ("VIGENTE [X]", 220, 146),
        ("NO VIGENTE [ ]", 297, 146),
    )
    assert facts.servicio_medico is True


def test_the_box_marked_after_no_vigente_says_no_medical_service() -> None:
    facts = _constancia(("DERECHO A SERVICIO MÉDICO: VIGENTE [ ] NO VIGENTE [X]", 56, 146))
    assert facts.servicio_medico is False


def test_a_tick_box_under_a_header_is_the_answer_not_part_of_the_label() -> None:
    """ "Servicios médicos" over "( ) Sí (X) No": a parenthesis after a label is its
    wording ("(S/N)"), but an empty or ticked box is an answer."""
    facts = parse_constancia(
        page_of(TITLE, ("Situación", 78, 271), ("Servicios médicos", 145, 271),
                ("NO VIGENTE", 79, 288), ("( ) Sí (X) No", 145, 288))
    )  # fmt: skip
    assert facts.servicio_medico is False


def test_words_set_one_by_one_with_wide_spaces_are_one_label() -> None:
    """A producer that places each word on its own leaves spaces of 0.4 em between them."""
    words = [("Servicios", 65.0, 105.0), ("médicos", 109.0, 145.0), ("(X)", 170.0, 181.0),
             ("Sí", 185.0, 194.0), ("( )", 198.0, 206.0), ("No", 210.0, 222.0)]  # fmt: skip
    lines = lines_of(Segment(text, 0, x0, x1, 235.6, 242.6) for text, x0, x1 in words)
    facts = parse_constancia(page_of(TITLE) + lines)
    assert facts.servicio_medico is True


@pytest.mark.parametrize(("answer", "service"), [("SI", True), ("NO", False), ("✓", True)])
def test_con_derecho_a_alone_asks_for_the_medical_service(answer: str, service: bool) -> None:
    facts = parse_constancia(page_of(TITLE, ("Con derecho a:", 32, 252), (answer, 301, 252)))
    assert facts.servicio_medico is service


def test_con_derecho_a_in_a_sentence_is_no_label() -> None:
    facts = parse_constancia(
        page_of(TITLE, ("Con derecho a la atención médica institucional.", 32, 252))
    )
    assert facts.servicio_medico is True  # read from the sentence, not as a label's value


def test_con_derecho_a_with_its_a_in_a_run_of_its_own_is_one_label() -> None:
    """PDFium gives the lone "a" its x-height box: the word gap beside it is still a word
    gap, not a column's."""
    words = [("Con derecho", 65.0, 122.0, 221.6, 230.0), ("a", 125.0, 130.0, 224.0, 228.6),
             ("NO", 248.0, 262.0, 221.6, 230.0)]  # fmt: skip
    lines = lines_of(Segment(t, 0, x0, x1, top, bottom) for t, x0, x1, top, bottom in words)
    assert [s.text for s in lines[0].segments] == ["Con derecho a", "NO"]
    facts = parse_constancia(page_of(TITLE) + lines)
    assert facts.servicio_medico is False


def test_con_derecho_a_with_its_colon_inside_a_narrative_is_the_medical_service() -> None:
    facts = _constancia(
        ("nombre: GOMEZ NUNEZ MONICA, sexo: MUJER, situación actual: VIGENTE, con", 34, 200),
        ("derecho a: Vigente, parentesco: HIJA, nombre del titular: ANDRES GOMEZ.", 34, 211),
    )
    assert facts.servicio_medico is True


def test_con_derecho_a_followed_by_its_tick_boxes_in_one_run_is_the_answer() -> None:
    facts = _constancia(("Con derecho a [X] SI [ ] NO Registro patronal E310637032 6", 59, 190))
    assert facts.servicio_medico is True
    assert facts.registro_patronal == "E3106370326"
