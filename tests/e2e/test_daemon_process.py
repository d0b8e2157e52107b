"""The afilia process itself against a real Dovecot and a real SMTP server on loopback.

These run ``python -m daemon`` exactly as systemd would, with the real clock: documents are
generated relative to today in the school's time zone.
"""

from __future__ import annotations

import email
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import datetime, timedelta
from email import policy as email_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures.deployment import (
    AFILIA,
    ANA,
    STAFF_ADDRESS,
    Deployment,
    constancia_mail_for,
    generated_students,
    imap_source,
    make_deployment,
    smtp_outgoing,
)
from tests.fixtures.documents import ConstanciaTruth, RenunciaTruth, constancia_pdf, renuncia_pdf
from tests.fixtures.emails import auto_reply, student_mail
from tests.servers.dovecot import DovecotAccount
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

TODAY = datetime.now(ZoneInfo("America/Mexico_City")).date()


def _deploy(tmp_path: Path, dovecot: DovecotAccount, smtp: SmtpServer) -> Deployment:
    return make_deployment(
        tmp_path / "afilia",
        mailboxes=imap_source("127.0.0.1", dovecot.port, dovecot.user, "AFILIA_TEST_IMAP"),
        outgoing=smtp_outgoing("127.0.0.1", smtp.port),
    )


def _env(dovecot: DovecotAccount) -> dict[str, str]:
    return {**os.environ, "AFILIA_TEST_IMAP": dovecot.password, "PYTHONUNBUFFERED": "1"}


