"""Seed 002, the TecNM leaflet: "Si tu constancia de vigencia de derechos se encuentra
vigente, solicita al Departamento de Escolares tu Hoja de Afiliación". afilia writes it from
the stored data, and only when our own records prove the school insures the student."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from daemon.documents import ReadLimits, read_attachment
from daemon.documents.hoja_afiliacion import hoja_pdf
from daemon.documents.pdf_text import read_pdfium, read_pdfplumber
from daemon.domain.hoja_afiliacion import HojaDeAfiliacion, OurConstancia, hoja_de_afiliacion
from daemon.domain.outcomes import DocumentKind, Outcome
from daemon.domain.policy import Policy, School
from daemon.domain.procedure_state import Alta, StudentCase, baja_pending
from daemon.domain.requests import asks_for_hoja_de_afiliacion, request_outcome
from daemon.domain.student import RosterStatus, Student
from tests.conftest import OTHER_SCHOOL_REGISTRO, OUR_REGISTRO

MX = ZoneInfo("America/Mexico_City")
TODAY = date(2026, 9, 1)
NSS = "12345678903"
# Registered at IMSS at 19:30 on 6 May, Mexico City: already 7 May in UTC.
ALTA = Alta(1, datetime(2026, 5, 7, 1, 30, tzinfo=UTC))


@pytest.fixture
def tec_policy(policy: Policy) -> Policy:
    keywords = ("HOJA DE AFILIACION", "HOJA AFILIACION")
    intake = replace(
        policy.intake, hoja_afiliacion_keywords=keywords, carnet_subject_keywords=("CARNET",)
    )
    return replace(policy, intake=intake)


def _hoja(case: StudentCase, policy: Policy, ours: OurConstancia | None = None):
    return hoja_de_afiliacion(case, policy, today=TODAY, tz=MX, our_constancia=ours)


# --- who gets one -----------------------------------------------------------------------


def test_seed_002_after_our_alta_the_hoja_carries_the_alta_date(
    case: StudentCase, policy: Policy
) -> None:
    registered = replace(
        case, on_file=Outcome.ACCEPTED_NOT_INSURED, nss=NSS, alta=ALTA, insured_here=True
    )
    hoja = _hoja(registered, policy)
    assert hoja == HojaDeAfiliacion(
        escuela="Universidad Tecnológica de Ejemplo",
        nombre="ANA MARÍA GÓMEZ NÚÑEZ",
        matricula="UTE2026001",
        curp="GOMA050317MDFNRNA1",
        nss=NSS,
        programa=case.student.programa,
        afiliado_desde=date(2026, 5, 6),  # the local date, not UTC's
        origen="alta en el IMSS",
        registro_patronal=OUR_REGISTRO,
        emitida_el=TODAY,
    )


def test_seed_002_a_constancia_with_our_registro_gives_its_date_and_registro(
    case: StudentCase, policy: Policy
) -> None:
    insured = replace(case, on_file=Outcome.ACCEPTED_INSURED_HERE, nss=NSS, insured_here=True)
    hoja = _hoja(insured, policy, OurConstancia(date(2026, 8, 20), "y54-10123-10-8"))
    assert hoja is not None
    assert hoja.afiliado_desde == date(2026, 8, 20)
    assert hoja.origen == "constancia de vigencia de derechos"
    assert hoja.registro_patronal == "y54-10123-10-8"  # as the constancia printed it


def test_seed_002_never_a_hoja_our_records_do_not_prove(case: StudentCase, policy: Policy) -> None:
    pending_alta = replace(
        case, on_file=Outcome.ACCEPTED_NOT_INSURED, nss=NSS, alta_requested_on=date(2026, 5, 5)
    )
    assert _hoja(case, policy) is None  # nothing on file
    assert _hoja(pending_alta, policy) is None  # the alta is not done yet
    insured = replace(case, nss=NSS, alta=ALTA, insured_here=True)
    assert _hoja(replace(insured, nss=None), policy) is None  # no NSS to print
    withdrawn = replace(insured, student=replace(case.student, status=RosterStatus.BAJA_DEFINITIVA))
    assert baja_pending(withdrawn, policy.procedure)
    assert _hoja(withdrawn, policy) is None  # the baja is on its way
    other = OurConstancia(date(2026, 8, 20), OTHER_SCHOOL_REGISTRO)
    assert _hoja(insured, policy, other).registro_patronal == OUR_REGISTRO


# --- how they ask -----------------------------------------------------------------------


def test_seed_002_the_request_is_read_in_the_subject_or_the_opening_lines(
    tec_policy: Policy,
) -> None:
    assert asks_for_hoja_de_afiliacion("Hoja de afiliación", "", tec_policy)
    body = "Buenas tardes.\n\nSolicito mi hoja de afiliacion, matrícula UTE2026001.\nGracias"
    assert asks_for_hoja_de_afiliacion("", body, tec_policy)
    assert not asks_for_hoja_de_afiliacion("Constancia", "Envío mi constancia.", tec_policy)


def test_seed_002_is_off_where_the_profile_has_no_keywords(policy: Policy) -> None:
    assert not asks_for_hoja_de_afiliacion("Hoja de afiliación", "", policy)


def test_seed_002_a_hoja_for_the_carnet_is_a_hoja_request_not_a_carnet(tec_policy: Policy) -> None:
    assert request_outcome("Hoja de afiliación para mi carnet", "", tec_policy) is None
    assert request_outcome("Carnet", "", tec_policy) is Outcome.CARNET_RECEIVED


# --- the PDF ----------------------------------------------------------------------------

HOJA = HojaDeAfiliacion(
    escuela="Instituto Tecnológico de Ejemplo",
    nombre="ANA MARÍA GÓMEZ NÚÑEZ",
    matricula="UTE2026001",
    curp="GOMA050317MDFNRNA1",
    nss=NSS,
    programa="INGENIERÍA EN SISTEMAS COMPUTACIONALES",
    afiliado_desde=date(2026, 5, 6),
    origen="alta en el IMSS",
    registro_patronal=OUR_REGISTRO,
    emitida_el=TODAY,
)


@pytest.mark.parametrize("extract", [read_pdfium, read_pdfplumber])
def test_seed_002_the_pdf_text_has_every_field(extract) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(line.text for line in extract(hoja_pdf(HOJA), 5).lines)
    for expected in (
        "Instituto Tecnológico de Ejemplo",
        "HOJA DE AFILIACIÓN",
        "Nombre: ANA MARÍA GÓMEZ NÚÑEZ",
        "Matrícula: UTE2026001",
        "CURP: GOMA050317MDFNRNA1",
        f"NSS: {NSS}",
        "Programa educativo: INGENIERÍA EN SISTEMAS COMPUTACIONALES",
        f"Registro patronal: {OUR_REGISTRO}",
        "Afiliado desde: 06/05/2026 (alta en el IMSS)",
        "Fecha de emisión: 01/09/2026",
    ):
        assert expected in text


def test_seed_002_the_pdf_is_the_same_bytes_every_time() -> None:
    assert hoja_pdf(HOJA) == hoja_pdf(HOJA)
    assert hoja_pdf(HOJA) != hoja_pdf(replace(HOJA, nss="12345678911"))


def test_seed_002_a_hoja_sent_back_to_us_is_not_taken_for_a_constancia() -> None:
    [reading] = read_attachment("hoja.pdf", "application/pdf", hoja_pdf(HOJA), ReadLimits())
    assert reading.kind is not DocumentKind.CONSTANCIA


def test_seed_002_the_faq_reply_tells_how_to_ask_only_where_it_applies(
    school: School, student: Student
) -> None:
    from daemon.mail.compose import Renderer
    from tests.unit.test_templates import profile, reply

    renderer = Renderer()
    question = "¿Cómo pido mi hoja de afiliación?"
    for name, offered in (
        ("tec-carnet", True),
        ("tec-semestral", True),
        ("ut-cuatrimestral", False),
    ):
        mail = reply(renderer, profile(name, school), Outcome.NO_ATTACHMENT, student)
        assert (question in mail.text) is offered, name
        assert (question in mail.html) is offered, name
