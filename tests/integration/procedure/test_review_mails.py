"""Staff see the document they review in its own mail, and settle it with one word.

Real doors only: students' PDFs go through the Maildir intake, staff answer from their
authenticated address (or with the CLI), and what everyone gets is read from the outbox.
Each test runs twice through ``database_url``; ``-m "not postgres"`` keeps the SQLite half.
"""

from __future__ import annotations

import email
import email.utils
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.mail.compose import default_templates_dir
from daemon.store.db import transaction
from daemon.store.schema import AuditRow, DecisionRow, OutboxRow
from tests.fixtures.deployment import STAFF_ADDRESS
from tests.fixtures.documents import ConstanciaTruth, constancia_pdf, unknown_pdf
from tests.fixtures.emails import student_mail
from tests.integration.procedure.campus import (
    AUTHSERV,
    Campus,
    at,
    constancia_truth,
    matriculas,
    plain_text,
    request_mail,
    roster_rows,
    unfolded,
)
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]  # each test on both databases

TERM = "Septiembre-Diciembre 2026"
START, END = date(2026, 9, 7), date(2026, 12, 18)
DAY = date(2026, 9, 8)  # a Tuesday


@pytest.fixture
def campus(database_url: str, tmp_path: Path) -> Iterator[Campus]:
    """A reference-procedure school, on SQLite and on PostgreSQL."""
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral", database_url=database_url)
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    yield campus
    campus.close()


def _undated_constancia(campus: Campus, matricula: str) -> bytes:
    """A not-insured constancia whose emission date is not printed: needs_review."""
    student = campus.students[matricula]
    truth = replace(constancia_truth(student, DAY, ConstanciaTruth()), fecha_expedicion=None)
    return constancia_pdf(truth)


def _parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email_policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _review_mails(campus: Campus) -> list[OutboxRow]:
    return [m for m in campus.outbox() if m.template == "review_item"]


