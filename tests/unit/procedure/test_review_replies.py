"""Staff answer review mails and the digest from real mail clients: only what they wrote
counts, one word settles a review item, and that word records the outcome the procedure
needs."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.review_replies import (
    ReviewRef,
    ReviewWord,
    outcome_as_read,
    parse_review_reply,
    review_ref_in_subject,
    settlement,
    words_for,
)
from daemon.domain.staff_commands import CommandKind, parse_commands
from daemon.mail.compose import Renderer
from tests.conftest import OTHER_SCHOOL_REGISTRO, OUR_REGISTRO

DIGEST_SUBJECT = "Resumen diario 18/11/2026: 2 altas, 1 baja, 2 salidas no conformes, 3 por revisar"
COMMAND = "ALTAS HECHAS UTE2026001"


@pytest.fixture(scope="module")
def digest_text() -> str:
    """The real digest as staff receive it (sample data), the text their client quotes."""
    from daemon.domain.policy import School
    from daemon.rules_profile import load_profile
    from tests.conftest import REPO

    school = School(name="Universidad Tecnológica de Ejemplo", registros_patronales=(OUR_REGISTRO,))
    policy = load_profile(REPO / "rules" / "ut-cuatrimestral.toml", school)
    renderer = Renderer()
    context = renderer.samples(policy, date(2026, 11, 18))["digest"][0]
    text = renderer.render("digest", context).text
    assert "ALTAS HECHAS seguido de las matrículas" in text  # what must not be read
    return text


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


# --- replies to the digest (issue 10 item 10) -------------------------------------------


def test_gmail_reply_to_the_digest_reads_only_the_command(digest_text: str) -> None:
    body = (
        f"{COMMAND}\n\n"
        "El mié, 18 nov 2026 a las 7:30, Servicios Estudiantiles (<\n"
        "servicios.estudiantiles@ute.example.edu.mx>) escribió:\n\n"
        f"{_quoted(digest_text)}\n"
    )
    parsed = parse_commands(f"Re: {DIGEST_SUBJECT}", body)
    assert [(c.kind, c.matriculas) for c in parsed.commands] == [
        (CommandKind.ALTAS_DONE, ("UTE2026001",))
    ]
    assert parsed.unknown_lines == ()


def test_outlook_reply_to_the_digest_with_its_unquoted_original_reads_only_the_command(
    digest_text: str,
) -> None:
    body = (
        f"{COMMAND}\n\n"
        "Saludos,\nMaría\n\n"
        "________________________________\n"
        "De: Servicios Estudiantiles <servicios.estudiantiles@ute.example.edu.mx>\n"
        "Enviado: miércoles, 18 de noviembre de 2026 07:30\n"
        "Para: Jefa de Servicios <jefa.servicios@ute.example.edu.mx>\n"
        f"Asunto: {DIGEST_SUBJECT}\n\n"
        f"{digest_text}\n"
    )
    parsed = parse_commands(f"RE: {DIGEST_SUBJECT}", body)
    assert [c.kind for c in parsed.commands] == [CommandKind.ALTAS_DONE]
    assert parsed.commands[0].matriculas == ("UTE2026001",)
    assert parsed.unknown_lines == ()  # the signature went to the command, as before


def test_outlook_in_english_without_the_rule_stops_at_from(digest_text: str) -> None:
    body = (
        f"{COMMAND}\n\n"
        "From: Servicios Estudiantiles <servicios.estudiantiles@ute.example.edu.mx>\n"
        "Sent: Wednesday, November 18, 2026 7:30 AM\n"
        f"Subject: {DIGEST_SUBJECT}\n\n{digest_text}"
    )
    parsed = parse_commands(f"RE: {DIGEST_SUBJECT}", body)
    assert [c.matriculas for c in parsed.commands] == [("UTE2026001",)]
    assert parsed.unknown_lines == ()


def test_thunderbird_answer_below_the_quoted_digest_is_read(digest_text: str) -> None:
    body = (
        "El 18/11/26 a las 7:30, Servicios Estudiantiles escribió:\n"
        f"{_quoted(digest_text)}\n\n"
        f"{COMMAND}\n"
    )
    parsed = parse_commands(f"Re: {DIGEST_SUBJECT}", body)
    assert [c.matriculas for c in parsed.commands] == [("UTE2026001",)]
    assert parsed.unknown_lines == ()


def test_thunderbird_in_english_above_the_quote(digest_text: str) -> None:
    body = (
        f"{COMMAND}\n\nOn 11/18/26 7:30 AM, Servicios Estudiantiles wrote:\n{_quoted(digest_text)}"
    )
    parsed = parse_commands(f"Re: {DIGEST_SUBJECT}", body)
    assert [c.matriculas for c in parsed.commands] == [("UTE2026001",)]
    assert parsed.unknown_lines == ()


def test_the_digest_pasted_unquoted_below_the_answer_is_not_read(digest_text: str) -> None:
    parsed = parse_commands(DIGEST_SUBJECT, f"{COMMAND}\n\n{digest_text}")
    assert [c.matriculas for c in parsed.commands] == [("UTE2026001",)]
    assert parsed.unknown_lines == ()


def test_a_reply_with_nothing_but_the_quoted_digest_has_no_command_and_nothing_unknown(
    digest_text: str,
) -> None:
    body = f"On Wed, Nov 18, 2026 at 7:30 AM Servicios wrote:\n{_quoted(digest_text)}"
    parsed = parse_commands(f"Re: {DIGEST_SUBJECT}", body)
    assert parsed.commands == ()
    assert parsed.unknown_lines == ()


def test_a_phone_signature_ends_the_command() -> None:
    parsed = parse_commands("Re: Resumen diario", f"{COMMAND}\n\nEnviado desde mi iPhone\n")
    assert parsed.unknown_lines == ()


# --- one-word replies to a review mail --------------------------------------------------


@pytest.mark.parametrize(
    ("first_line", "word"),
    [
        ("ACEPTADA", ReviewWord.ACCEPTED),
        ("aceptada.", ReviewWord.ACCEPTED),
        ("Sin seguro", ReviewWord.NOT_INSURED),
        ("ALTA", ReviewWord.NOT_INSURED),
        ("afiliado", ReviewWord.INSURED_HERE),
        ("Otro régimen", ReviewWord.OTHER_REGIME),
        ("OTRA INSTITUCION", ReviewWord.OTHER_SCHOOL),
        ("Nueva constancia", ReviewWord.NEW_CONSTANCIA),
        ("No es alumna", ReviewWord.NOT_A_STUDENT),
        ("revisado", ReviewWord.REVIEWED),
    ],
)
def test_review_words_are_read_whatever_the_case_and_accents(
    first_line: str, word: ReviewWord
) -> None:
    reply = parse_review_reply(f"{first_line}\n\nEl mar, 17 nov 2026 a las 16:41, afilia escribió:")
    assert reply is not None
    assert reply.word is word
    assert reply.note == ""


def test_the_lines_after_the_word_are_the_note_for_the_student_and_the_quote_is_not() -> None:
    body = (
        "Hola,\n"
        "NUEVA CONSTANCIA: la foto está borrosa\n"
        "Descárgala otra vez del portal, por favor.\n\n"
        "El mar, 17 nov 2026 a las 16:41, Servicios Estudiantiles <\n"
        "servicios.estudiantiles@ute.example.edu.mx> escribió:\n"
        "> Revisión #123 · Documento ilegible\n"
        "> ACEPTADA: el documento es válido\n"
    )
    reply = parse_review_reply(body)
    assert reply is not None
    assert reply.word is ReviewWord.NEW_CONSTANCIA
    assert reply.note == "la foto está borrosa\nDescárgala otra vez del portal, por favor."


def test_a_reply_that_starts_with_no_word_settles_nothing() -> None:
    assert parse_review_reply("¿Esta alumna ya había enviado otra?\n> ACEPTADA") is None
    assert parse_review_reply("ALTAS HECHAS UTE2026001") is None  # a command, not ALTA
    assert parse_review_reply("Aceptadas todas") is None


def test_the_subject_token_names_the_item() -> None:
    subject = "RE: Revisión #123: No se encontró la fecha de expedición — ANA"
    assert review_ref_in_subject(subject) == ReviewRef(123)
    assert review_ref_in_subject("Re: Revision #C7: correo en cuarentena") == ReviewRef(7, True)
    assert review_ref_in_subject("Re: Resumen diario 18/11/2026 #3") is None


# --- what a word records ----------------------------------------------------------------

NOT_INSURED = {"vigente": False, "servicio_medico": False, "nss": "12345678903"}


def test_aceptada_on_a_doubtful_constancia_records_what_it_says(policy: Policy) -> None:
    plan = settlement(
        ReviewWord.ACCEPTED,
        outcome=Outcome.NEEDS_REVIEW,
        kind="constancia",
        fields=NOT_INSURED,
        on_roster=True,
        policy=policy,
    )
    assert (plan.record, plan.reply, plan.refusal) == (
        Outcome.ACCEPTED_NOT_INSURED,
        Outcome.ACCEPTED_NOT_INSURED,
        "",
    )


def test_the_facts_read_give_the_outcome_once_the_doubt_is_set_aside(policy: Policy) -> None:
    def vigente(**extra: object) -> dict[str, object]:
        return {"vigente": True, "servicio_medico": True, **extra}

    ours = vigente(registro_patronal=OUR_REGISTRO, modalidad="32")
    other = vigente(registro_patronal=OTHER_SCHOOL_REGISTRO, modalidad="32")
    job = vigente(registro_patronal="A1234567890", modalidad="10")
    assert outcome_as_read("constancia", ours, policy) is Outcome.ACCEPTED_INSURED_HERE
    assert outcome_as_read("constancia", other, policy) is Outcome.REGISTERED_ELSEWHERE
    assert outcome_as_read("constancia", job, policy) is Outcome.COVERED_OTHER_REGIME
    assert outcome_as_read("constancia", vigente(), policy) is None  # no registro read
    assert outcome_as_read("constancia", {"vigente": None}, policy) is None
    assert outcome_as_read("renuncia", {"nombre": "ANA"}, policy) is Outcome.WAIVER_RECEIVED
    assert outcome_as_read("unknown", {}, policy) is None


def test_aceptada_on_an_unreadable_scan_asks_staff_for_a_more_specific_word(
    policy: Policy,
) -> None:
    plan = settlement(
        ReviewWord.ACCEPTED,
        outcome=Outcome.UNREADABLE,
        kind="unknown",
        fields={},
        on_roster=True,
        policy=policy,
    )
    assert (plan.record, plan.reply) == (None, None)
    assert "SIN SEGURO" in plan.refusal
    specific = settlement(
        ReviewWord.NOT_INSURED,
        outcome=Outcome.UNREADABLE,
        kind="unknown",
        fields={},
        on_roster=True,
        policy=policy,
    )
    assert specific.record is Outcome.ACCEPTED_NOT_INSURED


def test_an_outcome_is_recorded_only_for_a_student_on_the_roster(policy: Policy) -> None:
    plan = settlement(
        ReviewWord.NOT_INSURED,
        outcome=Outcome.NOT_ENROLLED,
        kind="constancia",
        fields=NOT_INSURED,
        on_roster=False,
        policy=policy,
    )
    assert plan.record is None
    assert "padrón" in plan.refusal
    not_a_student = settlement(
        ReviewWord.NOT_A_STUDENT,
        outcome=Outcome.NOT_ENROLLED,
        kind="constancia",
        fields=NOT_INSURED,
        on_roster=False,
        policy=policy,
    )
    assert (not_a_student.record, not_a_student.reply) == (None, Outcome.NOT_ENROLLED)


def test_a_new_constancia_records_nothing_and_asks_the_student(policy: Policy) -> None:
    plan = settlement(
        ReviewWord.NEW_CONSTANCIA,
        outcome=Outcome.NEEDS_REVIEW,
        kind="constancia",
        fields=NOT_INSURED,
        on_roster=True,
        policy=policy,
    )
    assert (plan.record, plan.reply) == (None, Outcome.UNREADABLE)


def test_the_review_mail_offers_aceptada_only_when_the_reading_decides(policy: Policy) -> None:
    offered = dict(
        words_for(
            outcome=Outcome.NEEDS_REVIEW, kind="constancia", fields=NOT_INSURED, policy=policy
        )
    )
    assert offered[ReviewWord.ACCEPTED] is Outcome.ACCEPTED_NOT_INSURED
    assert ReviewWord.NOT_INSURED not in offered  # ACEPTADA says the same
    scan = dict(words_for(outcome=Outcome.UNREADABLE, kind="unknown", fields={}, policy=policy))
    assert ReviewWord.ACCEPTED not in scan
    assert scan[ReviewWord.NOT_INSURED] is Outcome.ACCEPTED_NOT_INSURED
    question = dict(words_for(outcome=Outcome.NO_ATTACHMENT, kind=None, fields={}, policy=policy))
    assert set(question) == {
        ReviewWord.NEW_CONSTANCIA,
        ReviewWord.NOT_A_STUDENT,
        ReviewWord.REVIEWED,
    }
