"""MIME handling: what students' mail clients really send must come out as a document."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.mail.inbound import Attachment, html_to_text, parse_mail
from tests.fixtures.emails import TINY_PDF, student_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ZIP = b"PK\x03\x04" + b"\x00" * 32


def test_pdf_attachment_and_headers_come_out_as_sent() -> None:
    raw = student_mail(
        "Ana Gómez <Ana.Gomez@Alumnos.UTE.example.edu.mx>",
        subject="Constancia de vigencia",
        message_id="<abc@example.com>",
        headers={"In-Reply-To": "<r1@ute>", "References": "<r0@ute> <r1@ute>"},
    )
    mail = parse_mail(raw)
    assert mail.message_id == "<abc@example.com>"
    assert mail.sender == "ana.gomez@alumnos.ute.example.edu.mx"
    assert mail.sender_name == "Ana Gómez"
    assert mail.subject == "Constancia de vigencia"
    assert mail.date == datetime(2026, 1, 12, 10, 30, tzinfo=UTC)
    assert mail.in_reply_to == "<r1@ute>"
    assert mail.references == ("<r0@ute>", "<r1@ute>")
    assert mail.body_text == "Buen día, envío mi constancia.\nSaludos."
    assert mail.attachments == (Attachment("constancia.pdf", "application/pdf", TINY_PDF),)
    assert mail.defects == ()


def test_octet_stream_with_pdf_name_is_a_pdf() -> None:
    mail = parse_mail(
        student_mail(attachments=[("CONSTANCIA.PDF", "application/octet-stream", b"x")])
    )
    assert mail.attachments[0].content_type == "application/pdf"


def test_octet_stream_without_name_is_recognised_by_pdf_magic() -> None:
    raw = student_mail(attachments=[("", "application/octet-stream", TINY_PDF)])
    (attachment,) = parse_mail(raw).attachments
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "adjunto-1.pdf"


def test_images_zip_and_several_attachments_keep_their_order() -> None:
    raw = student_mail(
        attachments=[
            ("constancia.pdf", "application/pdf", TINY_PDF),
            ("foto.png", "image/png", PNG),
            ("documentos.zip", "application/x-zip-compressed", ZIP),
            ("renuncia.pdf", "application/pdf", TINY_PDF + b"2"),
        ]
    )
    mail = parse_mail(raw)
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("constancia.pdf", "application/pdf"),
        ("foto.png", "image/png"),
        ("documentos.zip", "application/zip"),
        ("renuncia.pdf", "application/pdf"),
    ]


def test_rfc2231_encoded_file_name_is_decoded() -> None:
    raw = student_mail(
        attachments=[("Constancia Vigencia Núñez.pdf", "application/pdf", TINY_PDF)],
        rfc2231_name=True,
    )
    assert b"filename*=utf-8''" in raw
    assert parse_mail(raw).attachments[0].filename == "Constancia Vigencia Núñez.pdf"


def test_rfc2047_encoded_file_name_is_decoded() -> None:
    encoded = b"=?UTF-8?B?Q29uc3RhbmNpYSBOw7rDsWV6LnBkZg==?="  # "Constancia Núñez.pdf"
    raw = (
        b"From: ana@example.com\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhola\r\n"
        b'--b\r\nContent-Type: application/pdf; name="' + encoded + b'"\r\n'
        b'Content-Disposition: attachment; filename="' + encoded + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    (attachment,) = parse_mail(raw).attachments
    assert attachment.filename == "Constancia Núñez.pdf"
    assert attachment.data == b"%PDF-1.4\n"


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd.pdf", "C:\\Users\\ana\\constancia.pdf", "/tmp/.constancia.pdf"],
)
def test_attachment_name_keeps_only_the_base_name(hostile: str) -> None:
    raw = student_mail(attachments=[(hostile, "application/pdf", TINY_PDF)])
    name = parse_mail(raw).attachments[0].filename
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert name.endswith(".pdf")


def test_forwarded_message_attachments_and_text_are_found() -> None:
    raw = student_mail(
        body="Mi constancia va aquí.",
        attachments=[("constancia.pdf", "application/pdf", TINY_PDF)],
        forwarded=True,
    )
    mail = parse_mail(raw)
    assert b"message/rfc822" in raw
    assert mail.attachments == (Attachment("constancia.pdf", "application/pdf", TINY_PDF),)
    assert mail.body_text.startswith("Les reenvío")


def test_forwarded_text_is_the_body_when_the_forward_says_nothing() -> None:
    raw = student_mail(body="Mi constancia va aquí.", forwarded=True).replace(
        "Les reenvío el correo con mi constancia.".encode(), b" "
    )
    assert "Mi constancia va aquí." in parse_mail(raw).body_text


def test_multipart_alternative_prefers_text_plain() -> None:
    raw = student_mail(body="texto plano", html_body="<p>texto <b>html</b></p>")
    assert parse_mail(raw).body_text == "texto plano"


def test_html_only_body_is_turned_into_text() -> None:
    raw = (
        b"From: ana@example.com\r\nMessage-ID: <h@y>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Hola&nbsp;equipo</p>"
        b"<p>Env&iacute;o mi constancia<br>Gracias</p><script>x()</script></body></html>\r\n"
        b"--b--\r\n"
    )
    text = parse_mail(raw).body_text
    assert "Hola\xa0equipo" in text
    assert "Envío mi constancia\nGracias" in text
    assert "x()" not in text
    assert "p{}" not in text


def test_html_to_text_survives_broken_markup() -> None:
    assert "hola" in html_to_text("<p>hola<div <<>")


def test_attachment_count_is_capped_and_recorded() -> None:
    raw = student_mail(attachments=[(f"f{i}.pdf", "application/pdf", TINY_PDF) for i in range(5)])
    mail = parse_mail(raw, max_attachments=3)
    assert [a.filename for a in mail.attachments] == ["f0.pdf", "f1.pdf", "f2.pdf"]
    assert "TooManyAttachments" in mail.defects


def test_oversized_header_block_is_cut_before_parsing() -> None:
    filler = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 70) for i in range(5000))
    raw = b"From: ana@example.com\r\nMessage-ID: <big@y>\r\n" + filler + b"\r\nbody\r\n"
    mail = parse_mail(raw, max_header_bytes=4096)
    assert "HeaderTooLarge" in mail.defects
    assert mail.sender == "ana@example.com"
    assert mail.message_id == "<big@y>"


def test_missing_message_id_gets_a_stable_one_derived_from_the_bytes() -> None:
    raw = b"From: ana@example.com\r\nSubject: hola\r\n\r\ncuerpo\r\n"
    first, second = parse_mail(raw), parse_mail(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@afilia.invalid>")
    assert "MissingMessageId" in first.defects


def test_unknown_charset_is_decoded_leniently() -> None:
    raw = (
        b"From: ana@example.com\r\nMessage-ID: <c@y>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-8\r\n\r\nconstancia adjunta\r\n"
    )
    assert parse_mail(raw).body_text == "constancia adjunta"


def test_bad_base64_attachment_is_kept_with_a_defect() -> None:
    raw = (
        b"From: ana@example.com\r\nMessage-ID: <b@y>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: application/pdf; name="c.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK*\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.attachments[0].filename == "c.pdf"
    assert mail.defects


def test_malformed_from_still_yields_an_address() -> None:
    raw = b"From: Ana <<ana.gomez@example.com>\r\nMessage-ID: <m@y>\r\n\r\nhola\r\n"
    assert parse_mail(raw).sender == "ana.gomez@example.com"


def test_unparseable_date_is_none_and_naive_date_becomes_utc() -> None:
    bad = b"From: a@example.com\r\nDate: ayer por la tarde\r\n\r\nx\r\n"
    naive = b"From: a@example.com\r\nDate: Mon, 12 Jan 2026 10:30:00 -0000\r\n\r\nx\r\n"
    assert parse_mail(bad).date is None
    assert parse_mail(naive).date == datetime(2026, 1, 12, 10, 30, tzinfo=UTC)


def test_authentication_results_are_all_kept() -> None:
    raw = student_mail(
        headers={"Authentication-Results": "mx.ute.example.edu.mx; dkim=pass header.d=ute"}
    )
    assert parse_mail(raw).authentication_results == (
        "mx.ute.example.edu.mx; dkim=pass header.d=ute",
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"From:\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n--x--',
        b"Content-Type: message/rfc822\r\n\r\nnot a message",
        b"Subject: =?utf-8?q?broken=ZZ?=\r\nFrom: =?bogus?b?????=\r\n\r\n",
        b'From: a@b\r\nContent-Type: text/plain; charset="\xff"\r\n\r\n\xe9\xe8',
        b"From: a@b\r\nMessage-ID: <<<>>>\r\nReferences: ,,,<\r\nDate: 99 Foo 99999\r\n\r\n",
    ],
)
def test_malformed_mail_never_raises(raw: bytes) -> None:
    mail = parse_mail(raw)
    assert mail.message_id


def _nested(depth: int) -> bytes:
    raw = b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    for _ in range(depth):
        raw = b"From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n" + raw
    return raw


def test_deeply_nested_forwards_stop_at_a_limit() -> None:
    mail = parse_mail(_nested(40))
    assert "TooManyParts" in mail.defects


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    parse_mail(b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + raw)
    parse_mail(raw)
