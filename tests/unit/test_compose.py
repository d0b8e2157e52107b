"""Outgoing mail: the same outbox row always becomes the same bytes, answers thread under the
student's mail, and announces itself as automatic (RFC 3834)."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.policy import MovementDays, Policy
from daemon.mail.compose import RenderedMail, base_context, build_message, make_message_id

MX = ZoneInfo("America/Mexico_City")
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=MX)
RENDERED = RenderedMail(
    subject="Recibimos tu constancia: tramitaremos tu alta en el IMSS",
    text="Hola, Ana María:\n\nRecibimos tu Constancia de Vigencia de Derechos.\n",
    html="<p>Hola, Ana María:</p>\n<p>Recibimos tu <strong>constancia</strong>.</p>\n",
)
MESSAGE_ID = make_message_id("reply:inbox:INBOX:1:42", "ute.example.edu.mx")


def build(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "sender": "servicios.estudiantiles@ute.example.edu.mx",
        "sender_name": "Servicios Estudiantiles",
        "recipients": ["ana.gomez@alumnos.ute.example.edu.mx"],
        "message_id": MESSAGE_ID,
        "in_reply_to": "<abc@mail.example.com>",
        "references": ("<r0@mail.example.com>", "<abc@mail.example.com>"),
        "date": NOW,
    }
    arguments.update(overrides)
    return build_message(RENDERED, **arguments)  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_message_id_is_derived_from_the_outbox_key() -> None:
    first = make_message_id("reply:inbox:INBOX:1:42", "ute.example.edu.mx")
    assert first == make_message_id("reply:inbox:INBOX:1:42", "ute.example.edu.mx")
    assert first != make_message_id("reply:inbox:INBOX:1:43", "ute.example.edu.mx")
    assert first.startswith("<afilia.")
    assert first.endswith("@ute.example.edu.mx>")
    assert len(first) == len("<afilia.") + 32 + len("@ute.example.edu.mx>")


def test_the_same_row_always_becomes_the_same_bytes() -> None:
    assert build() == build()
    assert build() != build(message_id=make_message_id("other", "ute.example.edu.mx"))


def test_reply_threads_under_the_students_mail_and_says_it_is_automatic() -> None:
    message = parse(build())
    assert message["Message-ID"] == MESSAGE_ID
    assert message["In-Reply-To"] == "<abc@mail.example.com>"
    assert message["References"] == "<r0@mail.example.com> <abc@mail.example.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Date"] == "Wed, 18 Nov 2026 09:30:00 -0600"
    assert message["To"] == "ana.gomez@alumnos.ute.example.edu.mx"
    assert message["From"].addresses[0].display_name == "Servicios Estudiantiles"
    assert message["Subject"] == RENDERED.subject


def test_reminders_are_auto_generated_and_start_a_thread() -> None:
    message = parse(build(in_reply_to=None, references=(), auto_submitted="auto-generated"))
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_body_is_text_and_html_alternatives_in_utf8() -> None:
    message = parse(build())
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == RENDERED.text
    assert html.get_content().replace("\r\n", "\n") == RENDERED.html


def test_non_ascii_subject_and_sender_name_are_encoded() -> None:
    raw = build(sender_name="Servicios Escolares · Minatitlán")
    raw.decode("ascii")  # nothing 8-bit on the wire
    assert parse(raw)["From"].addresses[0].display_name == "Servicios Escolares · Minatitlán"
    assert b"\r\n" in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_digest_carries_its_csv_attachments() -> None:
    csv = b"MATRICULA,NOMBRE\r\nUTE2026001,ANA MARIA GOMEZ NUNEZ\r\n"
    raw = build(
        in_reply_to=None,
        references=(),
        auto_submitted="auto-generated",
        attachments=[("altas_2026-11-18.csv", "text/csv", csv)],
    )
    message = parse(raw)
    assert message.get_content_type() == "multipart/mixed"
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["altas_2026-11-18.csv"]
    assert attachments[0].get_content_type() == "text/csv"
    assert attachments[0].get_payload(decode=True) == csv
    assert message.get_body(("plain",)) is not None
    assert raw == build(
        in_reply_to=None,
        references=(),
        auto_submitted="auto-generated",
        attachments=[("altas_2026-11-18.csv", "text/csv", csv)],
    )


def test_untrusted_threading_headers_cannot_inject_headers() -> None:
    message = parse(
        build(
            in_reply_to="<abc@mail.example.com>\r\nBcc: victim@example.com",
            references=("garbage without brackets", "<ok@x>\nX-Evil: 1"),
        )
    )
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert message["In-Reply-To"] == "<abc@mail.example.com>"
    assert message["References"] == "<ok@x>"


def test_a_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        build(date=datetime(2026, 11, 18, 9, 30))


def test_base_context_carries_the_school_and_its_rules(policy: Policy) -> None:
    context = base_context(policy, date(2026, 11, 18))
    assert context["school"] is policy.school
    assert context["links"] == policy.links
    assert context["intake"].max_age_days == 5
    assert context["term_kind"] == "cuatrimestre"
    assert context["today"] == date(2026, 11, 18)
    assert context["batched_movements"] is (
        policy.procedure.movement_days is MovementDays.SIXTEENTH_AND_MONTH_END
    )
