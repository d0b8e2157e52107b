"""Staff commands by email: applied only when our server authenticated the staff address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from daemon.domain.outcomes import Outcome
from daemon.mail.inbound import parse_mail
from daemon.services.staff_commands import handle_staff_mail
from daemon.store.db import transaction
from daemon.store.schema import AuditRow
from tests.integration.procedure.conftest import AUTHSERV, STAFF, School, local

DAY = date(2026, 5, 13)


def _mail(results: str, body: str, number: int = 1) -> bytes:
    return (
        f"Authentication-Results: {results}\r\n"
        f"From: Coordinación <{STAFF}>\r\n"
        "To: servicios.estudiantiles@ute.example.edu.mx\r\n"
        "Subject: Re: Resumen diario\r\n"
        f"Message-ID: <cmd{number}@ute.example.edu.mx>\r\n"
        "Date: Wed, 13 May 2026 10:00:00 -0600\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def _handle(school: School, raw: bytes) -> None:
    app = school.app
    with transaction(app.sessions) as session:
        handle_staff_mail(
            session,
            parse_mail(raw),
            settings=app.settings,
            policy=app.policy,
            renderer=app.renderer,
            now=local(DAY, 10),
        )


def test_paso_5_altas_hechas_then_verificadas_by_staff_mail_notify_the_student_only_then(
    make_school: Callable[..., School],
) -> None:
    school = make_school()
    term_id = school.add_term("2026-2", date(2026, 5, 4), date(2026, 8, 28))
    for m in ("A0001", "A0002"):
        school.add_student(m, term_id=term_id, seen=local(date(2026, 4, 28), 9))
    school.decide("A0001", Outcome.ACCEPTED_NOT_INSURED, local(date(2026, 5, 5), 9))
    results = f"{AUTHSERV}; dkim=pass header.d=ute.example.edu.mx; dmarc=pass"
    _handle(school, _mail(results, "ALTAS HECHAS\nA0001 A0002 X9999"))
    assert {m.template for m in school.mails()} == {"staff_command_result"}
    assert school.cli("altas", "pending") == "no altas pending\n"
    with transaction(school.app.sessions) as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "altas_hechas")).one()
    assert audit.detail["applied"] == ["A0001"]
    assert [r["matricula"] for r in audit.detail["rejected"]] == ["A0002", "X9999"]
    _handle(school, _mail(results, "ALTAS HECHAS\nA0001"))  # the same mail again
    assert len(school.mails()) == 1
    _handle(school, _mail(results, "ALTAS VERIFICADAS A0001 A0002", number=2))
    mails = {(m.template, m.recipient) for m in school.mails()}
    assert mails == {
        ("alta_done", "a0001@alumnos.ute.example.edu.mx"),
        ("staff_command_result", STAFF),
    }
    assert len(school.mails()) == 3


def test_paso_5_an_alta_not_showing_on_the_portal_goes_back_to_the_altas_to_do(
    make_school: Callable[..., School],
) -> None:
    school = make_school()
    term_id = school.add_term("2026-2", date(2026, 5, 4), date(2026, 8, 28))
    school.add_student("A0001", term_id=term_id, seen=local(date(2026, 4, 28), 9))
    school.decide("A0001", Outcome.ACCEPTED_NOT_INSURED, local(date(2026, 5, 5), 9))
    results = f"{AUTHSERV}; dkim=pass header.d=ute.example.edu.mx; dmarc=pass"
    _handle(school, _mail(results, "ALTAS HECHAS A0001"))
    _handle(school, _mail(results, "ALTA NO APARECE A0001", number=2))
    assert "A0001" in school.cli("altas", "pending")
    assert {m.template for m in school.mails()} == {"staff_command_result"}


def test_forged_staff_mail_changes_nothing(make_school: Callable[..., School]) -> None:
    school = make_school()
    term_id = school.add_term("2026-2", date(2026, 5, 4), date(2026, 8, 28))
    school.add_student("A0001", term_id=term_id, seen=local(date(2026, 4, 28), 9))
    school.decide("A0001", Outcome.ACCEPTED_NOT_INSURED, local(date(2026, 5, 5), 9))
    forged = f"{AUTHSERV}; dkim=pass header.d=attacker.example; dmarc=fail"
    _handle(school, _mail(forged, "ALTAS HECHAS\nA0001"))
    assert [m.template for m in school.mails()] == ["staff_command_result"]
    assert "A0001" in school.cli("altas", "pending")


def test_paso_7_pickup_dates_given_backwards_are_refused_not_swapped(
    make_school: Callable[..., School],
) -> None:
    """A typo in the dates must not announce a pickup window nobody chose."""
    school = make_school()
    term_id = school.add_term("2026-2", date(2026, 5, 4), date(2026, 8, 28))
    school.add_student("A0001", term_id=term_id, seen=local(date(2026, 4, 28), 9))
    school.decide("A0001", Outcome.WAIVER_RECEIVED, local(date(2026, 5, 5), 9))
    said = school.cli(
        "credenciales", "printed", "--all", "--from", "2026-05-20", "--until", "2026-05-15",
        "--now", "2026-05-12T10:00",
    )  # fmt: skip
    assert "0 applied, 1 rejected" in said
    assert "la entrega empieza (20/05/2026) después de terminar (15/05/2026)" in said
    assert "imprimir  A0001" in school.cli("credenciales", "pending")
