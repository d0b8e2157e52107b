"""Values that do not fit their place: a name wrapped inside a narrow cell, a sentence that
runs over lines, the wrapped end of the neighbouring column's value (issue 8, class 1-4)."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.documents.constancia import parse_constancia
from daemon.documents.layout import Segment, clean, lines_of
from daemon.documents.pdf_text import _sharing_glyphs, _spaced
from daemon.documents.renuncia import parse_renuncia
from daemon.documents.value_formats import movement, organization, si_no
from daemon.domain.facts import ConstanciaFacts
from tests.unit.documents.conftest import TITLE, page_of


def _constancia(*runs: tuple[str, float, float]) -> ConstanciaFacts:
    return parse_constancia(page_of(TITLE, *runs))


def test_a_name_wrapped_over_three_lines_of_its_cell_is_read_whole() -> None:
    facts = _constancia(
        ("Nombre completo :", 54, 178),
        ("BECERRA", 196, 178),
        ("CERVANTES ANA", 196, 189),
        ("LAURA", 196, 200),
        ("Sexo :", 54, 218),
        ("MUJER", 196, 218),
    )
    assert facts.nombre == "BECERRA CERVANTES ANA LAURA"
    assert facts.sexo == "M"


def test_an_employer_wrapped_in_a_grid_cell_is_read_whole() -> None:
    facts = _constancia(
        ("registro patronal", 57, 248),
        ("patrón", 324, 248),
        ("A39-46784-10-1", 57, 270),
        ("SERVICIOS INTEGRALES PEÑA Y", 324, 270),
        ("ASOCIADOS SC", 324, 281),
        ("fecha de expedición", 57, 310),
        ("25/12/2026", 57, 330),
    )
    assert facts.patron == "SERVICIOS INTEGRALES PEÑA Y ASOCIADOS SC"
    assert facts.registro_patronal == "A3946784101"


def test_the_next_rows_value_is_never_taken_for_a_wrapped_line() -> None:
    """Rows of a label/value table are close too; the next row's own label ends the value."""
    facts = _constancia(
        ("PATRÓN:", 204, 260),
        ("AGRÍCOLA LOS ÁLAMOS SPR DE RL", 265, 260),
        ("PARENTESCO CON EL TITULAR:", 81, 268),
        ("ESPOSA", 265, 268),
    )
    assert facts.patron == "AGRÍCOLA LOS ÁLAMOS SPR DE RL"
    assert facts.parentesco == "ESPOSA"


def test_the_wrapped_end_of_the_other_columns_value_is_not_this_rows_value() -> None:
    facts = _constancia(
        ("ORGANO DE OPERACION ADMINISTRATIVA:", 312, 170),
        ("ESTADO", 519, 170),
        ("NOMBRE:", 54, 181),
        ("DE", 519, 181),
        ("SEBASTIAN VILLASENOR QUINONES", 55, 191),
        ("MÉXICO", 519, 191),
        ("ORIENTE", 519, 200),
    )
    assert facts.nombre == "SEBASTIAN VILLASENOR QUINONES"
    assert facts.delegacion == "ESTADO DE MÉXICO ORIENTE"


def test_a_value_in_a_sentence_that_wraps_is_read_to_the_end_of_its_clause() -> None:
    facts = _constancia(
        ("movimiento: Reingreso con fecha 19 JUL 2026. Unidad de Medicina Familiar", 54, 189),
        ("número 31, Delegación ESTADO DE", 54, 203),
        ("MÉXICO ORIENTE.", 54, 217),
    )
    assert facts.delegacion == "ESTADO DE MÉXICO ORIENTE"
    assert facts.umf == "31"


def test_the_date_of_the_last_movement_is_read_from_its_sentence() -> None:
    facts = _constancia(("Último movimiento: Reingreso con fecha 23-JUL-2024.", 54, 180))
    assert facts.tipo_ultimo_movimiento == "REINGRESO"
    assert facts.fecha_ultimo_movimiento == date(2024, 7, 23)


def test_an_employer_keeps_the_last_dot_of_its_abbreviation() -> None:
    assert clean("TRANSPORTES DEL NOROESTE S.A. DE C.V.") == "TRANSPORTES DEL NOROESTE S.A. DE C.V."
    assert clean("Delegación DF SUR.") == "Delegación DF SUR"
    assert clean("No.") == "No"