def _staff_reply(
    campus: Campus,
    body: str,
    *,
    number: int,
    subject: str,
    in_reply_to: str | None = None,
    results: str = "dkim=pass header.d=ute.example.edu.mx; dmarc=pass",
) -> None:
    """Staff answer from their own address, authenticated by our server, at 12:00."""
    threading = (
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    )
    raw = (
        f"Authentication-Results: {AUTHSERV}; {results}\r\n"
        f"From: Jefa de Servicios <{STAFF_ADDRESS}>\r\n"
        "To: servicios.estudiantiles@ute.example.edu.mx\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <review-reply{number}@ute.example.edu.mx>\r\n"
        f"{threading}"
        f"Date: {email.utils.format_datetime(at(DAY, 12))}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()
    campus.send(raw)
    campus.intake(at(DAY, 12, number))


def test_review_item_settled_with_aceptada_sends_the_alta_reply(campus: Campus) -> None:
    rows = roster_rows(1, seed=41)
    campus.import_roster(rows, at(date(2026, 9, 1), 9), term=TERM)
    [ana] = matriculas(rows)
    pdf = _undated_constancia(campus, ana)
    student = campus.students[ana]
    campus.send(
        request_mail(student, at(DAY, 10), "Constancia", "Envío mi constancia.", (("c.pdf", pdf),))
    )
    campus.intake(at(DAY, 10))

    # The student was told staff will look; staff got the document in its own mail.
    assert [t for _d, t in campus.received()[ana]] == ["needs_review"]
    [review] = _review_mails(campus)
    assert review.recipient == STAFF_ADDRESS
    with transaction(campus.app.sessions) as session:
        [decision] = session.scalars(select(DecisionRow)).all()
    assert review.subject == (
        f"Revisión #{decision.id}: No se encontró la fecha de expedición"
        f" — {student.nombre_completo}"
    )
    message = _parsed(review.raw)
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "c.pdf"
    assert attached.get_content() == pdf
    text = unfolded(plain_text(review.raw))
    assert f"Alumno: {ana} {student.nombre_completo}" in text
    assert "Recibido: 8 de septiembre de 2026, 10:00 h" in text  # school time, not UTC
    assert "Situación: BAJA" in text
    assert "ACEPTADA: el documento es válido tal como se leyó" in text
    assert campus.cli("altas", "pending") == "no altas pending\n"

    # The digest points to it instead of asking for REVISADO.
    campus.cli("digest", now=at(DAY, 11))
    digest = unfolded(campus.digest_text(DAY))
    assert f"Se envió por correo aparte la revisión #{decision.id}" in digest

    quoted = "\n".join(f"> {line}" for line in plain_text(review.raw).splitlines())
    _staff_reply(
        campus,
        "Aceptada\nLa fecha se ve en el sello; tramitamos tu alta esta semana.\n\n"
        f"El mar, 8 sept 2026 a las 10:00, Servicios Estudiantiles escribió:\n{quoted}",
        number=1,
        subject=f"Re: {review.subject}",
        in_reply_to=review.message_id,
    )

    assert ana in campus.cli("altas", "pending")
    assert campus.received()[ana] == [(DAY, "accepted_not_insured"), (DAY, "needs_review")]
    [alta_reply] = campus.texts("accepted_not_insured", ana)
    assert "Nota del personal de Servicios Estudiantiles: La fecha se ve en el sello" in unfolded(
        alta_reply
    )
    [answer] = [m for m in campus.outbox() if m.template == "review_settled"]
    assert answer.recipient == STAFF_ADDRESS
    assert answer.subject == f"Revisión #{decision.id} resuelta: ACEPTADA"
    assert "Se registró: Constancia aceptada, alta por tramitar" in unfolded(plain_text(answer.raw))
    with transaction(campus.app.sessions) as session:
        reviewed = session.get(DecisionRow, decision.id)
        assert reviewed is not None
        assert reviewed.reviewed_at is not None
        [audit] = session.scalars(select(AuditRow).where(AuditRow.action == "review_settled"))
        assert audit.detail["recorded"] == "accepted_not_insured"
    assert str(decision.id) not in campus.cli("review", "list", now=at(DAY, 13))

    # A second answer to the same item changes nothing and says so.
    _staff_reply(
        campus,
        "SIN SEGURO",
        number=2,
        subject=f"Re: {review.subject}",
        in_reply_to=review.message_id,
    )
    assert campus.received()[ana] == [(DAY, "accepted_not_insured"), (DAY, "needs_review")]
    second = [m for m in campus.outbox() if m.template == "review_settled"][-1]
    assert second.subject == f"Revisión #{decision.id}: ya estaba resuelta"

    # Next morning the alta is on the list; staff's decision is no mail received.
    campus.cli("digest", now=at(DAY + timedelta(days=1), 7, 30))
    digest = campus.digest_text(DAY + timedelta(days=1))
    assert f"- {ana}  {student.nombre_completo}  (Constancia aceptada" in digest
    assert "- Constancia aceptada, alta por tramitar: 1" not in digest
    assert "POR REVISAR (0)" in digest


def test_an_unreadable_document_needs_a_specific_word_and_the_cli_settles_it(
    campus: Campus, tmp_path: Path
) -> None:
    rows = roster_rows(1, seed=42)
    campus.import_roster(rows, at(date(2026, 9, 1), 9), term=TERM)
    [luis] = matriculas(rows)
    student = campus.students[luis]
    odd = unknown_pdf()
    campus.send(request_mail(student, at(DAY, 10), "Mi documento", "Hola.", (("doc.pdf", odd),)))
    campus.intake(at(DAY, 10))
    [review] = _review_mails(campus)
    assert review.subject.startswith("Revisión #")
    assert "Documento ilegible o desconocido" in review.subject
    [attached] = list(_parsed(review.raw).iter_attachments())
    assert attached.get_content() == odd  # not kept in the store: taken from the mail
    number = review.subject.split("#", 1)[1].split(":", 1)[0]
    assert "ACEPTADA:" not in plain_text(review.raw)  # nothing read to accept

    # A forged staff address settles nothing, even quoting the right review mail.
    _staff_reply(
        campus,
        "SIN SEGURO",
        number=9,
        subject=f"Re: {review.subject}",
        in_reply_to=review.message_id,
        results="dkim=pass header.d=attacker.example; dmarc=fail",
    )
    assert campus.cli("altas", "pending") == "no altas pending\n"
    [refused_forged] = [m for m in campus.outbox() if m.template == "staff_command_result"]
    assert refused_forged.subject.startswith("Comando no aplicado")

    # Matched by the subject's token alone (a client that drops In-Reply-To).
    _staff_reply(campus, "aceptada", number=1, subject=f"RE: Revisión #{number}: x")
    [refused] = [m for m in campus.outbox() if m.template == "review_settled"]
    assert refused.subject == f"Revisión #{number}: no se aplicó ACEPTADA"
    assert "SIN SEGURO, AFILIADA" in unfolded(plain_text(refused.raw))
    assert campus.cli("altas", "pending") == "no altas pending\n"

    listing = campus.cli("review", "list", now=at(DAY, 13))
    header, line = listing.splitlines()
    assert header.split() == [
        "ID",
        "RECEIVED",
        "MATRICULA",
        "OUTCOME",
        "MAILED",
        "SENDER",
        "REASON",
    ]
    assert line.split()[:6] == [number, "2026-09-08", "10:00", luis, "unreadable", "yes"]
    assert header.index("OUTCOME") == line.index("unreadable")  # aligned columns

    out = tmp_path / "doc-out.pdf"
    shown = campus.cli("review", "show", number, "--out", str(out))
    assert "reason:   Documento ilegible o desconocido" in shown
    assert out.read_bytes() == odd
    assert out.stat().st_mode & 0o777 == 0o600

    settled = campus.cli(
        "review", "settle", number, "sin", "seguro", "--note", "Tu constancia está bien."
    )
    assert f"#{number} settled with SIN SEGURO" in settled
    assert luis in campus.cli("altas", "pending")
    [reply] = campus.texts("accepted_not_insured", luis)
    assert "Tu constancia está bien." in reply


def test_a_question_without_a_document_can_only_be_marked_as_attended(campus: Campus) -> None:
    rows = roster_rows(1, seed=43)
    campus.import_roster(rows, at(date(2026, 9, 1), 9), term=TERM)
    [eva] = matriculas(rows)
    student = campus.students[eva]
    campus.send(request_mail(student, at(DAY, 10), "Duda", "¿Hasta cuándo puedo enviarla?"))
    campus.intake(at(DAY, 10))
    [review] = _review_mails(campus)
    text = plain_text(review.raw)
    assert "¿Hasta cuándo puedo enviarla?" in text
    [attached] = list(_parsed(review.raw).iter_attachments())
    assert attached.get_content_type() == "message/rfc822"  # the raw mail, to see it whole
    _staff_reply(
        campus,
        "Revisado\nYa le contesté por teléfono.",
        number=1,
        subject=f"Re: {review.subject}",
        in_reply_to=review.message_id,
    )
    [answer] = [m for m in campus.outbox() if m.template == "review_settled"]
    assert "No se le envió ningún correo al alumno" in plain_text(answer.raw)
    assert [t for _d, t in campus.received()[eva]] == ["no_attachment"]
    assert campus.cli("review", "list", now=at(DAY, 13)) == "nothing to review\n"


def test_the_digest_sends_the_review_mails_missing_exactly_once(campus: Campus) -> None:
    rows = roster_rows(1, seed=44)
    campus.import_roster(rows, at(date(2026, 9, 1), 9), term=TERM)
    [ana] = matriculas(rows)
    pdf = _undated_constancia(campus, ana)
    student = campus.students[ana]
    campus.send(request_mail(student, at(DAY, 10), "Constancia", "Va.", (("c.pdf", pdf),)))
    campus.intake(at(DAY, 10))
    with transaction(campus.app.sessions) as session:  # as if decided before review mails
        for row in session.scalars(select(OutboxRow).where(OutboxRow.template == "review_item")):
            session.delete(row)
    assert _review_mails(campus) == []
    campus.cli("digest", now=at(DAY + timedelta(days=1), 7, 30))
    campus.cli("digest", now=at(DAY + timedelta(days=2), 7, 30))
    [review] = _review_mails(campus)
    assert [a.get_content() for a in _parsed(review.raw).iter_attachments()] == [pdf]


def test_the_daemons_sweep_catches_up_within_minutes(campus: Campus) -> None:
    rows = roster_rows(1, seed=45)
    campus.import_roster(rows, at(date(2026, 9, 1), 9), term=TERM)
    [ana] = matriculas(rows)
    pdf = _undated_constancia(campus, ana)
    student = campus.students[ana]
    campus.send(request_mail(student, at(DAY, 10), "Constancia", "Va.", (("c.pdf", pdf),)))
    campus.intake(at(DAY, 10))
    with transaction(campus.app.sessions) as session:
        for row in session.scalars(select(OutboxRow).where(OutboxRow.template == "review_item")):
            session.delete(row)
    jobs = {job_id: func for job_id, func, _trigger in campus.app.periodic_jobs(time(7, 30))}
    assert jobs["review-mails"](campus.app, at(DAY, 10, 15)) == 1
    assert jobs["review-mails"](campus.app, at(DAY, 10, 30)) == 0
    assert len(_review_mails(campus)) == 1


def test_a_quarantined_mail_reaches_staff_with_the_mail_attached(
    campus: Campus, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    broken = templates / "no_attachment.txt.j2"  # the kind of bug an upgrade fixes
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(
            "{% block subject %}", "{% block subject %}{{ student.matricula.upper() }}", 1
        ),
        encoding="utf-8",
    )
    config = campus.deployment.config_path
    config.write_text(
        f'templates_dir = "{templates}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8"
    )
    campus.app = campus.deployment.app()
    raw = student_mail("Desconocida <nadie@example.com>", attachments=(), subject="Hola")
    campus.send(raw)
    campus.intake(at(DAY, 10))

    [review] = [m for m in campus.outbox() if m.template == "review_quarantined"]
    assert review.recipient == STAFF_ADDRESS
    assert review.subject == "Revisión #C1: correo en cuarentena — nadie@example.com"
    [attached] = list(_parsed(review.raw).iter_attachments())
    assert attached.get_filename() == "cuarentena_1.eml"
    assert "afilia quarantine retry 1" in plain_text(review.raw)
    campus.cli("digest", now=at(DAY, 11))
    assert "Se envió por correo aparte la revisión #C1" in unfolded(campus.digest_text(DAY))
    assert len([m for m in campus.outbox() if m.template == "review_quarantined"]) == 1

    _staff_reply(
        campus, "REVISADO", number=1, subject=f"Re: {review.subject}", in_reply_to=review.message_id
    )
    [answer] = [m for m in campus.outbox() if m.template == "review_settled"]
    assert "afilia quarantine retry 1" in unfolded(plain_text(answer.raw))
    assert "C1" in campus.cli("review", "list", now=at(DAY, 13))  # still waiting for the retry
