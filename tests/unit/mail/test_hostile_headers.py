"""Hostile headers become decisions (issue 9): what parse_mail and the message rules say.

Each class of mail that crashed the intake is parsed here and checked against the rule
that decides it: stored safely, and never a reply to an address we had to guess or repair.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from daemon.config import Settings
from daemon.mail import message_rules, sanitize
from daemon.mail.compose import RenderedMail, build_message
from daemon.mail.inbound import Attachment, headers_only, parse_mail
from daemon.services.replies import received_on
from tests.fixtures.hostile_mails import AUTHSERV_ID, OUTLOOK_ID, hostile_mails

STORABLE_LIMIT = 2000


def _mail(*headers: bytes, body: bytes = b"hola\r\n") -> bytes:
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


# The many-parameters mail is the one a worker must be killed for: not parsed in a unit test.
QUICK = [m for m in hostile_mails() if "parameters" not in m.name]


@pytest.mark.parametrize("hostile", QUICK, ids=lambda m: m.name)
def test_every_hostile_mail_parses_into_storable_composable_values(hostile: object) -> None:
    mail = parse_mail(hostile.raw)  # type: ignore[attr-defined]
    for value in (mail.sender, mail.sender_name, mail.subject, mail.message_id, *mail.to):
        assert "\x00" not in value
        assert not any("\ud800" <= ch <= "\udfff" for ch in value)
        assert not any(ch in value for ch in "\r\n\x0c")
        assert len(value) <= STORABLE_LIMIT
    assert sanitize.message_id(mail.message_id) == mail.message_id


def test_sender_with_hundreds_of_nested_comment_parens_is_read_but_never_answered() -> None:
    raw = _mail(b"From: " + b"(" * 800 + b"x" + b")" * 800 + b" <p@example.com>", b"Subject: a")
    mail = parse_mail(raw)
    assert mail.sender == "p@example.com"
    assert "SenderUnparseable" in mail.defects
    assert message_rules.unanswerable_sender(mail) is not None


def test_sender_user_at_with_no_domain_is_not_a_mail_to_answer() -> None:
    mail = parse_mail(_mail(b"From: user@", b"Subject: a"))
    assert mail.sender == ""
    assert message_rules.not_a_mail(mail) == "no sender address in From"


def test_encoded_word_local_part_with_crlf_is_never_a_recipient() -> None:
    mail = parse_mail(_mail(b"From: =?utf-8?q?evil=0D=0Abcc=3A_victim?=@evil.example"))
    assert message_rules.unanswerable_sender(mail) == (
        "sender address with an encoded-word local part"
    )


def test_form_feed_in_the_sender_is_repaired_for_the_store_and_not_answered() -> None:
    mail = parse_mail(_mail(b"From: ana\x0c@example.com"))
    assert mail.sender == "ana@example.com"
    assert "SenderSanitised" in mail.defects
    assert message_rules.unanswerable_sender(mail) is not None


def test_raw_utf8_and_latin1_headers_are_decoded_not_left_as_surrogates() -> None:
    utf8 = parse_mail(_mail("From: José <josé@example.com>".encode(), "Subject: señal".encode()))
    latin1 = parse_mail(_mail("From: José <jose@example.com>".encode("latin-1")))
    assert utf8.sender == "josé@example.com"
    assert utf8.subject == "señal"
    assert latin1.sender_name == "José"
    assert message_rules.unanswerable_sender(utf8) is not None  # no SMTPUTF8 replies
    assert message_rules.unanswerable_sender(latin1) is None


def test_nul_in_subject_and_message_id_is_dropped_and_a_stable_id_derived() -> None:
    raw = _mail(b"From: a@example.com", b"Subject: a\x00b", b"Message-ID: <a\x00b@x>")
    mail = parse_mail(raw)
    assert mail.subject == "a b"
    assert mail.message_id == parse_mail(raw).message_id
    assert mail.message_id.endswith("@afilia.invalid>")


def test_headers_only_read_is_bounded_and_marks_the_sender_as_guessed() -> None:
    raw = _mail(b"From: Ana <ana@example.com>", b"Subject: x" * 50_000, b"Message-ID: <m@x>")
    mail = headers_only(raw)
    assert mail.sender == "ana@example.com"
    assert mail.attachments == ()
    assert "HeadersOnly" in mail.defects
    assert message_rules.unanswerable_sender(mail) is not None


def test_inline_cid_logo_is_not_a_document_but_an_unreferenced_photo_is() -> None:
    [logo] = [m for m in hostile_mails() if m.name == "inline cid: signature logo only"]
    assert parse_mail(logo.raw).attachments == ()
    photo = logo.raw.replace(b'<img src="cid:image001.png@01DB0000.12345670">', b"")
    assert [a.filename for a in parse_mail(photo).attachments] == ["image001.png"]


@pytest.mark.parametrize(
    ("filename", "content_type", "data"),
    [
        ("constancia.pdf.exe", "application/pdf", b"%PDF-1.4"),
        ("constancia.pdf", "application/x-msdownload", b"%PDF-1.4"),
        ("constancia.pdf", "application/pdf", b"MZ\x90\x00"),
        ("CONSTANCIA.EXE.", "application/octet-stream", b"x"),
    ],
)
def test_executables_are_recognised_by_name_type_or_magic(
    filename: str, content_type: str, data: bytes
) -> None:
    assert message_rules.is_executable(Attachment(filename, content_type, data))


def test_a_plain_pdf_is_not_an_executable() -> None:
    assert not message_rules.is_executable(Attachment("c.pdf", "application/pdf", b"%PDF-1.7"))


def _authenticated(*results: str) -> object:
    headers = [f"Authentication-Results: {r}".encode() for r in results]
    return parse_mail(_mail(b"From: ana@alumnos.example.mx", *headers))


def test_topmost_dmarc_fail_of_our_server_is_a_forged_sender() -> None:
    mail = _authenticated(f"{AUTHSERV_ID}; dmarc=fail", f"{AUTHSERV_ID}; dmarc=pass")
    assert message_rules.forged_sender(mail, AUTHSERV_ID)  # type: ignore[arg-type]


def test_a_forged_dmarc_fail_below_our_pass_does_not_count() -> None:
    mail = _authenticated(f"{AUTHSERV_ID}; dmarc=pass", f"{AUTHSERV_ID}; dmarc=fail")
    assert message_rules.forged_sender(mail, AUTHSERV_ID) is None  # type: ignore[arg-type]


def test_dmarc_fail_from_another_server_or_without_our_authserv_id_is_not_read() -> None:
    mail = _authenticated("mx.elsewhere.example; dmarc=fail")
    assert message_rules.forged_sender(mail, AUTHSERV_ID) is None  # type: ignore[arg-type]
    assert message_rules.forged_sender(mail, "") is None  # type: ignore[arg-type]


NOON = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> Settings:
    return Settings.model_validate(
        {
            "school": {
                "name": "UTE",
                "address": "oficina@ute.example.edu.mx",
                "registros_patronales": ["Y5410123108"],
            },
            "mailboxes": [{"kind": "maildir", "path": "/nonexistent"}],
            "outgoing": {"transport": {"kind": "maildir", "path": "/nonexistent"}},
        }
    )


@pytest.mark.parametrize(
    ("date_header", "expected_day"),
    [
        (NOON + timedelta(days=4), 20),  # a Date in the future: ignored
        (NOON - timedelta(hours=20), 19),  # earlier within the window: counts
        (NOON - timedelta(days=4), 20),  # a forged old Date: ignored
        (None, 20),
    ],
)
def test_the_day_counted_is_our_servers_receipt_and_date_may_only_move_it_a_little_earlier(
    settings: Settings, date_header: datetime | None, expected_day: int
) -> None:
    mail = dataclasses.replace(parse_mail(_mail(b"From: a@example.com")), date=date_header)
    later = NOON + timedelta(days=3)  # the daemon was down; the server still knows
    assert received_on(mail, later, settings, arrived_at=NOON).day == expected_day


def test_our_mx_received_header_dates_a_mail_when_the_mailbox_does_not() -> None:
    raw = _mail(
        b"Received: from relay by mx.ute.example.edu.mx; Fri, 20 Nov 2026 12:00:00 -0600",
        b"Received: from phone by relay; Mon, 01 Jan 2035 00:00:00 +0000",
        b"From: a@example.com",
    )
    assert parse_mail(raw).received_at == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_reply_threads_long_and_non_ascii_message_ids_verbatim() -> None:
    non_ascii = "<ñandú-1@correo.example.mx>"
    raw = build_message(
        RenderedMail("Asunto", "texto\n", "<p>texto</p>"),
        sender="oficina@ute.example.edu.mx",
        sender_name="Oficina",
        recipients=["ana@example.com"],
        message_id="<afilia.1@ute.example.edu.mx>",
        in_reply_to=OUTLOOK_ID,
        references=[non_ascii, OUTLOOK_ID],
        date=NOON,
    )
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    assert f"In-Reply-To: {OUTLOOK_ID}\r\n" in head
    assert f"References: {non_ascii}\r\n {OUTLOOK_ID}" in head
    assert "=?" not in head.split("In-Reply-To:", 1)[1]
