"""The Spanish mails: every template renders for every school, says what matters, and never
shows anyone else's data."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.outcomes import Outcome
from daemon.domain.policy import CoveredOtherRegime, Policy, School
from daemon.domain.student import RosterStatus, Student
from daemon.errors import ConfigError
from daemon.mail.compose import (
    RenderedMail,
    Renderer,
    base_context,
    default_templates_dir,
    dia,
    fecha,
    fecha_corta,
    fecha_hora,
)
from daemon.rules_profile import load_profile
from tests.conftest import REPO

PROFILES = sorted(p.stem for p in (REPO / "rules").glob("*.toml"))
TODAY = date(2026, 11, 18)
MX = ZoneInfo("America/Mexico_City")
REPLY_OUTCOMES = sorted(set(Outcome) - {Outcome.IGNORED_AUTO, Outcome.STAFF_COMMAND})
PROCEDURE_MAILS = [
    "request_constancia",
    "request_constancia_reminder",
    "alta_done",
    "carnet_reminder",
    "credential_pickup",
    "credential_pickup_reminder",
    "resello",
    "resello_reminder",
    "staff_command_result",
    "digest",
    "mailbox_down",
    "mailbox_recovered",
]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def profile(name: str, school: School) -> Policy:
    return load_profile(REPO / "rules" / f"{name}.toml", school)


def reply(
    renderer: Renderer,
    policy: Policy,
    outcome: Outcome | str,
    student: Student | None,
    **overrides: Any,
) -> RenderedMail:
    context: dict[str, Any] = {
        **base_context(policy, TODAY),
        "student": student,
        "outcome": str(outcome),
        "missing": (),
        "fecha_expedicion": date(2026, 11, 16),
        "received_on": TODAY,
        "next_movement_date": None,
        "acudir_subdelegacion": False,
    }
    context.update(overrides)
    return renderer.render(str(outcome), context)


def everything(mail: RenderedMail) -> str:
    return "\n".join((mail.subject, mail.text, mail.html))


# --- the set of templates ---------------------------------------------------------------


def test_every_outcome_that_gets_a_reply_has_a_template(renderer: Renderer) -> None:
    assert set(map(str, REPLY_OUTCOMES)) <= set(renderer.names())


def test_every_procedure_mail_has_a_template(renderer: Renderer) -> None:
    assert set(PROCEDURE_MAILS) <= set(renderer.names())


def test_every_template_has_a_text_and_an_html_half(renderer: Renderer) -> None:
    for name in renderer.names():
        assert (renderer.templates_dir / f"{name}.html.j2").is_file(), name


def test_templates_are_found_beside_the_package_in_a_checkout() -> None:
    assert default_templates_dir() == REPO / "templates" / "email"


@pytest.mark.parametrize("name", PROFILES)
def test_every_template_renders_for_every_profile_with_sample_data(
    renderer: Renderer, school: School, name: str
) -> None:
    assert renderer.check_all(profile(name, school), TODAY) == []


@pytest.mark.parametrize("name", PROFILES)
def test_no_template_prints_none_or_leaves_jinja_markup(
    renderer: Renderer, school: School, name: str
) -> None:
    policy = profile(name, school)
    for template, contexts in renderer.samples(policy, TODAY).items():
        for context in contexts:
            mail = renderer.render(template, context)
            for part in (mail.subject, mail.text, mail.html):
                assert "None" not in part, template
                assert "{{" not in part, template
                assert "{%" not in part, template
            assert "\n" not in mail.subject, template


def test_templates_never_mention_the_english_reasons() -> None:
    for path in default_templates_dir().glob("*.j2"):
        assert "reasons" not in path.read_text(encoding="utf-8"), path.name


# --- Spanish dates ----------------------------------------------------------------------


def test_dates_are_written_in_spanish() -> None:
    assert fecha(date(2026, 11, 18)) == "18 de noviembre de 2026"
    assert fecha_corta(date(2026, 1, 5)) == "05/01/2026"
    assert dia(date(2026, 11, 23)) == "lunes 23 de noviembre"
    assert dia(date(2026, 11, 18)) == "miércoles 18 de noviembre"
    assert fecha_hora(datetime(2026, 11, 18, 14, 5, tzinfo=MX)) == (
        "18 de noviembre de 2026, 14:05 h"
    )


# --- what each reply says ---------------------------------------------------------------


def test_too_old_reply_names_the_maximum_age_and_the_emission_date(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.TOO_OLD, student, fecha_expedicion=date(2026, 11, 2))
    assert "5 días" in mail.subject
    assert "máximo 5 días" in mail.text
    assert "2 de noviembre de 2026" in mail.text
    assert "18 de noviembre de 2026" in mail.text
    assert policy.links["constancia"] in mail.text


def test_too_old_reply_follows_the_profiles_maximum_age(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    one_day = dataclasses.replace(policy, intake=dataclasses.replace(policy.intake, max_age_days=1))
    mail = reply(renderer, one_day, Outcome.TOO_OLD, student)
    assert "más de 1 día:" in mail.subject
    assert "máximo 1 día de" in mail.text


def test_too_old_reply_explains_a_constancia_dated_after_it_arrived(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.TOO_OLD, student, fecha_expedicion=date(2026, 12, 1))
    assert "posterior" in mail.text


def test_identity_mismatch_reply_never_shows_the_documents_or_the_rosters_data(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    other = Student(
        matricula="UTE2026999",
        curp="PELJ040101HDFRPNA7",
        nombres="JUAN",
        apellido_paterno="PÉREZ",
    )
    for who in (student, other, None):
        mail = reply(
            renderer,
            policy,
            Outcome.IDENTITY_MISMATCH,
            who,
            fecha_expedicion=date(2026, 11, 16),
            document={"curp": other.curp, "nss": "12345678903", "nombre": "JUAN PÉREZ"},
        )
        text = everything(mail).upper()
        for leaked in ("GOMA050317MDFNRNA1", "UTE2026001", "ANA", "GÓMEZ", other.curp, "JUAN"):
            assert leaked not in text
        assert "12345678903" not in text
        assert "16 DE NOVIEMBRE" not in text
        assert "NO COINCIDEN" in text


def test_not_enrolled_reply_greets_without_a_name(renderer: Renderer, policy: Policy) -> None:
    mail = reply(renderer, policy, Outcome.NOT_ENROLLED, None, fecha_expedicion=None)
    assert mail.text.startswith("Hola:\n")
    assert "Control Escolar" in mail.text


def test_a_reply_greets_the_student_by_first_name(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.ACCEPTED_NOT_INSURED, student)
    assert mail.text.startswith("Hola, Ana María:\n")
    assert "NÚÑEZ" not in mail.text
    assert student.curp not in mail.text


def test_accepted_reply_without_optional_data_prints_no_gaps(
    renderer: Renderer, policy: Policy
) -> None:
    mail = reply(renderer, policy, Outcome.ACCEPTED_NOT_INSURED, None, fecha_expedicion=None)
    assert mail.text.startswith("Hola:\n")
    assert "emitida el" not in mail.text
    assert "None" not in everything(mail)


def test_semester_school_replies_give_the_next_movement_date_and_the_delay(
    renderer: Renderer, school: School, student: Student
) -> None:
    policy = profile("tec-semestral", school)
    for outcome in (Outcome.ACCEPTED_NOT_INSURED, Outcome.BAJA_REQUESTED):
        mail = reply(renderer, policy, outcome, student, next_movement_date=date(2026, 11, 30))
        assert "lunes 30 de noviembre" in mail.text
        assert "24 a 72 horas" in mail.text
        assert "días 16 y el último día de cada mes" in mail.text


def test_reference_school_replies_do_not_talk_about_movement_dates(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.ACCEPTED_NOT_INSURED, student)
    assert "24 a 72 horas" not in mail.text


def test_covered_other_regime_reply_depends_on_accept_or_ask(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    accepted = reply(renderer, policy, Outcome.COVERED_OTHER_REGIME, student)
    asking = dataclasses.replace(
        policy,
        intake=dataclasses.replace(policy.intake, covered_other_regime=CoveredOtherRegime.ASK),
    )
    asked = reply(renderer, asking, Outcome.COVERED_OTHER_REGIME, student)
    assert "no te daremos de alta" in accepted.text
    assert "revisará tu caso" in asked.text
    assert "revisará tu caso" not in accepted.text
    assert accepted.subject != asked.subject


def test_survey_school_sends_a_workers_child_to_the_parents_clinic(
    renderer: Renderer, school: School, student: Student
) -> None:
    policy = profile("tec-encuesta", school)
    mail = reply(renderer, policy, Outcome.COVERED_OTHER_REGIME, student)
    assert "25 años" in mail.text
    assert "embarazada" in mail.text
    assert "constancia de inscripción" in mail.text
    assert "clínica del IMSS que corresponde a tu domicilio" in mail.text
    assert policy.links["encuesta"] in mail.text


def test_waiver_incomplete_reply_lists_what_is_missing(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(
        renderer, policy, Outcome.WAIVER_INCOMPLETE, student, missing=("firma", "matrícula")
    )
    assert "- firma\n- matrícula\n" in mail.text
    assert "<li>firma</li>" in mail.html


def test_unreadable_reply_explains_how_to_download_the_original_pdf(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.UNREADABLE, student, fecha_expedicion=None)
    assert policy.links["constancia"] in mail.text
    assert "PDF original" in mail.text
    assert f'href="{policy.links["constancia"]}"' in mail.html


def test_nss_acuse_with_acudir_a_la_subdelegacion_tells_the_student_not_to_go(
    renderer: Renderer, school: School, student: Student
) -> None:
    policy = profile("bachillerato", school)
    mail = reply(renderer, policy, Outcome.NSS_ACUSE_RECEIVED, student, acudir_subdelegacion=True)
    assert "no necesitas ir" in mail.text
    plain = reply(renderer, policy, Outcome.NSS_ACUSE_RECEIVED, student)
    assert "no necesitas ir" not in plain.text
    assert policy.links["clinica"] in plain.text


def test_no_attachment_reply_answers_the_profiles_questions(
    renderer: Renderer, school: School, student: Student
) -> None:
    semestral = reply(renderer, profile("tec-semestral", school), Outcome.NO_ATTACHMENT, student)
    assert "¿Cómo pido mi baja del seguro?" in semestral.text
    carnet = reply(renderer, profile("tec-carnet", school), Outcome.NO_ATTACHMENT, student)
    assert "¿Cómo entrego mi carnet del IMSS?" in carnet.text
    high_school = reply(renderer, profile("bachillerato", school), Outcome.NO_ATTACHMENT, student)
    assert "acuse" in high_school.text
    assert "3 días" in high_school.text


# --- procedure and staff mails ----------------------------------------------------------


def test_request_constancia_says_what_how_and_by_when(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = renderer.render(
        "request_constancia",
        {**base_context(policy, TODAY), "student": student, "deadline": date(2026, 11, 30)},
    )
    assert "lunes 30 de noviembre" in mail.subject
    assert "30 de noviembre de 2026" in mail.text
    assert "máximo 5 días" in mail.text
    assert policy.links["constancia"] in mail.text
    assert "FOR-24-01" in mail.text


def test_carnet_reminder_lists_what_to_bring(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = renderer.render(
        "carnet_reminder",
        {**base_context(policy, TODAY), "student": student},
    )
    # Paso 5's "en un día hábil" is on a business day, not a one-day deadline.
    assert "en un día hábil (de lunes a viernes, que no sea festivo)" in " ".join(mail.text.split())
    assert "a más tardar" not in mail.text
    assert "Fotografía tamaño infantil" in mail.text
    assert policy.links["clinica"] in mail.text


def test_html_escapes_what_it_prints_and_text_does_not(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = renderer.render(
        "credential_pickup",
        {
            **base_context(policy, TODAY),
            "student": student,
            "pickup_from": date(2026, 11, 23),
            "pickup_until": date(2026, 11, 27),
            "pickup_place": "<b>Aula & 3</b>",
        },
    )
    assert "&lt;b&gt;Aula &amp; 3&lt;/b&gt;" in mail.html
    assert "<b>Aula" not in mail.html
    assert "<b>Aula & 3</b>" in mail.text
    assert "del lunes 23 de noviembre al viernes 27 de noviembre" in mail.subject


@pytest.mark.parametrize("name", PROFILES)
def test_every_reminder_renders_with_the_context_the_sweep_builds(
    renderer: Renderer, school: School, student: Student, name: str
) -> None:
    from daemon.domain.calendar import BusinessCalendar
    from daemon.domain.procedure_state import Alta, PrintedCredential, StudentCase, Term
    from daemon.domain.reminders import Reminder, ReminderKind
    from daemon.services.reminders import Mailing, reminder_context

    policy = profile(name, school)
    term = Term(7, "Septiembre-Diciembre 2026", date(2026, 9, 7), date(2026, 12, 18))
    case = StudentCase(
        student=student,
        term=term,
        first_seen_on=date(2026, 9, 1),
        alta=Alta(1, datetime(2026, 11, 17, 12, 0, tzinfo=MX)),
        printed=PrintedCredential(
            3, date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 27), ""
        ),
    )
    mailing = Mailing(cast(Any, None), policy, renderer, BusinessCalendar())
    for kind in ReminderKind:
        deadline = None if kind is ReminderKind.ALTA_DONE else date(2026, 11, 30)
        extra = {"reminder_number": 2} if kind is ReminderKind.REQUEST_REMINDER else {}
        reminder = Reminder(kind, case, f"test:{kind}", deadline, extra)
        context = {**base_context(policy, TODAY), **reminder_context(reminder, mailing, TODAY)}
        mail = renderer.render(reminder.template, context)
        assert "None" not in everything(mail), kind
        assert mail.text.startswith("Hola, Ana María:"), kind


def test_staff_command_result_renders_what_the_service_reports(
    renderer: Renderer, policy: Policy
) -> None:
    from daemon.services.procedure_actions import ActionReport
    from daemon.services.staff_commands import result_context

    report = ActionReport(
        "altas_hechas", applied=["UTE2026001"], rejected=[("UTE2099999", "no está en el padrón")]
    )
    context = {**base_context(policy, TODAY), **result_context([report], [], ("HOLA",), True)}
    mail = renderer.render("staff_command_result", context)
    assert mail.subject == "Resultado de tu comando: 1 aplicado, 1 rechazado"
    assert "ALTAS HECHAS\nAplicado (1): UTE2026001\n" in mail.text
    assert "- UTE2099999: no está en el padrón" in mail.text
    assert "HOLA" in mail.text
    refused = result_context([], ["No se aplicó nada: no se pudo verificar."], (), False)
    mail = renderer.render("staff_command_result", {**base_context(policy, TODAY), **refused})
    assert mail.subject.startswith("Comando no aplicado")
    assert "No se aplicó nada" in mail.text


def test_digest_shows_overdue_items_with_days_and_corrective_action(
    renderer: Renderer, policy: Policy
) -> None:
    context = renderer.samples(policy, TODAY)["digest"][0]
    mail = renderer.render("digest", context)
    assert "17 días hábiles desde el 23/10/2026 (plazo: 15, vencía el 13/11/2026)" in mail.text
    assert "entregó su documento el 17/11/2026, después del plazo" in mail.text
    assert "CREDENCIALES NO RECOGIDAS: TERMINÓ SU PERIODO DE ENTREGA (1)" in mail.text
    assert "Acción correctiva: Realizar el alta de manera inmediata" in mail.text
    assert "alguien@example.com: Datos que no coinciden con el remitente" in mail.text
    assert "180 de 200 (90.0 %)" in mail.text
    assert "NSS POR SOLICITAR EN LA SUBDELEGACIÓN (1)" in mail.text
    assert "LUIS &lt;PÉREZ&gt; &amp; CÍA" in mail.html
    assert mail.subject.startswith("Resumen diario 18/11/2026: 2 altas, 1 baja")


def test_times_staff_read_are_the_schools_wall_clock_not_utc(
    renderer: Renderer, policy: Policy
) -> None:
    """The store keeps UTC: a review item received at 18:59 UTC is 12:59 in Mexico City,
    and the previous digest of 13:30 UTC was the 07:30 one."""
    context = renderer.samples(policy, TODAY)["digest"][0]
    utc = ZoneInfo("UTC")
    first = context["review"][0]
    context["review"] = [{**first, "at": datetime(2026, 11, 17, 18, 59, tzinfo=utc)}]
    context["since"] = datetime(2026, 11, 17, 13, 30, tzinfo=utc)
    mail = renderer.render("digest", context)
    assert "17/11/2026 12:59 h" in mail.text
    assert "desde el 17 de noviembre de 2026, 07:30 h" in mail.text
    assert "18:59" not in mail.text
    assert "13:30" not in mail.text


def test_a_notice_written_late_in_the_evening_carries_the_local_date(
    renderer: Renderer, policy: Policy
) -> None:
    """An alta marked at 19:21 in Mexico City on 1 December is 01:21 UTC on the 2nd."""
    context = renderer.samples(policy, TODAY)["alta_done"][0]
    context["alta_done_at"] = datetime(2026, 12, 2, 1, 21, tzinfo=ZoneInfo("UTC"))
    mail = renderer.render("alta_done", context)
    assert "el 1 de diciembre de 2026" in mail.text


# --- failures are reported, not hidden --------------------------------------------------


def test_an_undefined_variable_is_an_error_naming_the_template(
    renderer: Renderer, policy: Policy
) -> None:
    with pytest.raises(ConfigError, match="credential_pickup"):
        renderer.render("credential_pickup", base_context(policy, TODAY))


def test_an_unknown_template_is_an_error(renderer: Renderer, policy: Policy) -> None:
    with pytest.raises(ConfigError, match="no_such_mail"):
        renderer.render("no_such_mail", base_context(policy, TODAY))


def test_check_all_reports_a_broken_or_half_template(tmp_path: Path, policy: Policy) -> None:
    templates = tmp_path / "email"
    shutil.copytree(default_templates_dir(), templates)
    (templates / "duplicate.txt.j2").write_text(
        '{% extends "_layout.txt.j2" %}{% block subject %}x{% endblock %}'
        "{% block body %}{{ no_such_variable }}{% endblock %}",
        encoding="utf-8",
    )
    (templates / "rejected_unsafe.html.j2").unlink()
    problems = Renderer(templates).check_all(policy, TODAY)
    assert any("duplicate" in p and "no_such_variable" in p for p in problems)
    assert any("rejected_unsafe" in p for p in problems)


def test_check_all_reports_a_template_that_prints_none(tmp_path: Path, policy: Policy) -> None:
    templates = tmp_path / "email"
    shutil.copytree(default_templates_dir(), templates)
    (templates / "duplicate.txt.j2").write_text(
        '{% extends "_layout.txt.j2" %}{% block subject %}x{% endblock %}'
        '{% block body %}{{ "emitida: " ~ fecha_expedicion }}{% endblock %}',
        encoding="utf-8",
    )
    problems = Renderer(templates).check_all(policy, TODAY)
    assert any("duplicate" in p for p in problems)


def test_nss_acuse_where_a_constancia_is_needed_asks_for_the_constancia_with_that_nss(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    assert not policy.intake.accept_nss_acuse
    mail = reply(renderer, policy, Outcome.NSS_ACUSE_RECEIVED, student)
    assert "ahora descárgala con ese NSS" in mail.text
    assert policy.links["constancia"] in mail.text
    assert "tramitará tu alta" not in mail.text


def test_needs_review_reply_is_neutral_and_says_when_staff_answer(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    mail = reply(renderer, policy, Outcome.NEEDS_REVIEW, student, fecha_expedicion=None)
    assert "el personal" in mail.text
    assert "2 días hábiles" in mail.text
    for negative in ("no coincide", "vencid", "más de", "otra institución", "no te encontramos"):
        assert negative not in mail.text.lower()


# --- review items (issue 10) ------------------------------------------------------------


def test_a_reply_after_staff_review_carries_their_note_and_no_second_promise_of_review(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    settled = {"reviewed_by_staff": True, "staff_note": "Tu sello se ve bien <ok>."}
    mail = reply(renderer, policy, Outcome.ACCEPTED_NOT_INSURED, student, **settled)
    assert "Nota del personal de Servicios Estudiantiles:\nTu sello se ve bien <ok>." in mail.text
    assert "Tu sello se ve bien &lt;ok&gt;." in mail.html
    assert (
        "Nota del personal"
        not in reply(renderer, policy, Outcome.ACCEPTED_NOT_INSURED, student).text
    )
    asking = dataclasses.replace(
        policy,
        intake=dataclasses.replace(policy.intake, covered_other_regime=CoveredOtherRegime.ASK),
    )
    covered = reply(renderer, asking, Outcome.COVERED_OTHER_REGIME, student, **settled)
    assert "revisará tu caso" not in covered.text
    assert "revisaremos" not in covered.subject
    for outcome in (Outcome.NOT_ENROLLED, Outcome.UNREADABLE):
        again = reply(renderer, policy, outcome, None, fecha_expedicion=None, **settled)
        assert "revisará" not in again.text, outcome


def test_review_mail_shows_the_item_and_the_words_to_answer(
    renderer: Renderer, policy: Policy
) -> None:
    context = renderer.samples(policy, TODAY)["review_item"][0]
    mail = renderer.render("review_item", context)
    assert mail.subject == (
        "Revisión #123: No se encontró la fecha de expedición — ANA MARÍA GÓMEZ NÚÑEZ"
    )
    assert (
        mail.text.splitlines()[2]
        == "Revisión #123 · Documento por revisar (dato dudoso o faltante)"
    )
    assert "Recibido: 17 de noviembre de 2026, 16:40 h" in mail.text
    assert "  Fecha de expedición: (no se leyó)" in mail.text
    assert "  ACEPTADA: el documento es válido tal como se leyó, es decir: sin seguro" in mail.text
    assert "  REVISADO: ya quedó atendido" in mail.text
    assert "afilia review settle 123 PALABRA" in mail.text
    assert "Constancia &lt;vigencia&gt;" in mail.html


def test_a_student_on_leave_is_told_their_status_not_that_they_are_not_on_the_roster(
    renderer: Renderer, policy: Policy, student: Student
) -> None:
    """A BAJA TEMPORAL student is on the roster: "no te encontramos" would be false."""
    on_leave = dataclasses.replace(student, status=RosterStatus.BAJA_TEMPORAL)
    context = {**base_context(policy, TODAY), "outcome": "not_enrolled", "student": on_leave}
    mail = renderer.render("not_enrolled", {**context, "fecha_expedicion": None})
    assert mail.subject == "Control Escolar te tiene registrado con estatus BAJA TEMPORAL"
    assert "no encontramos" not in mail.text.lower()
    assert "Hola, Ana María:" in mail.text
    stranger = renderer.render(
        "not_enrolled", {**context, "student": None, "fecha_expedicion": None}
    )
    assert stranger.subject == "No te encontramos en la lista de alumnos inscritos"
