"""Property: whatever a mutated mail looks like, it is decided or quarantined, the mailbox
moves on, and no reply ever goes to an address we could not answer safely.

Hypothesis mutates real-looking student mails (header values, header order and names,
control and 8-bit bytes, nested comments, MIME boundaries, encodings, truncation) and each
mutant goes through the real intake: a Maildir inbox, the reader's worker processes,
SQLite, the outbox. ``$AFILIA_FIGURES_DIR/fuzz.json`` gets the number of mutants run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from daemon.bootstrap import App
from daemon.mail import sanitize
from daemon.mail.maildir_mailbox import MaildirMailbox
from daemon.services.ingest import Intake, ingest_mailbox
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, InboundMessageRow, OutboxRow, QuarantineRow
from tests.fixtures.deployment import Deployment, make_deployment
from tests.fixtures.documents import constancia_pdf
from tests.fixtures.emails import TINY_PDF, student_mail

pytestmark = pytest.mark.integration

MUTANTS = 500
_run: dict[str, object] = {"mutants": 0}

BASES = [
    student_mail(attachments=(("constancia.pdf", "application/pdf", constancia_pdf()),)),
    student_mail(
        "Luis <luis@example.com>",
        html_body="<p>Hola <b>equipo</b></p>",
        attachments=(("c.pdf", "application/pdf", TINY_PDF),),
        rfc2231_name=True,
    ),
    student_mail("Eva <eva@example.com>", attachments=(), forwarded=True),
]
NASTY = [
    b"\x00",
    b"\r",
    b"\n",
    b"\x0c",
    b"\xff\xfe",
    "ñ".encode(),
    "ñ".encode("latin-1"),
    b"=?utf-8?q?=0D=0A?=",
    b"(" * 300,
    b")",
    b"<",
    b">",
    b"@",
    b'"',
    b";",
    b"=?",
    b"\t",
    b" " * 200,
    b"x" * 3000,
    b"--",
]


@st.composite
def mutants(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(BASES)))
    end = raw.find(b"\n\n") if b"\r\n\r\n" not in raw else raw.find(b"\r\n\r\n")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["header", "body", "name", "boundary", "cut", "dup"]))
        if kind == "header" and end > 0:  # a nasty token somewhere in the header block
            at = draw(st.integers(0, end))
            raw[at:at] = draw(st.sampled_from(NASTY))
        elif kind == "body":
            at = draw(st.integers(0, len(raw)))
            raw[at:at] = draw(st.sampled_from(NASTY))
        elif kind == "name":  # rename a structural header to another one
            old = draw(st.sampled_from([b"From:", b"Content-Type:", b"Message-ID:", b"Subject:"]))
            new = draw(st.sampled_from([b"From:", b"Content-Type:", b"To:", b"X-A:", b"From :"]))
            raw = bytearray(raw.replace(old, new, 1))
        elif kind == "boundary":
            raw = bytearray(raw.replace(b"boundary=", draw(st.sampled_from(NASTY)) + b"=", 1))
        elif kind == "cut":
            raw = raw[: draw(st.integers(0, len(raw)))]
        else:  # a header line repeated many times
            line = draw(
                st.sampled_from([b"From: a@b.example\r\n", b"Content-Type: text/plain\r\n"])
            )
            raw[0:0] = line * draw(st.integers(2, 400))
        end = min(end, len(raw))
    return bytes(raw)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, App]]:
    deployment = make_deployment(tmp_path_factory.mktemp("fuzz") / "afilia")
    app = deployment.app()
    yield deployment, app
    target = os.environ.get("AFILIA_FIGURES_DIR")
    if target:
        with transaction(app.sessions) as session:
            outcomes = session.execute(
                select(DecisionRow.outcome, func.count()).group_by(DecisionRow.outcome)
            ).all()
            _run["quarantined"] = session.scalar(select(func.count()).select_from(QuarantineRow))
        _run["outcomes"] = dict(outcomes)  # type: ignore[assignment]
        Path(target, "fuzz.json").write_text(json.dumps(_run))
    app.close()


@pytest.fixture(scope="module")
def intake(deployment: tuple[Deployment, App]) -> Iterator[Intake]:
    _deployment, app = deployment
    built = app.intake(lambda: datetime.now(UTC))
    yield built
    built.reader.close()


@settings(
    max_examples=MUTANTS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutants())
def test_a_mutated_mail_is_decided_or_quarantined_and_never_answered_at_a_mangled_address(
    deployment: tuple[Deployment, App], intake: Intake, raw: bytes
) -> None:
    dep, app = deployment
    number = int(_run["mutants"]) + 1  # type: ignore[call-overload]
    _run["mutants"] = number
    dep.drop_mail(raw, f"mutant-{number:05d}.eml")
    mailbox = MaildirMailbox("local", dep.inbox)

    report = ingest_mailbox(mailbox, intake, threading.Event())

    assert report.processed + report.quarantined + report.already_done == 1
    assert list((dep.inbox / "new").iterdir()) == []
    with transaction(app.sessions) as session:
        recorded = session.scalar(select(func.count()).select_from(InboundMessageRow))
        quarantined = session.scalar(select(func.count()).select_from(QuarantineRow))
        recipients = session.scalars(select(OutboxRow.recipient)).all()
    assert (recorded or 0) + (quarantined or 0) >= number - report.already_done
    assert all(sanitize.reply_address_problem(r) is None for r in recipients)