def test_a_surname_that_starts_with_de_la_keeps_it() -> None:
    facts = _constancia(("Nombre: DE LA ROSA CASTAÑEDA JOSÉ ÁNGEL", 54, 150))
    assert facts.nombre == "DE LA ROSA CASTAÑEDA JOSÉ ÁNGEL"


def test_a_letter_waiver_names_its_programme_in_the_opening_sentence() -> None:
    lines = page_of(
        ("Yo, ZOÉ QUIÑONES QUIÑONES, alumno(a) de TSU EN MANTENIMIENTO", 84, 185),
        ("INDUSTRIAL con número de matrícula 22100063, por medio de la presente", 55, 201),
        ("manifiesto que renuncio al Seguro Facultativo del IMSS que me corresponde como", 54, 217),
        ("estudiante, debido a lo siguiente:", 55, 233),
        ("Motivo: Cuento con seguro de gastos médicos mayores privado", 85, 255),
    )
    facts = parse_renuncia(lines, (), ())
    assert facts.nombre == "ZOÉ QUIÑONES QUIÑONES"  # "estudiante," ends a sentence line
    assert facts.programa == "TSU EN MANTENIMIENTO INDUSTRIAL"
    assert facts.matricula == "22100063"


def test_vigente_asked_as_a_question_is_answered_by_si_or_no() -> None:
    facts = _constancia(
        ("NSS", 58, 158),
        ("Clave CURP", 226, 158),
        ("Vigente", 394, 158),
        ("21200100630", 58, 169),
        ("ROIA010609MHGSXNA2", 226, 169),
        ("SÍ", 394, 169),
    )
    assert facts.vigente is True


def test_a_header_wrapped_over_three_lines_is_one_label_with_its_value_below() -> None:
    facts = _constancia(
        ("MOVIMIENTO", 58, 366),
        ("FECHA MOV.", 184, 366),
        ("ÓRGANO DE", 310, 366),
        ("OPERACIÓN", 310, 376),
        ("ADMINISTRATIVA", 309.5, 388),
        ("Reingreso", 58, 400),
        ("7-JUL-2023", 185, 400),
        ("DF SUR", 310, 400),
    )
    assert facts.delegacion == "DF SUR"
    assert facts.fecha_ultimo_movimiento == date(2023, 7, 7)
    assert facts.tipo_ultimo_movimiento == "REINGRESO"


def test_a_value_below_its_label_past_the_other_columns_lines_is_found() -> None:
    facts = _constancia(
        ("Tipo de aseguramiento :", 312, 218),
        ("..........", 78, 224),
        ("Sexo :", 54, 230),
        ("MUJER", 197, 230),
        ("Fecha de nacimiento :", 54, 238),
        ("18/02/2008", 197, 238),
        ("..........", 163, 244),
        ("10 Permanentes y eventuales urbanos", 325, 250),
    )
    assert facts.modalidad == "10"
    assert facts.fecha_nacimiento == date(2008, 2, 18)


def test_a_beneficiarys_calidad_is_the_relation_to_the_worker() -> None:
    facts = _constancia(("CALIDAD", 58, 296), ("HIJO", 58, 308))
    assert facts.parentesco == "HIJO"


def test_a_bare_fecha_beside_the_movement_is_the_movements_date_not_the_emission() -> None:
    facts = _constancia(
        ("Movimiento: Alta", 54, 150),
        ("Fecha: 12/03/2024", 300, 150),
        ("Fecha de expedición: 01/12/2026", 54, 170),
    )
    assert facts.tipo_ultimo_movimiento == "ALTA"
    assert facts.fecha_ultimo_movimiento == date(2024, 3, 12)
    assert facts.fecha_expedicion == date(2026, 12, 1)


def test_tipo_and_fecha_under_an_ultimo_movimiento_group_header() -> None:
    facts = _constancia(
        ("ÚLTIMO MOVIMIENTO", 54, 150),
        ("Tipo", 54, 162),
        ("Fecha", 160, 162),
        ("Reingreso", 54, 174),
        ("03/02/2025", 160, 174),
    )
    assert facts.tipo_ultimo_movimiento == "REINGRESO"
    assert facts.fecha_ultimo_movimiento == date(2025, 2, 3)
    assert facts.fecha_expedicion is None  # that "Fecha" is the movement's


