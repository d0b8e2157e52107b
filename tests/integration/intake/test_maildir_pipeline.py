"""The intake pipeline end to end on the embedded defaults: Maildir in, SQLite, Maildir out.

These tests run the same ``run_once`` pass as ``afilia run --once``, with a fixed clock so
the constancia's age is what the procedure says it is.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.app import run_once
from daemon.domain.outcomes import Outcome
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, InboundMessageRow, OutboxRow
from tests.fixtures.deployment import ANA, SCHOOL_ADDRESS, Deployment, make_deployment
from tests.fixtures.documents import ISSUED, ConstanciaTruth, constancia_pdf
from tests.fixtures.emails import auto_reply, student_mail

pytestmark = pytest.mark.integration

# Noon in Mexico City, two days after the default constancia was issued.
NOW = datetime(ISSUED.year, ISSUED.month, ISSUED.day, 18, 0, tzinfo=UTC) + timedelta(days=2)
ANA_ADDRESS = ANA.email_institucional


def _clock() -> datetime:
    return NOW


def _constancia_mail(truth: ConstanciaTruth | None = None, **kwargs: object) -> bytes:
    pdf = constancia_pdf(truth or ConstanciaTruth())
    return student_mail(
        f"Ana Gómez <{ANA_ADDRESS}>",
        attachments=(("constancia.pdf", "application/pdf", pdf),),
        **kwargs,  # type: ignore[arg-type]
    )


def _outcomes(deployment: Deployment) -> list[str]:
    app = deployment.app()
    with transaction(app.sessions) as session:
        return list(session.scalars(select(DecisionRow.outcome).order_by(DecisionRow.id)))


def _parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email_policy.default)  # type: ignore[return-value]


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return make_deployment(tmp_path / "afilia")


def test_fresh_constancia_without_insurance_is_accepted_and_answered_in_spanish(
    deployment: Deployment,
) -> None:
    deployment.drop_mail(_constancia_mail(message_id="<m1@example.com>"), "1.eml")

    report = run_once(deployment.app(), clock=_clock)

    assert report.intake["local"].processed == 1
    assert _outcomes(deployment) == [Outcome.ACCEPTED_NOT_INSURED]
    [reply] = deployment.sent_mails()
    message = _parsed(reply)
    assert message["To"] == ANA_ADDRESS
    assert SCHOOL_ADDRESS in message["From"]
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<m1@example.com>"
    assert "<m1@example.com>" in message["References"]
    text = message.get_body(("plain",)).get_content()
    assert "alta" in text.lower()
    assert report.sent == 1
    # The mail left the inbox only after its decision was stored.
    assert list((deployment.inbox / "new").iterdir()) == []


def test_a_second_pass_neither_redecides_nor_answers_again(deployment: Deployment) -> None:
    deployment.drop_mail(_constancia_mail(), "1.eml")
    run_once(deployment.app(), clock=_clock)
    second = run_once(deployment.app(), clock=_clock)
    assert second.intake["local"].processed == 0
    assert len(_outcomes(deployment)) == 1
    assert len(deployment.sent_mails()) == 1


def test_constancia_older_than_five_days_is_rejected_with_instructions(
    deployment: Deployment,
) -> None:
    old = ConstanciaTruth(fecha_expedicion=ISSUED - timedelta(days=9))
    deployment.drop_mail(_constancia_mail(old), "1.eml")
    run_once(deployment.app(), clock=_clock)
    assert _outcomes(deployment) == [Outcome.TOO_OLD]
    app = deployment.app()
    with transaction(app.sessions) as session:
        reasons = session.scalars(select(DecisionRow.reasons)).one()
    assert any("max 5" in r for r in reasons)
    [reply] = deployment.sent_mails()
    assert "5" in _parsed(reply).get_body(("plain",)).get_content()


def test_auto_replies_are_recorded_but_never_answered(deployment: Deployment) -> None:
    deployment.drop_mail(auto_reply(ANA_ADDRESS), "1.eml")
    run_once(deployment.app(), clock=_clock)
    assert _outcomes(deployment) == [Outcome.IGNORED_AUTO]
    assert deployment.sent_mails() == []


def test_mail_without_attachment_gets_instructions(deployment: Deployment) -> None:
    deployment.drop_mail(student_mail(f"Ana <{ANA_ADDRESS}>", attachments=()), "1.eml")
    run_once(deployment.app(), clock=_clock)
    assert _outcomes(deployment) == [Outcome.NO_ATTACHMENT]
    assert len(deployment.sent_mails()) == 1


def test_same_constancia_sent_twice_is_a_duplicate(deployment: Deployment) -> None:
    raw = _constancia_mail()
    deployment.drop_mail(raw, "1.eml")
    deployment.drop_mail(raw.replace(b"Constancia de vigencia", b"Otra vez"), "2.eml")
    run_once(deployment.app(), clock=_clock)
    assert sorted(_outcomes(deployment)) == sorted(
        [Outcome.ACCEPTED_NOT_INSURED, Outcome.DUPLICATE]
    )


def test_replies_per_sender_are_capped_per_hour(deployment: Deployment) -> None:
    for n in range(7):
        deployment.drop_mail(student_mail(f"<{ANA_ADDRESS}>", attachments=()), f"{n}.eml")
    run_once(deployment.app(), clock=_clock)
    assert len(_outcomes(deployment)) == 7
    assert len(deployment.sent_mails()) == 5


def test_document_of_another_student_gets_a_generic_answer_without_their_data(
    deployment: Deployment,
) -> None:
    stranger = ConstanciaTruth(
        curp="BOXW310820HNERXN09",
        fecha_nacimiento=datetime(1931, 8, 20).date(),
        sexo="H",
        nombre="WENCESLAO BOTELLO",
    )
    deployment.drop_mail(_constancia_mail(stranger), "1.eml")
    run_once(deployment.app(), clock=_clock)
    assert _outcomes(deployment) == [Outcome.IDENTITY_MISMATCH]
    [reply] = deployment.sent_mails()
    text = reply.decode("utf-8", "replace")
    assert "BOXW310820HNERXN09" not in text
    assert "WENCESLAO" not in text


def test_raw_mail_is_kept_content_addressed(deployment: Deployment) -> None:
    raw = _constancia_mail()
    deployment.drop_mail(raw, "1.eml")
    app = deployment.app()
    run_once(app, clock=_clock)
    with transaction(app.sessions) as session:
        digest = session.scalars(select(InboundMessageRow.raw_sha256)).one()
        reply = session.scalars(select(OutboxRow)).one()
    assert app.blobs.get(digest) == raw
    assert reply.status == "sent"
    stored = app.blobs.path_for(digest)
    assert stored.stat().st_mode & 0o777 == 0o600
