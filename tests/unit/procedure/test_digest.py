from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.digest import DigestFacts, OverdueKind, build_digest, movements_csv
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy, School
from daemon.domain.procedure_state import Alta, PrintedCredential, StudentCase, Term
from daemon.domain.student import RosterStatus
from daemon.rules_profile import load_profile
from tests.conftest import REPO
from tests.unit.procedure.conftest import TERM, continuing

FACTS = DigestFacts(since=None, counts={"accepted_not_insured": 2}, terms=(TERM,))


def _digest(cases: list[StudentCase], today: date, policy: Policy, facts: DigestFacts = FACTS):
    return build_digest(cases, facts, today=today, policy=policy, calendar=BusinessCalendar())


def test_seccion_8_alta_clock_starts_at_term_start_and_breaches_on_the_16th_business_day(
    case: StudentCase, policy: Policy
) -> None:
    """ "Realizar el alta ... en un periodo máximo de 15 días hábiles de haber iniciado el
    cuatrimestre": the term starts on 4/05, the 15th business day is 25/05, so every pending
    alta is a salida no conforme on 26/05 whatever day its constancia came."""
    pending = [
        replace(
            case,
            student=replace(case.student, matricula=f"UTE20260{n}"),
            on_file=Outcome.ACCEPTED_NOT_INSURED,
            on_file_on=received,
            alta_requested_on=received,
        )
        for n, received in enumerate((date(2026, 5, 5), date(2026, 5, 12), date(2026, 5, 20)))
    ]
    on_the_15th = _digest(pending, date(2026, 5, 25), policy)
    assert len(on_the_15th.altas) == 3
    assert on_the_15th.overdue == ()
    on_the_16th = _digest(pending, date(2026, 5, 26), policy)
    late = [o for o in on_the_16th.overdue if o.kind is OverdueKind.ALTA]
    assert [(o.since, o.due, o.business_days) for o in late] == [
        (date(2026, 5, 4), date(2026, 5, 25), 16)
    ] * 3
    assert {o.corrective_action for o in late} == {"Realizar el alta de manera inmediata"}


def test_seccion_8_a_late_enrolment_has_its_own_alta_clock(
    case: StudentCase, policy: Policy
) -> None:
    late_enrolment = replace(
        case,
        first_seen_on=date(2026, 5, 18),
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 19),
        alta_requested_on=date(2026, 5, 19),
    )
    assert _digest([late_enrolment], date(2026, 5, 26), policy).overdue == ()
    overdue = _digest([late_enrolment], date(2026, 6, 9), policy).overdue
    (late,) = [o for o in overdue if o.kind is OverdueKind.ALTA]
    assert (late.since, late.due) == (date(2026, 5, 18), date(2026, 6, 8))


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


def test_seccion_8_undelivered_credential_is_a_salida_no_conforme_with_two_days_to_correct(
    case: StudentCase, policy: Policy
) -> None:
    """ "Entregar máximo dos días después de haber sido notificada la no entrega": the miss
    is reported by the digest of 26/05 (the day after the 15th business day), so the card
    is due by 28/05; after that the corrective action itself is overdue."""
    accepted = replace(case, on_file=Outcome.WAIVER_RECEIVED, on_file_on=date(2026, 5, 6))
    assert _digest([accepted], date(2026, 5, 25), policy).overdue == ()
    (overdue,) = _digest([accepted], date(2026, 5, 26), policy).overdue
    assert overdue.kind is OverdueKind.CREDENTIAL
    assert (overdue.since, overdue.due, overdue.corrective_due) == (
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 5, 28),
    )
    assert overdue.corrective_action == "Entregar a más tardar el 28/05/2026"
    (still,) = _digest([accepted], date(2026, 5, 29), policy).overdue
    assert (
        still.corrective_action == "Entregar a más tardar el 28/05/2026 (acción correctiva vencida)"
    )


def test_seccion_8_a_constancia_after_the_deadline_gets_policy_4_2_fifteen_days_from_it(
    case: StudentCase, policy: Policy
) -> None:
    """Section 8 holds "siempre y cuando el alumno haya entregado la vigencia de derechos":
    sent on 27/05, after the term's deadline, the card is due 15 business days later
    (política 4.2)."""
    late = replace(case, on_file=Outcome.ACCEPTED_INSURED_HERE, on_file_on=date(2026, 5, 27))
    assert _digest([late], date(2026, 6, 17), policy).overdue == ()
    (overdue,) = _digest([late], date(2026, 6, 18), policy).overdue
    assert overdue.due == date(2026, 6, 17)
    assert overdue.late_document