def test_a_movement_is_only_a_movement_imss_records() -> None:
    """The next header in the movement's place is no movement: look elsewhere."""
    assert movement("FECHA DEL MOVIMIENTO") is None
    assert movement("DEL ASEGURADO") is None
    assert movement("02 BAJA") == "BAJA"
    assert movement("Reingreso con fecha 19 JUL 2026") == "REINGRESO"
    assert movement("Modificación de salario") == "MODIFICACIÓN DE SALARIO"


def test_the_rest_of_a_long_label_is_not_the_employer() -> None:
    facts = _constancia(
        ("Nombre o razón social del patrón o sujeto obligado:", 54, 150),
        ("CALL CENTER ATENCIÓN INTEGRAL SAPI DE CV", 300, 150),
    )
    assert facts.patron == "CALL CENTER ATENCIÓN INTEGRAL SAPI DE CV"


def test_label_words_in_a_names_place_are_no_name() -> None:
    facts = _constancia(
        ("ASEGURADO(A)", 65, 186),
        ("NÚMERO DE SEGURO SOCIAL", 65, 198),
        ("ROCÍO NÚÑEZ MARTÍNEZ", 65, 222),
    )
    assert facts.nombre != "NÚMERO DE SEGURO SOCIAL"


def test_a_label_word_followed_by_a_comma_is_a_sentence() -> None:
    facts = _constancia(
        ("En caso de cambio de patrón, el asegurado conserva el derecho a la atención.", 54, 300)
    )
    assert facts.patron is None


def test_a_letter_gives_its_reason_after_debido_a_que() -> None:
    lines = page_of(
        (
            "Yo, JULIÁN MUÑOZ MARTÍNEZ, con matrícula UTVA20230052 y CURP MUMJ040604HGTXRLH9,",
            57,
            215,
        ),
        ("alumno(a) del programa educativo Licenciatura en Gastronomía, manifiesto que", 57, 234),
        (
            "renuncio voluntariamente al Seguro Facultativo que otorga el IMSS, debido a que:",
            57,
            251,
        ),
        ("tengo servicio médico por parte de pemex.", 57, 267),
    )
    facts = parse_renuncia(lines, (), ())
    assert facts.nombre == "JULIÁN MUÑOZ MARTÍNEZ"
    assert facts.motivo == "tengo servicio médico por parte de pemex"
    assert facts.programa == "Licenciatura en Gastronomía"


def test_a_centred_cell_wraps_around_its_centre() -> None:
    facts = _constancia(
        ("PATRÓN", 300, 150),
        ("BENEMÉRITA UNIVERSIDAD", 271, 162),
        ("AUTÓNOMA DE PUEBLA", 281.4, 172),
        ("FECHA DE EXPEDICIÓN", 300, 200),
    )
    assert facts.patron == "BENEMÉRITA UNIVERSIDAD AUTÓNOMA DE PUEBLA"


def test_a_grid_header_that_asks_tiene_derecho_a_servicios_medicos() -> None:
    facts = _constancia(
        ("VIGENCIA", 56, 182),
        ("CLÍNICA (UMF)", 223, 182),
        ("TIENE DERECHO A SERVICIOS MÉDICOS", 389, 182),
        ("BAJA", 57, 196),
        ("UMF No. 21", 223, 196),
        ("NO", 390, 196),
    )
    assert (facts.vigente, facts.umf, facts.servicio_medico) == (False, "21", False)


def test_two_wordings_of_one_label_joined_by_a_slash() -> None:
    facts = _constancia(
        ("DELEGACIÓN / OOAD", 57, 282),
        ("DERECHO A SERVICIO MÉDICO", 306, 282),
        ("QUERÉTARO", 57, 293),
        ("SI", 306, 293),
    )
    assert facts.delegacion == "QUERÉTARO"
    assert facts.servicio_medico is True


def test_the_left_columns_long_value_is_not_cut_into_the_next_column() -> None:
    facts = _constancia(
        ("ESTATUS DE VIGENCIA", 57, 280),
        ("DELEGACIÓN DE ADSCRIPCIÓN", 221, 280),
        ("SIN VIGENCIA DE DERECHOS", 90, 291),
        ("NUEVO LEÓN", 221, 297),
    )
    assert facts.delegacion == "NUEVO LEÓN"
    assert facts.vigente is False


