"""Issue 10 item 10: what people read must not look broken. A constancia dated in the future
is not "more than 5 days old", the IMSS CSV says NOMBRE(S), and no subject has stray spaces."""

from __future__ import annotations

import re
from datetime import date

import pytest

from daemon.domain.imss_forms import imss_csv
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy, School
from daemon.domain.student import Student
from daemon.mail.compose import Renderer, base_context
from tests.unit.test_templates import PROFILES, TODAY, profile

_STRAY = re.compile(r"  | [,.:;)]|\( |^\s|\s$")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _too_old(renderer: Renderer, policy: Policy, student: Student, emitted: date) -> tuple:
    context = {
        **base_context(policy, TODAY),
        "student": student,
        "outcome": str(Outcome.TOO_OLD),
        "missing": (),
        "fecha_expedicion": emitted,
        "received_on": TODAY,
        "next_movement_date": None,
        "acudir_subdelegacion": False,
    }
    mail = renderer.render("too_old", context)
    return mail.subject, " ".join(mail.text.split()), " ".join(mail.html.split())


def test_a_constancia_dated_in_the_future_is_not_called_too_old(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    subject, text, html = _too_old(renderer, policy, student, date(2026, 12, 1))
    assert "más de" not in subject
    assert "el personal revisará su fecha" in subject
    for part in (text, html):
        assert "1 de diciembre de 2026" in part
        assert "es posterior a ese día" in part
        assert "2 días hábiles" in part  # review_business_days: staff decide
        assert "no podemos aceptarla" not in part  # neutral: never a wrong negative
        assert "Descarga una constancia nueva" not in part


def test_a_constancia_older_than_the_maximum_keeps_its_subject(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    subject, text, _ = _too_old(renderer, policy, student, date(2026, 11, 2))
    assert subject == "Tu constancia tiene más de 5 días: envía una nueva"
    assert "Descarga una constancia nueva" in text


@pytest.mark.parametrize("name", PROFILES)
def test_no_subject_has_stray_spaces(renderer: Renderer, school: School, name: str) -> None:
    policy = profile(name, school)
    for template, contexts in renderer.samples(policy, TODAY).items():
        for context in contexts:
            subject = renderer.render(template, context).subject
            assert not _STRAY.search(subject), (template, subject)


def test_the_imss_csv_header_keeps_nombre_s_as_the_forms_write_it() -> None:
    text = imss_csv(("NSS", "Nombre(s)", "Primer apellido"), [("1", "José", "Núñez")]).decode()
    assert text.splitlines() == ["NSS,NOMBRE(S),PRIMER APELLIDO", "1,JOSE,NUNEZ"]