def test_paso_7_a_card_printed_in_time_and_never_collected_is_not_a_salida_no_conforme(
    case: StudentCase, policy: Policy
) -> None:
    printed = replace(
        case,
        on_file=Outcome.ACCEPTED_INSURED_HERE,
        on_file_on=date(2026, 5, 6),
        printed=PrintedCredential(1, date(2026, 5, 12), date(2026, 5, 13), date(2026, 5, 15), ""),
    )
    during = _digest([printed], date(2026, 5, 14), policy)
    assert [line.matricula for line in during.to_deliver] == [case.matricula]
    after = _digest([printed], date(2026, 6, 1), policy)
    assert after.to_deliver == ()
    assert [line.detail for line in after.uncollected] == [
        "no la recogió; entrega del 13/05 al 15/05"
    ]
    assert after.overdue == ()


def test_politica_4_1_a_returning_student_who_sends_a_constancia_gets_no_new_card(
    case: StudentCase, policy: Policy
) -> None:
    returning = replace(
        continuing(case), on_file=Outcome.ACCEPTED_INSURED_HERE, on_file_on=date(2026, 5, 6)
    )
    digest = _digest([returning], date(2026, 6, 1), policy)
    assert digest.to_print == ()
    assert digest.overdue == ()


def test_paso_11_only_bajas_definitivas_are_deregistered_a_baja_temporal_keeps_coverage(
    case: StudentCase, policy: Policy
) -> None:
    """PAB-24 paso 11: "Realiza las bajas definitivas en el portal del IMSS"."""
    insured = replace(case, alta=Alta(1, datetime(2026, 5, 8, tzinfo=UTC)), insured_here=True)
    on_leave = replace(insured, student=replace(case.student, status=RosterStatus.BAJA_TEMPORAL))
    assert _digest([on_leave], date(2026, 6, 1), policy).bajas == ()
    withdrawn = replace(insured, student=replace(case.student, status=RosterStatus.BAJA_DEFINITIVA))
    assert [b.detail for b in _digest([withdrawn], date(2026, 6, 1), policy).bajas] == [
        "BAJA DEFINITIVA"
    ]
    done = replace(withdrawn, baja_done_at=datetime(2026, 6, 2, tzinfo=UTC))
    assert _digest([done], date(2026, 6, 3), policy).bajas == ()


def test_seed_004_a_high_school_ends_the_coverage_at_a_baja_temporal(
    case: StudentCase, school: School
) -> None:
    """Seed 004: the right lasts "hasta concluir ... o cuando cause baja temporal o
    definitiva"."""
    high_school = load_profile(REPO / "rules" / "bachillerato.toml", school)
    on_leave = replace(
        case,
        student=replace(case.student, status=RosterStatus.BAJA_TEMPORAL),
        alta=Alta(1, datetime(2026, 5, 8, tzinfo=UTC)),
        insured_here=True,
    )
    assert [b.detail for b in _digest([on_leave], date(2026, 6, 1), high_school).bajas] == [
        "BAJA TEMPORAL"
    ]


def test_a_withdrawn_student_is_on_no_alta_list(case: StudentCase, policy: Policy) -> None:
    """The digest, ``altas pending`` and its CSV read the same property."""
    withdrawn = replace(
        case,
        student=replace(case.student, status=RosterStatus.BAJA_DEFINITIVA),
        on_file=Outcome.ACCEPTED_NOT_INSURED,
        on_file_on=date(2026, 5, 6),
        alta_requested_on=date(2026, 5, 6),
    )
    assert not withdrawn.alta_pending
    assert _digest([withdrawn], date(2026, 5, 7), policy).altas == ()


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


def test_paso_1_staff_are_asked_to_request_the_roster_until_a_term_has_students(
    case: StudentCase, policy: Policy
) -> None:
    """PAB-24 paso 1: "Solicita a Control Escolar la base de datos del alumnado inscrito al
    inicio del cuatrimestre", from a week before the term until its roster is imported."""
    autumn = Term(id=8, name="2026-3", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 18))
    facts = replace(FACTS, terms=(TERM, autumn))
    assert _digest([case], date(2026, 8, 21), policy, facts).roster_due is None
    assert _digest([case], date(2026, 8, 25), policy, facts).roster_due == autumn
    assert _digest([case], date(2026, 9, 3), policy, facts).roster_due == autumn
    moved_on = replace(case, term=autumn)
    assert _digest([moved_on], date(2026, 9, 3), policy, facts).roster_due is None
