"""Shared fixtures: the reference policy and roster students, built in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.domain.policy import Policy, School
from daemon.domain.student import Student
from daemon.rules_profile import load_profile
from tests.fixtures.deployment import ANA

REPO = Path(__file__).resolve().parent.parent
OUR_REGISTRO = "Y5410123108"
OTHER_SCHOOL_REGISTRO = "B1234567104"


@pytest.fixture
def school() -> School:
    return School(name="Universidad Tecnológica de Ejemplo", registros_patronales=(OUR_REGISTRO,))


@pytest.fixture
def policy(school: School) -> Policy:
    return load_profile(REPO / "rules" / "ut-cuatrimestral.toml", school)


@pytest.fixture
def student() -> Student:
    return ANA
