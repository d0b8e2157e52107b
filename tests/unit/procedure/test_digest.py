from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.digest import DigestFacts, OverdueKind, build_digest, movements_csv
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import Alta, PrintedCredential, StudentCase
from daemon.domain.student import RosterStatus
from tests.unit.procedure.conftest import TERM

FACTS = DigestFacts(since=None, counts={"accepted_not_insured": 2}, terms=(TERM,))


def _digest(cases: list[StudentCase], today: date, policy: Policy, facts: DigestFacts = FACTS):
    return build_digest(cases, facts, today=today, policy=policy, calendar=BusinessCalendar())


def test_pending_alta_is_listed_and_becomes_a_salida_no_conforme_after_15_days(
    case: StudentCase, policy: Policy
) -> None:
    pending = replace(
        case,
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 5),
        alta_requested_on=date(2026, 5, 5),
    )
    early = _digest([pending], date(2026, 5, 20), policy)
    assert [line.matricula for line in early.altas] == [case.matricula]
    assert early.overdue == ()
    late = _digest([pending], date(2026, 5, 27), policy)
    alta_overdue = [o for o in late.overdue if o.kind is OverdueKind.ALTA]
    assert alta_overdue[0].business_days == 16
    assert alta_overdue[0].corrective_action == "Realizar el alta de manera inmediata"


def test_print_queue_then_delivery_list_then_indicator(case: StudentCase, policy: Policy) -> None:
    accepted = replace(case, on_file=Outcome.ACCEPTED_INSURED_HERE, on_file_on=date(2026, 5, 6))
    assert [line.matricula for line in _digest([accepted], date(2026, 5, 7), policy).to_print]
    printed = replace(
        accepted,
        printed=PrintedCredential(1, date(2026, 5, 12), date(2026, 5, 13), date(2026, 5, 15), ""),
    )
    digest = _digest([printed], date(2026, 5, 13), policy)
    assert digest.to_print == ()
    assert digest.to_deliver[0].detail == "entrega 13/05 al 15/05"
    delivered = replace(printed, delivered_on=date(2026, 5, 14))
    digest = _digest([delivered], date(2026, 5, 15), policy)
    assert digest.to_deliver == ()
    assert [(i.label, i.delivered, i.with_vigencia, i.percent) for i in digest.indicators] == [
        ("2026-2", 1, 1, 100.0),
        ("Año 2026", 1, 1, 100.0),
    ]


def test_undelivered_credential_after_15_business_days_is_overdue(
    case: StudentCase, policy: Policy
) -> None:
    accepted = replace(case, on_file=Outcome.WAIVER_RECEIVED, on_file_on=date(2026, 5, 4))
    digest = _digest([accepted], date(2026, 5, 26), policy)
    (overdue,) = digest.overdue
    assert overdue.kind is OverdueKind.CREDENTIAL
    assert overdue.corrective_action == "Entregar la credencial en máximo 2 días hábiles"


def test_insured_student_on_leave_goes_on_the_baja_list_until_done(
    case: StudentCase, policy: Policy
) -> None:
    alta = Alta(1, datetime(2026, 5, 8, tzinfo=UTC))
    on_leave = replace(
        case,
        student=replace(case.student, status=RosterStatus.BAJA_TEMPORAL),
        alta=alta,
        insured_here=True,
    )
    assert [b.detail for b in _digest([on_leave], date(2026, 6, 1), policy).bajas] == [
        "BAJA TEMPORAL"
    ]
    done = replace(on_leave, baja_done_at=datetime(2026, 6, 2, tzinfo=UTC))
    assert _digest([done], date(2026, 6, 3), policy).bajas == ()


def test_staff_are_reminded_of_the_leave_list_20_business_days_after_term_start(
    policy: Policy,
) -> None:
    due = BusinessCalendar().add(TERM.starts_on, 20)
    assert _digest([], due, policy).bajas_list_due == due
    imported = replace(FACTS, roster_imported_on=due)
    assert _digest([], due, policy, imported).bajas_list_due is None


def test_students_past_the_deadline_without_a_document_are_listed(
    case: StudentCase, policy: Policy
) -> None:
    assert _digest([case], date(2026, 5, 18), policy).no_document == ()
    assert [x.matricula for x in _digest([case], date(2026, 5, 19), policy).no_document] == [
        case.matricula
    ]


def test_imss_csv_is_uppercase_without_accents(case: StudentCase) -> None:
    with_nss = replace(case, nss="12345678903")
    text = movements_csv([with_nss], [case.matricula]).decode()
    assert text.splitlines()[1] == (
        "12345678903,GOMA050317MDFNRNA1,GOMEZ,NUNEZ,ANA MARIA,UTE2026001,"
        "TSU EN TECNOLOGIAS DE LA INFORMACION"
    )
