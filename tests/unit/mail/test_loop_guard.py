"""RFC 3834: robots, bounces and lists never get an answer; students always do."""

from __future__ import annotations

import pytest

from daemon.mail.inbound import parse_mail
from daemon.mail.loop_guard import AutomaticReason, automatic_reason
from tests.fixtures.emails import SCHOOL_ADDRESS, auto_reply, bounce, list_mail, student_mail

OWN = (SCHOOL_ADDRESS,)


def reason(raw: bytes) -> AutomaticReason | None:
    return automatic_reason(parse_mail(raw), OWN)


def test_a_student_mail_is_answered() -> None:
    assert reason(student_mail()) is None


def test_auto_submitted_no_is_a_person() -> None:
    assert reason(student_mail(headers={"Auto-Submitted": "no"})) is None


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("auto-submitted", AutomaticReason.AUTO_SUBMITTED),
        ("x-autoreply", AutomaticReason.AUTOREPLY_HEADER),
        ("x-autorespond", AutomaticReason.AUTOREPLY_HEADER),
        ("precedence", AutomaticReason.BULK_PRECEDENCE),
        ("exchange", AutomaticReason.AUTOREPLY_HEADER),
    ],
)
def test_out_of_office_replies_are_ignored(style: str, expected: AutomaticReason) -> None:
    assert reason(auto_reply(style=style)) is expected


def test_auto_generated_with_parameters_is_ignored() -> None:
    raw = student_mail(headers={"Auto-Submitted": 'Auto-Generated; owner-email="x@y"'})
    assert reason(raw) is AutomaticReason.AUTO_SUBMITTED


def test_delivery_status_notification_is_ignored() -> None:
    assert reason(bounce(return_path=None)) is AutomaticReason.DELIVERY_REPORT


def test_plain_text_bounce_with_null_return_path_is_ignored() -> None:
    assert reason(bounce(report=False)) is AutomaticReason.NULL_RETURN_PATH


def test_plain_text_bounce_from_mailer_daemon_is_ignored() -> None:
    assert reason(bounce(report=False, return_path=None)) is AutomaticReason.SYSTEM_SENDER


@pytest.mark.parametrize(
    "sender", ["no-reply@imss.gob.mx", "owner-alumnos@lists.example.com", "alumnos-request@x.mx"]
)
def test_system_senders_are_ignored(sender: str) -> None:
    assert reason(student_mail(sender)) is AutomaticReason.SYSTEM_SENDER


def test_list_mail_is_ignored() -> None:
    assert reason(list_mail()) is AutomaticReason.MAILING_LIST


def test_list_unsubscribe_alone_marks_bulk_mail() -> None:
    raw = list_mail(list_id="", unsubscribe=True, precedence=None)
    assert reason(raw) is AutomaticReason.MAILING_LIST


@pytest.mark.parametrize("value", ["bulk", "junk", "list", "BULK"])
def test_bulk_precedence_is_ignored(value: str) -> None:
    assert reason(student_mail(headers={"Precedence": value})) is AutomaticReason.BULK_PRECEDENCE


def test_our_own_address_is_never_answered_whatever_its_case() -> None:
    raw = student_mail(f"Servicios <{SCHOOL_ADDRESS.upper()}>")
    assert reason(raw) is AutomaticReason.OWN_ADDRESS


def test_mail_without_a_sender_is_not_answered() -> None:
    assert reason(b"Subject: hola\r\n\r\nx\r\n") is AutomaticReason.NO_SENDER
