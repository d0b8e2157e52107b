"""Wordings of producers this team did not write (issue 8, corpus E): the situación told in
the plural, a letter's closing formula, a modalidad given by its description, an answer that
begins with another field's label word, a history of employers above the current one."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.documents.constancia import parse_constancia
from daemon.documents.nss_acuse import parse_nss_acuse
from daemon.documents.value_formats import modalidad, name, name_part, organization, place, si_no
from daemon.domain.facts import ConstanciaFacts
from tests.fixtures import documents as docs
from tests.unit.documents.conftest import TITLE, page_of


def _constancia(
    *runs: tuple[str, float, float], title: tuple[str, float, float] = TITLE
) -> ConstanciaFacts:
    return parse_constancia(page_of(title, *runs))


def test_rights_told_vigentes_in_the_plural_are_vigente() -> None:
    facts = _constancia(
        ("Por medio de la presente se hace constar que los derechos del asegurado", 54, 200),
        ("se encuentran vigentes en el Instituto Mexicano del Seguro Social.", 54, 211),
    )
    assert facts.vigente is True


def test_rights_told_no_vigentes_in_the_plural_are_not_vigente() -> None:
    facts = _constancia(
        ("Se hace constar que los derechos del asegurado no se encuentran vigentes.", 54, 200)
    )
    assert facts.vigente is False


def test_a_letters_closing_formula_gives_the_emission_date() -> None:
    """The place comes between the cue and the date: "Se extiende la presente a petición del
    interesado, en Xalapa, Veracruz, a los 31 días del mes de agosto de 2026"."""
    facts = _constancia(
        ("Se extiende la presente a petición del interesado, en Xalapa, Veracruz, a los", 54, 300),
        ("31 días del mes de agosto de 2026.", 54, 311),
    )
    assert facts.fecha_expedicion == date(2026, 8, 31)


def test_the_title_vigencia_de_derechos_medicos_is_not_a_medical_answer() -> None:
    """ "No. de folio" next to it is the abbreviation of número, not a NO."""
    facts = _constancia(
        ("No. de folio: 4471203", 54, 120),
        title=("CONSTANCIA DE VIGENCIA DE DERECHOS MÉDICOS", 150.0, 80.0),
    )
    assert facts.servicio_medico is None


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("SEGURO FACULTATIVO", "32"),
        ("Estudiante", "32"),
        ("Seguro de salud para la familia", "33"),
        ("33 - Salud para la familia", "33"),
        ("32 Seguro facultativo", "32"),
    ],
)
def test_a_modalidad_given_by_its_description_is_read_as_its_number(
    printed: str, code: str
) -> None:
    assert modalidad(printed) == code


def test_a_modalidad_number_the_description_contradicts_is_not_read() -> None:
    assert modalidad("10 Seguro facultativo") is None


def test_a_sentence_about_students_after_the_label_is_not_a_modalidad() -> None:
    assert modalidad("los estudiantes de nivel medio superior y superior deben tramitar") is None


@pytest.mark.parametrize(
    ("printed", "answer"),
    [
        ("Vigente hasta 23/02/2027 (conservación de derechos)", True),
        ("Sin vigencia", False),
        ("Con vigencia", True),
        ("No. 4471203", None),
    ],
)
def test_a_medical_service_answer_in_words_is_read(printed: str, answer: bool | None) -> None:
    assert si_no(printed) is answer


def test_an_answer_beginning_with_another_fields_label_word_is_read_right_of_the_label() -> None:
    """ "ASEGURADO" starts the value here, not the next label: it is tried after every other
    place a value could be."""
    facts = _constancia(("Condición del asegurado", 54, 200), ("ASEGURADO CON DERECHOS", 250, 200))
    assert facts.vigente is True


def test_an_answer_beginning_with_another_fields_label_word_is_read_under_the_label() -> None:
    facts = _constancia(
        ("Condición del asegurado", 54, 200), ("ASEGURADO SIN", 54, 211), ("DERECHOS", 54, 222)
    )
    assert facts.vigente is False


def test_the_registro_the_cadena_confirms_wins_over_a_history_table_of_employers() -> None:
    """A former employer's registro printed first is not an edit of the page."""
    facts = _constancia(
        ("Historial de patrones", 54, 150),
        ("Registro patronal", 54, 165),
        ("Fecha de alta", 250, 165),
        (docs.OTHER_SCHOOL_REGISTRO, 54, 176),
        ("02/02/2024", 250, 176),
        ("Datos del patrón", 54, 210),
        ("Registro patronal:", 54, 225),
        (docs.OUR_REGISTRO, 200, 225),
        ("Cadena original:", 54, 400),
        (f"||2026/11/30 10:15|{docs.NSS}|{docs.CURP}|VIGENTE|{docs.OUR_REGISTRO}|32||", 54, 411),
    )
    assert facts.registro_patronal == docs.OUR_REGISTRO
    assert facts.doubts == ()