def test_a_narrative_tells_the_movement_and_the_medical_service_in_words() -> None:
    facts = _constancia(
        (
            "Se hace constar que el asegurado se encuentra vigente y tiene derecho a recibir",
            54,
            150,
        ),
        ("atención médica en su unidad. Causó alta el 12 de marzo de 2024 con el patrón", 54, 164),
        ("TRANSPORTES DEL NORTE SA DE CV.", 54, 178),
    )
    assert facts.servicio_medico is True
    assert facts.tipo_ultimo_movimiento == "ALTA"
    assert facts.fecha_ultimo_movimiento == date(2024, 3, 12)


def test_no_right_to_medical_care_said_in_words_is_no_service() -> None:
    facts = _constancia(("El asegurado no tiene derecho a los servicios médicos.", 54, 150))
    assert facts.servicio_medico is False


def test_one_value_can_carry_the_movement_and_its_date() -> None:
    facts = _constancia(("Último movimiento: ALTA (12/03/2024)", 54, 150))
    assert facts.tipo_ultimo_movimiento == "ALTA"
    assert facts.fecha_ultimo_movimiento == date(2024, 3, 12)


def test_one_value_can_carry_the_registro_and_the_employer() -> None:
    facts = _constancia(
        ("Registro patronal: E81-23456-10-5 UNIVERSIDAD TECNOLÓGICA DEL VALLE", 54, 150)
    )
    assert facts.registro_patronal == "E8123456105"
    assert facts.patron == "UNIVERSIDAD TECNOLÓGICA DEL VALLE"


def test_letter_spaced_labels_are_put_back_into_words() -> None:
    """Tracking spreads 'Registro patronal' glyph by glyph; the wider gaps are the spaces."""
    x, runs = 56.0, []
    for word in ("Registro", "patronal:"):
        for letter in word:
            runs.append(Segment(letter, 0, x, x + 5, 150, 157))
            x += 8  # 3 pt of tracking
        x += 6  # and a space
    runs.append(Segment("35290466038", 0, x + 4, x + 60, 150, 157))
    lines = lines_of([*runs, Segment(TITLE[0], 0, 150, 330, 80, 87)])
    assert "Registro patronal:" in lines[1].text
    assert parse_constancia(lines).registro_patronal == "35290466038"


def test_letter_spacing_inside_a_run_of_glyphs_is_undone() -> None:
    chars = list("Sexo:Masculino")
    gaps = [3.0, 3.0, 3.0, 3.0, 6.0] + [0.2] * 8
    assert _spaced(chars, gaps, 10.0) == "Sexo: Masculino"
    assert _spaced(list("deuna"), [0.1, 2.0, 0.1, 0.2], 10.0) == "de una"  # untracked


@pytest.mark.parametrize(
    ("written", "meaning"),
    [
        ("☒ Sí ☐ No", True),
        ("☐ Sí ☒ No", False),
        ("Sí [ ] No [X]", False),
        ("(X) SI ( ) NO", True),
        ("[ ] Sí [ ] No", None),  # nothing ticked: no answer, never the first option
        ("✔", True),
        ("✘", False),
        ("Aplica", True),
        ("No aplica", False),
        ("Tiene derecho", True),
        ("Vigentes", True),
        ("Activa al 15/12/2026", True),
        ("Vigente, conservación concluida", None),
        ("Inactiva", False),
        ("Sin cobertura", False),
        ("Cubierto", True),
        ("Conserva derechos hasta 15/02/2027", True),
    ],
)
def test_the_medical_service_is_read_as_the_page_answers_it(
    written: str, meaning: bool | None
) -> None:
    assert si_no(written) is meaning


def test_a_conditional_sentence_in_the_footer_states_no_ones_medical_service() -> None:
    facts = _constancia(
        ("DERECHO A SERV. MÉDICO", 55, 225),
        ("Aplica", 55, 238),
        (
            "Si usted no tiene derecho a servicio médico y considera que es un error, acuda a",
            51,
            640,
        ),
        ("su Subdelegación con identificación oficial.", 51, 654),
    )
    assert facts.servicio_medico is True
    assert facts.delegacion is None  # "con identificación oficial" is the sentence's rest


