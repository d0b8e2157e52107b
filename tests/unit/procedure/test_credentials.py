"""The card's own rules, PAB-24 §4.3-4.5: who is re-stamped, who gets a duplicate, and the
indicator that must not count a duplicate as a second card."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.credentials import reposicion_verdict, resello_verdict
from daemon.domain.digest import Digest, DigestFacts, build_digest, indicators
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import PrintedCredential, StudentCase
from daemon.domain.student import RosterStatus
from tests.unit.procedure.conftest import TERM, continuing

# TERM starts Monday 4 May 2026; 15 business days later is Monday 25 May.
IN_WINDOW, LAST_DAY, AFTER = date(2026, 5, 6), date(2026, 5, 25), date(2026, 5, 26)


def _resello(case: StudentCase, today: date, policy: Policy, calendar: BusinessCalendar):
    return resello_verdict(case, today, calendar=calendar, policy=policy)


# --- resello ----------------------------------------------------------------------------


def test_policy_4_3_a_second_term_student_is_re_stamped_within_the_window(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    for day in (IN_WINDOW, LAST_DAY):
        verdict = _resello(continuing(case), day, policy, calendar)
        assert verdict.allowed, day
        assert verdict.note == "", day


def test_policy_4_3_a_first_term_card_is_new_and_not_re_stamped(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    verdict = _resello(case, IN_WINDOW, policy, calendar)
    assert verdict.refusal == "está en su primer cuatrimestre: su credencial es nueva"


def test_policy_4_5_only_activo_or_estadia_are_re_stamped(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    student = continuing(case).student
    for status, allowed in (
        (RosterStatus.ACTIVO, True),
        (RosterStatus.ESTADIA, True),
        (RosterStatus.BAJA_TEMPORAL, False),
        (RosterStatus.BAJA_DEFINITIVA, False),
    ):
        verdict = _resello(
            replace(case, student=replace(student, status=status)), IN_WINDOW, policy, calendar
        )
        assert verdict.allowed is allowed, status
    on_leave = replace(case, student=replace(student, status=RosterStatus.BAJA_TEMPORAL))
    assert _resello(on_leave, IN_WINDOW, policy, calendar).refusal == (
        "estatus BAJA TEMPORAL: no se resella"
    )


def test_pab_24_step_9_a_re_stamp_after_the_window_is_accepted_as_late(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    verdict = _resello(continuing(case), AFTER, policy, calendar)
    assert verdict.allowed
    assert verdict.note == "fuera de plazo: el periodo de resello terminó el 25/05/2026"


def test_a_re_stamp_before_the_term_starts_cannot_count_for_it(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    verdict = _resello(continuing(case), date(2026, 4, 30), policy, calendar)
    assert verdict.refusal == "el periodo de resello empieza el 04/05/2026"


def test_a_second_re_stamp_in_the_term_is_refused(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    done = replace(continuing(case), resello_done=True)
    assert _resello(done, IN_WINDOW, policy, calendar).refusal == (
        "ya se registró su resello este periodo"
    )


def test_a_semester_school_says_semestre(
    case: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    semestral = replace(policy, procedure=replace(policy.procedure, term_kind="semestre"))
    assert _resello(case, IN_WINDOW, semestral, calendar).refusal == (
        "está en su primer semestre: su credencial es nueva"
    )


# --- reposición -------------------------------------------------------------------------

BATCH = PrintedCredential(1, date(2026, 5, 12), date(2026, 5, 13), date(2026, 5, 15), "")


@pytest.fixture
def delivered(case: StudentCase) -> StudentCase:
    return replace(
        case,
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 5),
        printed=BATCH,
        delivered_on=date(2026, 5, 14),
        first_delivered_on=date(2026, 5, 14),
    )


def test_policy_4_4_a_delivered_card_can_be_replaced(delivered: StudentCase) -> None:
    assert reposicion_verdict(delivered).allowed


def test_policy_4_4_nothing_to_replace_before_the_first_delivery(case: StudentCase) -> None:
    waiting = replace(case, on_file=Outcome.ACCEPTED_NOT_INSURED, printed=BATCH)
    assert reposicion_verdict(waiting).refusal == (
        "aún no se le ha entregado su credencial: no hay nada que reponer"
    )


def test_policy_4_5_no_duplicate_for_a_student_on_leave(delivered: StudentCase) -> None:
    gone = replace(delivered.student, status=RosterStatus.BAJA_DEFINITIVA)
    assert reposicion_verdict(replace(delivered, student=gone)).refusal == (
        "estatus BAJA DEFINITIVA: no se repone la credencial"
    )


def test_policy_4_4_one_duplicate_at_a_time(delivered: StudentCase) -> None:
    paid = replace(delivered, reposicion_on=date(2026, 6, 2), printed=None, delivered_on=None)
    assert paid.in_print_queue
    assert reposicion_verdict(paid).refusal == (
        "ya tiene una reposición en trámite (pago registrado el 02/06/2026)"
    )
    handed_over = replace(paid, printed=BATCH, delivered_on=date(2026, 6, 9))
    assert reposicion_verdict(handed_over).allowed  # lost again: pays again


def test_policy_4_4_a_duplicate_does_not_count_twice_in_the_indicator(
    delivered: StudentCase,
) -> None:
    def figure(case: StudentCase) -> tuple[int, int]:
        first = indicators([case], (TERM,), date(2026, 6, 15))[0]
        return first.delivered, first.with_vigencia

    assert figure(delivered) == (1, 1)
    waiting_duplicate = replace(delivered, reposicion_on=date(2026, 6, 2), delivered_on=None)
    assert figure(waiting_duplicate) == (1, 1)  # the first card was delivered
    duplicate_delivered = replace(waiting_duplicate, delivered_on=date(2026, 6, 9))
    assert figure(duplicate_delivered) == (1, 1)


def test_policy_4_2_a_duplicates_sla_runs_from_the_payment(
    delivered: StudentCase, policy: Policy, calendar: BusinessCalendar
) -> None:
    paid = replace(delivered, reposicion_on=date(2026, 6, 2), printed=None, delivered_on=None)
    facts = DigestFacts(since=None, counts={}, terms=(TERM,))

    def digest(today: date) -> Digest:
        return build_digest([paid], facts, today=today, policy=policy, calendar=calendar)

    assert [line.detail for line in digest(date(2026, 6, 3)).to_print] == ["reposición (duplicado)"]
    assert digest(date(2026, 6, 23)).overdue == ()  # 15 business days after the payment
    [late] = digest(date(2026, 6, 24)).overdue
    assert late.since == date(2026, 6, 2)


def test_policy_4_4_staff_confirm_the_payment_by_mail() -> None:
    from daemon.domain.staff_commands import CommandKind, parse_commands

    parsed = parse_commands("Re: Resumen diario", "Reposición pagada UTE2026001, UTE2026002\n")
    [command] = parsed.commands
    assert command.kind is CommandKind.REPOSICION_PAID
    assert command.matriculas == ("UTE2026001", "UTE2026002")
    [subject] = parse_commands("REPOSICIONES PAGADAS UTE2026003", "").commands
    assert subject.kind is CommandKind.REPOSICION_PAID