def test_a_baja_keeping_medical_service_for_some_weeks_is_no_contradiction() -> None:
    """Conservación de derechos: after a baja IMSS still gives medical service for weeks."""
    facts = _constancia(
        ("El asegurado fue dado de baja el 3 de octubre de 2026; servicio", 54, 220),
        ("médico: sin vigencia. Conserva derecho al servicio médico por ocho semanas.", 54, 231),
    )
    assert facts.vigente is False
    assert facts.doubts == ()


def test_a_vigente_page_that_denies_and_grants_medical_service_is_a_contradiction() -> None:
    facts = _constancia(
        ("Los derechos del asegurado se encuentran vigentes; su servicio", 54, 220),
        ("médico: sin vigencia. Cuenta con derecho al servicio médico.", 54, 231),
    )
    assert facts.doubts == ("servicio médico disagrees with the text",)


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("PUEBLA 298", "PUEBLA"),
        ("NUEVO LEÓN $ 436.35", "NUEVO LEÓN"),
        ("CIUDAD DE MÉXICO SUR", "CIUDAD DE MÉXICO SUR"),
        ("D.F. NORTE", "D.F. NORTE"),
    ],
)
def test_a_delegacion_ends_before_the_next_columns_figure(printed: str, name: str) -> None:
    assert place(printed) == name


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        (
            "POR PARTE DE FUNDACIÓN PARA EL DESARROLLO COMUNITARIO, A.C.",
            "FUNDACIÓN PARA EL DESARROLLO COMUNITARIO, A.C.",
        ),
        ("No. de registro patronal:U76 72246 32 5", None),
        ("U76 72246 32 5", None),
        ("TALLER MECÁNICO Y REFACCIONARIA ORTIZ", "TALLER MECÁNICO Y REFACCIONARIA ORTIZ"),
    ],
)
def test_an_employer_is_a_name_not_its_lead_in_nor_a_label_nor_a_number(
    printed: str, name: str | None
) -> None:
    assert organization(printed) == name


def test_an_employer_under_a_header_of_its_own_is_read() -> None:
    facts = _constancia(
        ("Patrón o sujeto obligado", 32, 378),
        ("INSTITUCIÓN", 35, 392),
        ("NO. DE REGISTRO PATRONAL", 304, 392),
        ("UNIVERSIDAD TECNOLÓGICA DEL VALLE", 35, 404),
        ("U76-72246-32-5", 304, 404),
    )
    assert facts.patron == "UNIVERSIDAD TECNOLÓGICA DEL VALLE"


def test_the_clinic_labelled_unidad_medica_familiar_is_read() -> None:
    facts = _constancia(("Unidad Médica Familiar", 31, 283), ("99", 220, 283))
    assert facts.umf == "99"


def test_a_serial_number_without_the_cadena_original_is_no_seal() -> None:
    facts = _constancia(
        ("Sello digital:", 57, 468),
        ("Ct4MJ5VmV+jCBpHcsHhNMIe6zDiLuk4SIDQmR7QLk4+0cAgIB1ik==", 57, 479),
        ("Número de serie del certificado: 30439637893677752903", 57, 510),
    )
    assert facts.has_seal is False


def test_the_cadenas_emission_date_wins_over_a_date_guessed_from_a_sentence() -> None:
    """No label holds the emission date; a sentence's date (the alta) is a guess, and the
    seal's own record says when the constancia was issued."""
    facts = _constancia(
        ("Se expide a solicitud del interesado; alta en el IMSS el 27-06-2024.", 54, 200),
        ("Cadena original:", 54, 400),
        (
            f"||VD2.1|{docs.CURP}|{docs.NSS}|VIGENTE|{docs.OUR_REGISTRO}|2026-11-30T15:04:38||",
            54,
            411,
        ),
    )
    assert facts.fecha_expedicion == date(2026, 11, 30)
    assert dict(facts.sources)["fecha_expedicion"] == "cadena"


def test_nombres_y_apellidos_is_one_label_of_the_name() -> None:
    facts = _constancia(
        ("Nombre(s) y apellidos", 45, 121), ("C.U.R.P.", 216, 121),
        ("CUAUTLE HUERTA EMMANUEL", 45, 136), (docs.CURP, 216, 136),
    )  # fmt: skip
    assert facts.nombre == "CUAUTLE HUERTA EMMANUEL"