def test_carece_de_derecho_a_servicio_medico_is_no_service() -> None:
    facts = _constancia(
        ("se encuentra VIGENTE en sus derechos. Asimismo, carece de derecho a servicio", 51, 133),
        ("médico a la fecha de emisión.", 51, 148),
    )
    assert facts.servicio_medico is False


def test_derecho_a_prestaciones_en_especie_is_the_medical_service() -> None:
    facts = _constancia(("Derecho a prestaciones en especie", 55, 237), ("SI", 55, 249))
    assert facts.servicio_medico is True


def test_an_employer_is_a_capitalised_name_without_the_registro_before_it() -> None:
    assert organization("B2318476105 / UNIVERSIDAD TECNOLÓGICA DEL VALLE") == (
        "UNIVERSIDAD TECNOLÓGICA DEL VALLE"
    )
    assert organization("es un dato informativo tomado del último aviso") is None
    assert organization("COMERCIALIZADORA DEL BAJÍO S.A. DE C.V.") == (
        "COMERCIALIZADORA DEL BAJÍO S.A. DE C.V."
    )


def test_two_wordings_of_the_employer_label_in_one_header_are_one_column() -> None:
    """ "PATRÓN / EMPRESA" is one label; read as two columns, it cut the name in two."""
    facts = _constancia(
        ("Registro patronal", 54, 177),
        ("PATRÓN / EMPRESA", 139, 177),
        ("Modalidad", 329, 177),
        ("A0515523419", 53, 195),
        ("UNIVERSIDAD POLITÉCNICA DEL", 139, 195),
        ("32", 329, 195),
        ("ALTIPLANO", 138, 207),
    )
    assert facts.patron == "UNIVERSIDAD POLITÉCNICA DEL ALTIPLANO"


def test_an_employer_in_a_sentence_keeps_its_legal_form_after_the_comma() -> None:
    facts = _constancia(
        ("sus derechos, inscrito (a) con el patrón ALIMENTOS Y BEBIDAS LA PALMA, S.A. DE", 51, 133),
        ("C.V., registro patronal C8025156739, en la modalidad 10.", 51, 148),
    )
    assert facts.patron == "ALIMENTOS Y BEBIDAS LA PALMA, S.A. DE C.V."


def test_an_employer_in_a_sentence_ends_where_the_sentence_goes_on() -> None:
    facts = _constancia(
        ("patrón UNIV. TECNOLÓGICA DEL VALLE, registro patronal B2318476105, en la", 51, 132),
        ("modalidad 32.", 51, 148),
    )
    assert facts.patron == "UNIV. TECNOLÓGICA DEL VALLE"


def test_an_employer_read_as_prose_does_not_run_into_the_footer_note() -> None:
    facts = _constancia(
        ("Registro patronal / Nombre del patrón", 55, 196),
        ("D7718240116 / Universidad Intercultural de los Volcanes", 55, 208),
        ("Este documento se emite con base en la información registrada.", 51, 623),
    )
    assert facts.patron == "Universidad Intercultural de los Volcanes"


def test_inscrito_por_names_the_employer() -> None:
    facts = _constancia(
        ("Inscrito por:", 51, 161),
        ("COMERCIALIZADORA DEL BAJÍO S.A. DE C.V.", 201, 161),
    )
    assert facts.patron == "COMERCIALIZADORA DEL BAJÍO S.A. DE C.V."


def test_a_label_printed_over_its_values_cell_keeps_both_texts_whole() -> None:
    """A long label overflowing into the value's column: PDFium's rectangle mixes both texts'
    letters by position ("(Enfermedades A | es ACTIVO"); read in drawing order they stay
    whole, and the answer is read."""
    import io

    from reportlab.pdfgen import canvas

    from daemon.documents.pdf_text import read_pdfium

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFont("Helvetica", 10)
    page.drawString(55, 700, "CONSTANCIA DE VIGENCIA DE DERECHOS")
    page.drawString(55, 600, "Prestaciones en especie (Enfermedades")
    page.drawString(200, 600, "ACTIVO")
    page.drawString(55, 590, "y Maternidad)")
    page.save()
    lines = read_pdfium(out.getvalue(), 1).lines
    runs = [segment.text for line in lines for segment in line.segments]
    assert "Prestaciones en especie (Enfermedades" in runs
    assert "ACTIVO" in runs
    assert parse_constancia(lines).servicio_medico is True