def _afilia(deployment: Deployment, dovecot: DovecotAccount, *args: str, timeout: float = 120):
    return subprocess.run(
        [*AFILIA, "--config", str(deployment.config_path), *args],
        env=_env(dovecot),
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def _constancia_mail(n: int, *, days_old: int = 1) -> bytes:
    truth = ConstanciaTruth(fecha_expedicion=TODAY - timedelta(days=days_old))
    return student_mail(
        f"Ana <{ANA.email_institucional}>",
        attachments=((f"constancia-{n}.pdf", "application/pdf", constancia_pdf(truth)),),
        message_id=f"<student-{n}@example.com>",
        subject=f"Constancia {n}",
    )


def _processed_folder(dovecot: DovecotAccount) -> str:
    """The processed folder in the server's own hierarchy delimiter ("afilia.procesados")."""
    [name] = [f for f in dovecot.folders() if f.endswith("procesados")]
    return name


def _decisions(deployment: Deployment) -> list[dict[str, object]]:
    with sqlite3.connect(deployment.root / "afilia.db") as db:
        rows = db.execute("SELECT message_pk, outcome FROM decisions ORDER BY id").fetchall()
    return [{"message_pk": m, "outcome": o} for m, o in rows]


def _in_reply_to(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=email_policy.default)
    return str(message["In-Reply-To"]), str(message["Message-ID"])


def test_run_once_answers_every_waiting_mail_and_moves_it(
    tmp_path: Path, dovecot: DovecotAccount, smtp_server: SmtpServer
) -> None:
    deployment = _deploy(tmp_path, dovecot, smtp_server)
    renuncia = renuncia_pdf(RenunciaTruth(fecha=TODAY))
    mails = [
        _constancia_mail(1),
        _constancia_mail(2, days_old=12),
        auto_reply(ANA.email_institucional),
        student_mail(f"<{ANA.email_institucional}>", attachments=(), message_id="<q@x>"),
        student_mail(
            f"<{ANA.email_institucional}>",
            attachments=(("renuncia.pdf", "application/pdf", renuncia),),
            message_id="<r@x>",
        ),
    ]
    for raw in mails:
        dovecot.append(raw)

    result = _afilia(deployment, dovecot, "run", "--once")

    assert result.returncode == 0, result.stderr.decode()
    assert dovecot.folder_messages("INBOX") == []
    assert len(dovecot.folder_messages(_processed_folder(dovecot))) == len(mails)
    listing = _afilia(deployment, dovecot, "decisions", "--json")
    decided = [json.loads(line) for line in listing.stdout.decode().splitlines()]
    assert Counter(d["outcome"] for d in decided) == Counter(
        {
            "accepted_not_insured": 1,
            "too_old": 1,
            "ignored_auto": 1,
            "no_attachment": 1,
            "waiver_received": 1,
        }
    )
    accepted = next(d for d in decided if d["outcome"] == "accepted_not_insured")
    assert accepted["fields"]["curp"] == ANA.curp
    assert accepted["fields"]["fecha_expedicion"] == (TODAY - timedelta(days=1)).isoformat()
    assert accepted["matricula"] == ANA.matricula
    assert accepted["reply_status"] == "sent"
    to_staff = [m for m in smtp_server.received if m.rcpt_tos == (STAFF_ADDRESS,)]
    answers = [m for m in smtp_server.received if m not in to_staff]
    assert len(answers) == 4  # everything but the auto-reply
    assert all(m.rcpt_tos == (ANA.email_institucional,) for m in answers)
    assert len(to_staff) == 1  # the review mail of the question without a document
    # Logs are JSON, one event per message, and never carry a CURP in clear.
    events = [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]
    assert sum(e.get("event") == "message_processed" for e in events) == len(mails)
    assert ANA.curp not in result.stdout.decode()


def test_sigkill_mid_batch_loses_nothing_and_never_answers_twice_differently(
    tmp_path: Path, dovecot: DovecotAccount, smtp_server: SmtpServer
) -> None:
    deployment = _deploy(tmp_path, dovecot, smtp_server)
    total = 40
    students = generated_students(total, seed=7)
    deployment.seed_students(students)
    for n, student in enumerate(students):
        dovecot.append(constancia_mail_for(student, TODAY - timedelta(days=1), n=n))
    daemon = subprocess.Popen(
        [*AFILIA, "--config", str(deployment.config_path), "run"],
        env=_env(dovecot),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(_decisions_safe(deployment)) < 6:
        time.sleep(0.05)
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    assert 0 < len(_decisions_safe(deployment)) < total, "the kill must land mid-batch"

    result = _afilia(deployment, dovecot, "run", "--once")
    assert result.returncode == 0, result.stderr.decode()

    decided = _decisions(deployment)
    per_message = Counter(d["message_pk"] for d in decided)
    assert len(per_message) == total
    assert set(per_message.values()) == {1}
    assert dovecot.folder_messages("INBOX") == []
    # Every reply reached the server; a resend after the kill carries the same Message-ID.
    replies = [_in_reply_to(m.raw) for m in smtp_server.received]
    ids_per_question: dict[str, set[str]] = {}
    for question, reply_id in replies:
        ids_per_question.setdefault(question, set()).add(reply_id)
    assert len(ids_per_question) == total  # every mail was answered
    assert all(len(ids) == 1 for ids in ids_per_question.values())
    with sqlite3.connect(deployment.root / "afilia.db") as db:
        statuses = Counter(s for (s,) in db.execute("SELECT status FROM outbox"))
    assert statuses == Counter({"sent": total})


def _decisions_safe(deployment: Deployment) -> list[dict[str, object]]:
    try:
        return _decisions(deployment)
    except sqlite3.OperationalError:
        return []


def test_sigterm_stops_the_daemon_cleanly(
    tmp_path: Path, dovecot: DovecotAccount, smtp_server: SmtpServer
) -> None:
    deployment = _deploy(tmp_path, dovecot, smtp_server)
    dovecot.append(_constancia_mail(1))
    daemon = subprocess.Popen(
        [*AFILIA, "--config", str(deployment.config_path), "run"],
        env=_env(dovecot),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not smtp_server.received:
        time.sleep(0.1)
    assert smtp_server.received, "the daemon answers while running"
    daemon.send_signal(signal.SIGTERM)
    out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err.decode()
    assert b"daemon_stopped" in out


def test_run_refuses_an_old_schema_with_a_clear_message(
    tmp_path: Path, dovecot: DovecotAccount, smtp_server: SmtpServer
) -> None:
    deployment = _deploy(tmp_path, dovecot, smtp_server)
    (deployment.root / "afilia.db").unlink()
    result = _afilia(deployment, dovecot, "run", "--once")
    assert result.returncode == 2
    assert b"afilia db upgrade" in result.stderr
    assert b"Traceback" not in result.stderr