def test_the_titular_of_the_subdelegacion_who_signs_is_not_the_insured_titular() -> None:
    facts = _constancia(
        ("Titular de la Subdelegación", 242, 508), ("Boca del Río, Veracruz", 251, 521)
    )
    assert facts.titular is None


def test_a_cadena_without_its_double_bars_is_read_under_its_label() -> None:
    facts = _constancia(
        ("Fecha de emisión", 38, 644),
        ("2027-05-14 06:42:06", 38, 659),
        ("Cadena original de la constancia:", 34, 683),
        (f"VD2.1|{docs.CURP}|{docs.NSS}|", 34, 693),
        (f"GÓMEZ NÚÑEZ ANA MARÍA|2027-05-12 06:42|{docs.OUR_REGISTRO}|", 34, 700),
        ("32|VIGENTE", 34, 707),
        ("Sello digital:", 34, 720),
    )
    assert "cadena original disagrees: fecha_expedicion" in facts.doubts


def test_a_cadena_whose_modalidad_differs_from_the_printed_one_is_a_doubt() -> None:
    facts = _constancia(
        ("Modalidad:", 54, 200),
        ("10", 200, 200),
        ("Cadena original:", 54, 400),
        (
            f"||CVD|{docs.CURP}|{docs.NSS}|32|{docs.OUR_REGISTRO}|64|2026-11-30 10:15|VIGENTE||",
            54,
            411,
        ),
    )
    assert "cadena original disagrees: modalidad" in facts.doubts


def test_a_clinic_number_in_the_cadena_is_not_taken_for_its_modalidad() -> None:
    """UMF 10 and modalidad 32 in one record: which number is which is not known, so the
    modalidad is compared with neither."""
    facts = _constancia(
        ("Modalidad:", 54, 200),
        ("32", 200, 200),
        ("Cadena original:", 54, 400),
        (
            f"||CVD|{docs.CURP}|{docs.NSS}|10|VIGENTE|32|20261130101500|{docs.OUR_REGISTRO}||",
            54,
            411,
        ),
    )
    assert facts.doubts == ()


def test_a_cadena_whose_medical_service_differs_from_the_printed_one_is_a_doubt() -> None:
    facts = _constancia(
        ("Servicio médico:", 54, 200),
        ("NO", 200, 200),
        ("Cadena original:", 54, 400),
        (
            f"||CVD|{docs.CURP}|{docs.NSS}|32|2026-11-30T10:15:00|VIGENTE|{docs.OUR_REGISTRO}|SI||",
            54,
            411,
        ),
    )
    assert "cadena original disagrees: servicio_medico" in facts.doubts


def test_a_name_split_in_the_cadenas_fields_is_the_printed_name() -> None:
    facts = _constancia(
        ("Nombre:", 54, 200),
        ("VIRIDIANA LEÓN CERVANTES", 200, 200),
        ("Cadena original:", 54, 400),
        (f"||CVD|{docs.CURP}|{docs.NSS}|LEON|CERVANTES|VIRIDIANA|VIGENTE|SI|32||", 54, 411),
    )
    assert facts.doubts == ()


def test_a_printed_name_that_is_not_the_one_split_in_the_cadena_is_a_doubt() -> None:
    facts = _constancia(
        ("Nombre:", 54, 200),
        ("MARIANA LEÓN CERVANTES", 200, 200),
        ("Cadena original:", 54, 400),
        (f"||CVD|{docs.CURP}|{docs.NSS}|LEON|CERVANTES|VIRIDIANA|VIGENTE|SI|32||", 54, 411),
    )
    assert "cadena original disagrees: nombre" in facts.doubts


def test_the_ticked_baja_of_two_situation_boxes_is_no_vigencia() -> None:
    facts = _constancia(
        ("Vigencia de derechos:", 40, 158), ("[ ] Vigente", 151, 158), ("[X] Baja", 211, 158)
    )
    assert facts.vigente is False


def test_the_question_vigente_s_n_is_not_its_own_answer() -> None:
    facts = _constancia(
        ("VIGENCIA DE DERECHOS", 40, 265),
        ("VIGENTE (S/N)", 44, 287), ("RÉGIMEN", 173, 287),
        ("N", 44, 302), ("10 - TRABAJADORES", 174, 302),
    )  # fmt: skip
    assert facts.vigente is False


def test_vigente_answered_no_beside_it_under_a_heading_is_no_vigencia() -> None:
    facts = _constancia(("SITUACIÓN DE DERECHOS", 56, 159), ("VIGENTE", 51, 176), ("NO", 531, 176))
    assert facts.vigente is False