def test_an_employer_right_aligned_in_its_cell_keeps_its_wrapped_end() -> None:
    first, second = "LOGÍSTICA DEL GOLFO DE MÉXICO, S.", "DE R.L. DE C.V."
    right_edge = 220 + 5.2 * len(first)
    facts = _constancia(
        ("Patrón", 54, 178),
        (first, 220, 178),
        (second, right_edge - 5.2 * len(second), 187),
        ("Delegación", 54, 205),
        ("VERACRUZ NORTE", 220, 205),
    )
    assert facts.patron == "LOGÍSTICA DEL GOLFO DE MÉXICO, S. DE R.L. DE C.V."
    assert facts.delegacion == "VERACRUZ NORTE"


def test_a_label_centred_between_the_two_lines_of_its_value_reads_both() -> None:
    facts = _constancia(
        ("Código postal", 31, 270),
        ("34979", 220, 270),
        ("ASOCIACIÓN DE PADRES DE FAMILIA DEL COLEGIO MONTESSORI DE", 220, 296),
        ("Nombre o razón social", 31, 305),
        ("PACHUCA, A.C.", 220, 313),
        ("Registro patronal", 31, 327),
        ("P4112987-10-4", 220, 327),
    )
    expected = "ASOCIACIÓN DE PADRES DE FAMILIA DEL COLEGIO MONTESSORI DE PACHUCA, A.C."
    assert facts.patron == expected
    assert facts.registro_patronal == "P4112987104"


def test_a_section_heading_over_label_and_value_rows_takes_no_value_below() -> None:
    """ "Patrón o sujeto obligado" heads the employer's rows; the line under the row below
    is the end of that row's value, not the heading's."""
    facts = _constancia(
        ("Patrón o sujeto obligado", 55, 357),
        ("Patrón", 51, 376),
        ("ASOCIACIÓN DE PADRES DE FAMILIA DEL COLEGIO MONTESSORI DE", 200, 376),
        ("PACHUCA, A.C.", 201, 387),
        ("No. de registro patronal", 51, 402),
        ("P41 12987 10 4", 201, 402),
    )
    expected = "ASOCIACIÓN DE PADRES DE FAMILIA DEL COLEGIO MONTESSORI DE PACHUCA, A.C."
    assert facts.patron == expected


def test_a_label_wrapped_under_its_first_line_reads_the_value_beside_that_line() -> None:
    """ "FECHA DE" / "EXPEDICIÓN:" is one label; the date beside "VIGENCIA DE" / "DERECHOS
    HASTA:" on the next row is not the emission date."""
    facts = _constancia(
        ("FECHA DE", 45, 135),
        ("19 de enero de 2027", 164, 135),
        ("EXPEDICIÓN:", 45, 145),
        ("VIGENCIA DE", 44, 161),
        ("12/08/2027", 164, 161),
        ("DERECHOS HASTA:", 45, 172),
    )
    assert facts.fecha_expedicion == date(2027, 1, 19)


def test_a_section_heading_over_a_grid_takes_none_of_the_grids_values() -> None:
    """ "EMISIÓN" heads a grid whose first column is another date: the emission date is the
    one under its own header."""
    facts = _constancia(
        ("EMISIÓN", 41, 420),
        ("VIGENCIA DE DERECHOS HASTA", 44, 445),
        ("FECHA DE EXPEDICIÓN", 311, 445),
        ("17 de septiembre de 2027", 45, 461),
        ("10/05/2027 08:12:25", 311, 461),
    )
    assert facts.fecha_expedicion == date(2027, 5, 10)


def test_a_section_heading_over_label_value_rows_takes_no_date_of_them() -> None:
    facts = _constancia(
        ("EMISIÓN", 56, 415),
        ("Fecha de alta en el IMSS: 2021-12-16", 56, 437),
        ("Fecha de impresión: 22/09/2026", 56, 451),
    )
    assert facts.fecha_expedicion == date(2026, 9, 22)
    assert facts.fecha_ultimo_movimiento is None  # the first alta, not the last movement


