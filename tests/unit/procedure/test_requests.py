from __future__ import annotations

from dataclasses import replace

import pytest

from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.requests import request_outcome


@pytest.fixture
def semester_policy(policy: Policy) -> Policy:
    intake = replace(
        policy.intake,
        baja_request_keywords=("BAJA DEL SEGURO", "solicitud de baja"),
        carnet_subject_keywords=("CARNET",),
    )
    return replace(policy, intake=intake)


def test_reference_profile_has_no_requests(policy: Policy) -> None:
    assert request_outcome("Solicitud de baja", "", policy) is None


def test_baja_request_by_subject_ignores_case_and_accents(semester_policy: Policy) -> None:
    outcome = request_outcome("Solicitúd de BAJA", "ya tengo trabajo", semester_policy)
    assert outcome is Outcome.BAJA_REQUESTED


def test_baja_request_in_the_first_line_of_the_body(semester_policy: Policy) -> None:
    body = "\n\nQuiero mi baja del seguro, entré a trabajar.\nGracias"
    assert request_outcome("", body, semester_policy) is Outcome.BAJA_REQUESTED


def test_a_constancia_mail_mentioning_baja_later_is_not_a_request(semester_policy: Policy) -> None:
    body = "Envío mi constancia.\nDice situación BAJA del seguro, solicitud de baja no"
    assert request_outcome("Constancia", body, semester_policy) is None


def test_carnet_is_recognised_by_subject_only(semester_policy: Policy) -> None:
    assert request_outcome("Carnet UTE2026001", "", semester_policy) is Outcome.CARNET_RECEIVED
    assert request_outcome("Constancia", "CARNET", semester_policy) is None
    assert request_outcome("Carnets", "", semester_policy) is None  # whole words only