def test_vigente_over_the_next_columns_no_in_a_grid_stays_vigente() -> None:
    facts = _constancia(
        ("Situación actual", 61, 158), ("Servicio médico", 225, 158),
        ("VIGENTE", 61, 172), ("No", 226, 172),
    )  # fmt: skip
    assert facts.vigente is True
    assert facts.servicio_medico is False


def test_an_acuse_written_as_a_letter_names_the_student_in_its_greeting() -> None:
    facts = parse_nss_acuse(
        page_of(
            ("Localización de Número de Seguridad Social", 132, 94),
            ("Estimado(a) MÓNICA ORTIZ ESCOBAR:", 58, 121),
            ("Estimado(a) solicitante: encontramos más de un registro con tus datos.", 58, 142),
            ("CURP consultada: OIEM050109MMCRSNA6. Folio de atención: 6622311667.", 57, 175),
        )
    )
    assert facts.nombre == "MÓNICA ORTIZ ESCOBAR"


def test_no_vigente_en_sus_derechos_in_a_sentence_is_not_vigente() -> None:
    facts = _constancia(
        ("El Instituto hace constar que ABRIL HERNÁNDEZ OLVERA, con Número de Seguridad", 29, 115),
        ("Social 34210523287, se encuentra en situación de NO VIGENTE en sus derechos y", 29, 132),
        ("en cuanto a servicio médico: No tiene derecho.", 29, 147),
    )
    assert facts.vigente is False
    assert facts.doubts == ()


def test_a_value_wider_than_its_centred_header_starts_left_of_it() -> None:
    """ "Modalidad:" centred over a wide cell whose value starts left of the header."""
    facts = _constancia(
        ("Registro patronal:", 80, 333),
        ("Nombre o razón social:", 187, 333),
        ("Modalidad:", 390, 333),
        ("A84 63639 72 8", 68, 356),
        ("CAFETERIA EL MIRADOR", 183, 356),
        ("10 - TRABAJADORES PERMANENTES", 302, 356),
    )
    assert facts.modalidad == "10"


def test_consultado_el_gives_the_emission_date() -> None:
    facts = _constancia(("Consultado el: 17/11/2026 10:32 hrs.", 54, 300))
    assert facts.fecha_expedicion == date(2026, 11, 17)


def test_nacio_el_labels_the_birth_date_and_ends_the_name_above() -> None:
    facts = parse_constancia(
        page_of(
            TITLE,
            ("Nombre completo", 61, 158),
            ("ÓSCAR TREJO FLORES", 61, 170),
            ("Nació el", 61, 187),
            ("26-02-2007", 61, 200),
        )
    )
    assert facts.nombre == "ÓSCAR TREJO FLORES"
    assert facts.fecha_nacimiento == date(2007, 2, 26)


def test_a_name_printed_in_three_fields_is_put_back_in_the_order_printed() -> None:
    facts = parse_constancia(
        page_of(
            TITLE,
            ("Apellido paterno:", 60, 115),
            ("LOPEZ", 147, 115),
            ("Apellido materno:", 60, 127),
            ("GOMEZ", 149, 127),
            ("Nombre(s):", 61, 139),
            ("ALEJANDRO", 117, 139),
            ("No. de Seguridad Social:", 61, 151),
            ("01-25-08-6137-2", 182, 151),
        )
    )
    assert facts.nombre == "LOPEZ GOMEZ ALEJANDRO"
    assert facts.nss == "01250861372"


def test_paterno_y_materno_inside_a_long_name_label_are_no_name_fields() -> None:
    facts = parse_constancia(
        page_of(
            TITLE,
            ("Nombre (nombre(s), apellido", 61, 185),
            ("RUBÉN PÉREZ ACEVES", 272, 185),
            ("paterno y materno)", 61, 201),
            ("No. de Seguridad Social", 61, 222),
            ("56230631444", 272, 222),
        )
    )
    assert facts.nombre == "RUBÉN PÉREZ ACEVES"


def test_a_word_with_digits_ends_a_name_and_is_no_part_of_it() -> None:
    """The next column's CURP run into the name's run ("RUIZ DIRO081201HOCZZSA6"): its four
    letters are not a surname, or the name would disagree with the cadena."""
    assert name_part("RUIZ DIRO081201HOCZZSA6") == "RUIZ"
    assert name_part("ÓSCAR 01-DIC-2008") == "ÓSCAR"
    assert name("GÓMEZ NÚÑEZ ANA MARÍA GONA050317") == "GÓMEZ NÚÑEZ ANA MARÍA"