@pytest.mark.parametrize("printed", ["E310637032/6", "E31-06370-32-6", "E31 06370 32 6"])
def test_a_registro_with_its_check_digit_set_apart_is_one_registro(printed: str) -> None:
    facts = _constancia(("REG. PATRONAL:", 67, 351), (printed, 232, 351))
    assert facts.registro_patronal == "E3106370326"


def test_a_date_with_slashes_after_a_lone_letter_is_no_registro() -> None:
    facts = _constancia(("Registro patronal: a 12/05/2027 14:30", 67, 351))
    assert facts.registro_patronal is None


def test_medical_right_kept_by_conservacion_de_derechos_is_medical_service() -> None:
    facts = _constancia(
        ("Servicio médico", 67, 360),
        ("Vigente por conservación de derechos hasta 26 de octubre de 2026", 66, 374),
    )
    assert facts.servicio_medico is True


def test_a_label_wrapped_past_the_other_columns_line_keeps_its_value_beside_it() -> None:
    """ "DERECHO A SERVICIO | ACTIVO" / (the other column's "FOLIO:" a little lower) /
    "MÉDICO:": one label, and ACTIVO its value."""
    facts = _constancia(
        ("DERECHO A SERVICIO", 66, 152),
        ("ACTIVO", 207, 152),
        ("FOLIO:", 419, 156),
        ("CVD-985385385", 474, 156),
        ("MÉDICO:", 66, 161),
    )
    assert facts.servicio_medico is True


def test_derecho_a_recibir_servicio_medico_wrapped_is_answered_beside_it() -> None:
    facts = _constancia(
        ("Derecho a recibir", 67, 193), ("NO", 193, 193), ("servicio médico:", 66, 203)
    )
    assert facts.servicio_medico is False


def test_a_value_whose_first_line_sits_above_its_label_is_read_whole() -> None:
    """The label beside the value's second line: "INSTITUTO TECNOLÓGICO SUPERIOR DE LA" /
    "Nombre o razón social: | REGIÓN SIERRA NORTE"."""
    facts = _constancia(
        ("Registro patronal:", 63, 253),
        ("V3634633608", 232, 253),
        ("Modalidad:", 63, 270),
        ("32", 232, 270),
        ("INSTITUTO TECNOLÓGICO SUPERIOR DE LA", 233, 285),
        ("Nombre o razón social:", 63, 296),
        ("REGIÓN SIERRA NORTE", 233, 296),
        ("Tipo de movimiento:", 62, 315),
        ("ALTA", 232, 315),
    )
    assert facts.patron == "INSTITUTO TECNOLÓGICO SUPERIOR DE LA REGIÓN SIERRA NORTE"


def test_the_wrapped_end_of_the_row_above_is_not_the_next_rows_first_line() -> None:
    facts = _constancia(
        ("Patrón:", 61, 144),
        ("UNIVERSIDAD TECNOLÓGICA DE LA", 172, 144),
        ("SIERRA ALTA", 172, 153),
        ("Tipo de movimiento:", 61, 175),
        ("REINGRESO", 172, 175),
    )
    assert facts.patron == "UNIVERSIDAD TECNOLÓGICA DE LA SIERRA ALTA"
    assert facts.tipo_ultimo_movimiento == "REINGRESO"


def test_a_value_wraps_beside_the_lower_piece_of_its_own_wrapped_label() -> None:
    """ "Nombre o" / "razón social" beside "UNIVERSIDAD POLITÉCNICA DEL" / "VALLE DE
    MEZQUITAL": the label's second line is no next row's label."""
    facts = _constancia(
        ("Modalidad", 67, 259),
        ("32", 176, 259),
        ("Nombre o", 279, 259),
        ("UNIVERSIDAD POLITÉCNICA DEL", 354, 259),
        ("razón social", 279, 272),
        ("VALLE DE MEZQUITAL", 354, 272),
        ("Tipo de movimiento", 66, 288),
        ("Alta", 176, 288),
    )
    assert facts.patron == "UNIVERSIDAD POLITÉCNICA DEL VALLE DE MEZQUITAL"


