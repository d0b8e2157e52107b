"""The schools' rules profiles: each loads, each rule is readable by staff, and each says what
its school's procedure says."""

from __future__ import annotations

import pytest

from daemon.domain.outcomes import Outcome
from daemon.domain.policy import CoveredOtherRegime, MovementDays, Policy, School
from daemon.domain.requests import request_outcome
from daemon.rules_profile import available_profiles, load_profile
from tests.conftest import REPO

RULES = REPO / "rules"
PROFILES = available_profiles(RULES)
REQUIRED_LINKS = {"constancia", "nss", "clinica", "portal"}
# Every [texts] key a template reads (templates/email/README.md); a typo would be ignored.
KNOWN_TEXTS = {
    "credencial",
    "formato_renuncia",
    "renuncia_donde",
    "resello_donde",
    "reposicion",
    "carnet_documentos",
    "hoja_afiliacion",
    "carnet_app",
    "carnet_envio",
    "carnet_motivo",
    "constancia_inscripcion",
    "fundamento",
    "baja_como",
    "tramites",
    "nss_requisitos",
}


def load(name: str, school: School) -> Policy:
    return load_profile(RULES / f"{name}.toml", school)


def test_the_five_kinds_of_school_have_a_profile() -> None:
    assert set(PROFILES) >= {
        "ut-cuatrimestral",
        "tec-semestral",
        "tec-encuesta",
        "tec-carnet",
        "bachillerato",
    }


@pytest.mark.parametrize("name", PROFILES)
def test_profile_loads_with_rules_staff_can_read(name: str, school: School) -> None:
    policy = load(name, school)
    assert policy.profile == name
    assert policy.description.strip()
    assert len(policy.rules) >= 3
    names = [rule.name for rule in policy.rules]
    assert len(set(names)) == len(names)
    for rule in policy.rules:
        assert rule.name == rule.name.strip().lower()
        assert " " not in rule.name
        assert len(rule.description) > 30


@pytest.mark.parametrize("name", PROFILES)
def test_profile_links_the_imss_pages_the_replies_need(name: str, school: School) -> None:
    links = load(name, school).links
    assert set(links) >= REQUIRED_LINKS
    assert all(url.startswith("https://") for url in links.values())


@pytest.mark.parametrize("name", PROFILES)
def test_profile_texts_are_ones_the_templates_read(name: str, school: School) -> None:
    texts = load(name, school).texts
    assert set(texts) <= KNOWN_TEXTS
    assert all(value.strip() for value in texts.values())


def test_reference_profile_follows_pab_24(policy: Policy) -> None:
    assert policy.intake.max_age_days == 5
    assert policy.procedure.term_kind == "cuatrimestre"
    assert policy.procedure.alta_sla == 15
    assert policy.procedure.credential_sla == 15
    assert policy.procedure.credential_corrective_days == 2
    assert policy.procedure.resello_window == 15
    assert policy.procedure.bajas_list_after == 20
    assert policy.procedure.carnet_after_hours == 24
    assert policy.procedure.portal_check_after_hours == 24
    assert policy.retention.renuncia_years == 3
    assert policy.retention.delivery_log_years == 2
    assert policy.procedure.movement_days is MovementDays.ANY_BUSINESS_DAY
    assert "FOR-24-01" in policy.texts["formato_renuncia"]


def test_semester_profile_batches_movements_and_takes_baja_requests(school: School) -> None:
    policy = load("tec-semestral", school)
    assert policy.procedure.term_kind == "semestre"
    assert policy.procedure.movement_days is MovementDays.SIXTEENTH_AND_MONTH_END
    assert policy.intake.baja_request_keywords


def test_survey_profile_asks_and_links_the_survey(school: School) -> None:
    policy = load("tec-encuesta", school)
    assert policy.procedure.eligibility_survey
    assert policy.intake.covered_other_regime is CoveredOtherRegime.ASK
    assert policy.links["encuesta"] == "https://forms.gle/vM65iXcCgRGuFjVK9"


def test_carnet_profile_keeps_the_carnet_on_file(school: School) -> None:
    policy = load("tec-carnet", school)
    assert policy.procedure.keeps_carnet_on_file
    assert "CARNET" in policy.intake.carnet_subject_keywords


def test_high_school_profile_takes_the_nss_acuse_within_three_days(school: School) -> None:
    policy = load("bachillerato", school)
    assert policy.intake.accept_nss_acuse
    assert policy.procedure.nss_acuse_within_days == 3


def test_what_we_tell_students_to_write_matches_the_profiles_keywords(school: School) -> None:
    semestral = load("tec-semestral", school)
    assert "«Solicitud de baja del seguro»" in semestral.texts["baja_como"]
    assert request_outcome("Solicitud de baja del seguro", "", semestral) is Outcome.BAJA_REQUESTED
    carnet = load("tec-carnet", school)
    assert "«Carnet»" in carnet.texts["carnet_envio"]
    assert request_outcome("Carnet", "", carnet) is Outcome.CARNET_RECEIVED
    assert request_outcome("Constancia de vigencia", "", carnet) is None