def test_a_value_around_its_label_nearer_it_than_the_row_above_is_its_first_line() -> None:
    """The first line sits 7 pt above the label and 13 pt under the row above: it is this
    row's, not the wrapped end of the modalidad above."""
    facts = _constancia(
        ("Modalidad:", 59, 164),
        ("32", 194, 164),
        ("UNIVERSIDAD POLITÉCNICA DEL VALLE", 195, 177),
        ("Nombre o razón social:", 59, 184),
        ("DE MEZQUITAL", 195, 190),
        ("Tipo de último movimiento:", 58, 204),
        ("Alta", 194, 204),
    )
    assert facts.patron == "UNIVERSIDAD POLITÉCNICA DEL VALLE DE MEZQUITAL"
    assert facts.modalidad == "32"


def test_cells_centred_vertically_read_each_value_whole_around_its_label() -> None:
    """A two-column table whose cells are centred: values of two and four lines around
    labels of one and two lines, the other column's lines between them."""
    facts = _constancia(
        ("BRISENO RUIZ", 182, 142),
        ("Situación", 304, 141),
        ("Nombre", 59, 148),
        ("Baja", 388, 148),
        ("MIGUEL ANGEL", 182, 154),
        ("actual", 303, 154),
        ("Registro", 303, 168),
        ("Con derecho a", 59, 174),
        ("NO TIENE", 182, 174),
        ("74996751385", 389, 174),
        ("patronal", 303, 180),
        ("FUNDACION PARA LA", 388, 194),
        ("Nombre o", 303, 206),
        ("EDUCACION Y EL", 388, 206),
        ("Modalidad", 59, 212),
        ("10", 183, 212),
        ("razón social", 303, 217),
        ("DESARROLLO RURAL", 388, 217),
        ("SUSTENTABLE, A.C.", 389, 229),
    )
    assert facts.nombre == "BRISENO RUIZ MIGUEL ANGEL"
    assert facts.registro_patronal == "74996751385"
    assert facts.patron == "FUNDACION PARA LA EDUCACION Y EL DESARROLLO RURAL SUSTENTABLE, A.C."
    assert facts.modalidad == "10"


def test_a_top_aligned_value_is_not_cut_to_its_first_line_by_the_centred_rule() -> None:
    facts = _constancia(
        ("Registro patronal", 55, 179),
        ("B2318476105", 240, 179),
        ("Empresa", 55, 197),
        ("UNIVERSIDAD TECNOLOGICA DEL", 240, 197),
        ("VALLE DE AMATLAN", 239, 209),
        ("Modalidad de aseguramiento", 55, 227),
        ("32", 240, 227),
    )
    assert facts.patron == "UNIVERSIDAD TECNOLOGICA DEL VALLE DE AMATLAN"


def test_the_other_columns_value_beside_a_label_is_not_its_centred_cell() -> None:
    """ "NOMBRE:" with its value below, and the right column's "ESTADO" / "DE" / "MÉXICO"
    centred on its line: that is the órgano de operación's value."""
    facts = _constancia(
        ("CLAVE CURP", 54, 154),
        ("VIQS060811HPLLXBA8", 54, 164),
        ("ORGANO DE OPERACION ADMINISTRATIVA:", 312, 171),
        ("ESTADO", 519, 171),
        ("NOMBRE:", 54, 183),
        ("DE", 519, 181),
        ("SEBASTIAN VILLASENOR QUINONES", 55, 193),
        ("MÉXICO", 519, 190),
    )
    assert facts.nombre == "SEBASTIAN VILLASENOR QUINONES"


def test_runs_of_one_word_that_share_a_glyph_are_read_glyph_by_glyph() -> None:
    """groff kerns by moving back a tenth of a point; PDFium's text of each rectangle then
    takes the glyph its neighbour's box touches: "NA" + "NAY" + "AYELI" for "NAYELI"."""
    groff = [Segment("NA", 0, 246.9, 253.9, 186, 193), Segment("NAY", 0, 253.8, 260.7, 186, 193),
             Segment("AYELI", 0, 260.1, 282.4, 186, 193)]  # fmt: skip
    words = [Segment("Nombre(s)", 0, 77, 122, 186, 193), Segment("NAYELI", 0, 247, 283, 186, 193)]
    assert _sharing_glyphs(groff)
    assert not _sharing_glyphs(words)
