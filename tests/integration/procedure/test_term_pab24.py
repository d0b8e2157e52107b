"""One cuatrimestre (1 Sep – 18 Dec 2026) through the reference profile, read against the
text of PAB-24 item by item: each test quotes the paso, policy or section it checks.

The term runs once (module fixture) through the real doors: ``afilia roster import``, real
PDFs read by ``run --once``, staff commands by CLI, the reminder sweep at 9:00 and 15:00,
and the digest at 7:30 on the days listed. Days counted in business days (días hábiles):
1/09 is the term start, 16/09 a federal holiday, so the 15th business day is 23/09 and the
20th is 30/09.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from daemon.domain.student import RosterStatus
from tests.fixtures.documents import (
    ConstanciaTruth,
    constancia_pdf,
    insured_here,
    registered_elsewhere,
    unknown_pdf,
)
from tests.integration.procedure.campus import (
    Campus,
    Event,
    at,
    constancia_mail,
    constancia_truth,
    matriculas,
    renuncia_mail,
    request_mail,
    roster_rows,
    unfolded,
    with_status,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

D = date
TERM, START, END = "2026-SEP-DIC", D(2026, 9, 1), D(2026, 12, 18)
LAST_DAY = D(2026, 10, 2)  # the procedure's first month holds every step checked here

_rows = iter(range(0, 1000, 10))


def _group(count: int, **kwargs: object) -> list[dict[str, str]]:
    return roster_rows(count, seed=24, first=next(_rows), **kwargs)  # type: ignore[arg-type]


ALTA_IN_TIME = _group(4)  # constancia 2/09, alta 7/09, seen on the portal 8/09
ALTA_LATE = _group(3)  # constancias 2/09, 10/09, 17/09: nobody registers them
INSURED_HERE = _group(3)  # a constancia with our registro: card, no alta
NOT_PRINTED = _group(1)  # insured here, left out of the print batch
WAIVED = _group(2)
TOO_OLD = _group(1)
ELSEWHERE = _group(1)
SILENT = _group(2)
RETURNING = _group(5, new_entry=False, term_number=4)
RETURNING_WITH_CONSTANCIA = _group(1, new_entry=False, term_number=4)
UNREADABLE = _group(1)
ROSTER = (
    ALTA_IN_TIME + ALTA_LATE + INSURED_HERE + NOT_PRINTED + WAIVED + TOO_OLD + ELSEWHERE
    + SILENT + RETURNING + RETURNING_WITH_CONSTANCIA + UNREADABLE
)  # fmt: skip
ON_LEAVE, WITHDRAWN = ALTA_IN_TIME[0], ALTA_IN_TIME[1]  # Control Escolar's list of 30/09
DIGESTS = (
    D(2026, 8, 26), D(2026, 9, 1), D(2026, 9, 8), D(2026, 9, 9), D(2026, 9, 15),
    D(2026, 9, 23), D(2026, 9, 24), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 1),
)  # fmt: skip


@dataclass
class Term:
    campus: Campus
    cli_output: dict[str, str] = field(default_factory=dict)

    def digest(self, day: date) -> str:
        return unfolded(self.campus.digest_text(day))

    def mails(self, group: list[dict[str, str]]) -> dict[str, list[tuple[date, str]]]:
        received = self.campus.received()
        return {m: received.get(m, []) for m in matriculas(group)}


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Term]:
    campus = Campus.open(tmp_path_factory.mktemp("pab24") / "afilia", "ut-cuatrimestral")
    walked = Term(campus)
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.run(D(2026, 8, 24), LAST_DAY, _events(walked), digests=DIGESTS)
    yield walked
    campus.close()


def _events(term: Term) -> list[Event]:
    campus = term.campus

    def send(day: date, hour: int, minute: int, mails: object) -> Event:
        moment = at(day, hour, minute)

        def run() -> None:
            for raw in mails(moment):  # type: ignore[operator]
                campus.send(raw)
            campus.intake(moment)

        return moment, run

    def student(row: dict[str, str]):
        return campus.students[row["Matrícula"]]

    def constancias(rows: list[dict[str, str]], base: ConstanciaTruth | None = None):
        return lambda now: [constancia_mail(student(row), now, base) for row in rows]

    def old_constancia(now):
        someone = student(TOO_OLD[0])
        issued = now.date() - timedelta(days=7)
        pdf = constancia_pdf(constancia_truth(someone, issued, ConstanciaTruth()))
        return [request_mail(someone, now, "Constancia", "Envío mi constancia.", (("c.pdf", pdf),))]

    def unreadable(now):
        who = student(UNREADABLE[0])
        return [request_mail(who, now, "Constancia", "Adjunto.", (("doc.pdf", unknown_pdf()),))]

    def capture(name: str, *args: str) -> Event:
        moment = at(D(2026, 9, 29), 12)

        def run() -> None:
            term.cli_output[name] = campus.cli(*args)

        return moment, run

    print_batch = ALTA_IN_TIME + INSURED_HERE + WAIVED
    return [
        (
            at(D(2026, 8, 28), 10),
            lambda: campus.import_roster(ROSTER, at(D(2026, 8, 28), 10), term=TERM),
        ),
        send(D(2026, 9, 2), 10, 0, constancias(ALTA_IN_TIME + ALTA_LATE[:1])),
        send(D(2026, 9, 3), 10, 0, constancias(INSURED_HERE + NOT_PRINTED, insured_here())),
        send(D(2026, 9, 3), 11, 0, lambda now: [renuncia_mail(student(r), now) for r in WAIVED]),
        send(D(2026, 9, 3), 12, 0, old_constancia),
        send(D(2026, 9, 3), 13, 0, constancias(ELSEWHERE, registered_elsewhere())),
        send(D(2026, 9, 4), 10, 0, constancias(RETURNING_WITH_CONSTANCIA)),
        campus.act(at(D(2026, 9, 7), 12), "altas", "done", file_of=matriculas(ALTA_IN_TIME)),
        campus.act(at(D(2026, 9, 8), 12), "altas", "verified", file_of=matriculas(ALTA_IN_TIME)),
        send(D(2026, 9, 10), 10, 0, constancias(ALTA_LATE[1:2])),
        campus.act(
            at(D(2026, 9, 11), 12),
            "credenciales",
            "printed",
            "--from",
            "2026-09-14",
            "--until",
            "2026-09-18",
            "--place",
            "Ventanilla 2",
            *matriculas(print_batch),
        ),
        send(D(2026, 9, 14), 12, 59, unreadable),
        campus.act(
            at(D(2026, 9, 15), 12), "credenciales", "delivered", *matriculas(print_batch[:3])
        ),
        send(D(2026, 9, 17), 10, 0, constancias(ALTA_LATE[2:])),
        campus.act(at(D(2026, 9, 17), 12), "credenciales", "resellada", *matriculas(RETURNING[:2])),
        capture("altas", "altas", "pending", "--csv"),
        capture("bajas_before", "bajas", "pending"),
        (
            at(D(2026, 9, 30), 10),
            lambda: campus.import_roster(
                with_status([ON_LEAVE], RosterStatus.BAJA_TEMPORAL)
                + with_status([WITHDRAWN], RosterStatus.BAJA_DEFINITIVA),
                at(D(2026, 9, 30), 10),
            ),
        ),
        (
            at(D(2026, 10, 1), 12),
            lambda: term.cli_output.update(bajas=campus.cli("bajas", "pending")),
        ),
    ]


def test_paso_1_staff_are_told_to_ask_control_escolar_for_the_roster_before_the_term(
    term: Term,
) -> None:
    assert "PIDE A CONTROL ESCOLAR LA BASE DE DATOS DEL ALUMNADO INSCRITO en 2026-SEP-DIC" in (
        term.digest(D(2026, 8, 26))
    )
    assert "BASE DE DATOS DEL ALUMNADO" not in term.digest(D(2026, 9, 1))


def test_paso_2_new_students_are_asked_for_the_constancia_of_at_most_five_days(
    term: Term,
) -> None:
    [asked] = term.campus.texts("request_constancia", matriculas(SILENT)[0])
    assert "máximo 5 días" in unfolded(asked)
    silent = term.mails(SILENT)
    assert all(mails[0] == (START, "request_constancia") for mails in silent.values())
    assert (D(2026, 9, 3), "too_old") in term.mails(TOO_OLD)[matriculas(TOO_OLD)[0]]


def test_paso_3_a_signed_waiver_is_on_file(term: Term) -> None:
    for mails in term.mails(WAIVED).values():
        assert (D(2026, 9, 3), "waiver_received") in mails


def test_paso_4_not_insured_go_on_the_alta_list_vigente_elsewhere_is_told_to_leave_there(
    term: Term,
) -> None:
    pending = term.digest(D(2026, 9, 8)).split("ALTAS POR REALIZAR EN EL IMSS (2)")[1]
    pending = pending.split("BAJAS POR REALIZAR")[0]
    for matricula in matriculas(ALTA_LATE[:1] + RETURNING_WITH_CONSTANCIA):
        assert matricula in pending
    [elsewhere] = term.mails(ELSEWHERE).values()
    assert (D(2026, 9, 3), "registered_elsewhere") in elsewhere


def test_paso_5_the_student_hears_of_the_alta_only_after_staff_saw_it_on_the_portal(
    term: Term,
) -> None:
    """ "Después de 24 horas de realizada la afiliación, verifica el estatus en el portal
    del IMSS e informa al alumnado"."""
    for mails in term.mails(ALTA_IN_TIME[2:]).values():
        assert (D(2026, 9, 8), "alta_done") in mails
        assert (D(2026, 9, 9), "carnet_reminder") in mails
        assert not any(day == D(2026, 9, 7) for day, _ in mails)
    registered = term.digest(D(2026, 9, 8))
    assert "ALTAS POR VERIFICAR EN EL PORTAL DEL IMSS (4)" in registered
    assert "ALTAS POR VERIFICAR" not in term.digest(D(2026, 9, 9))


def test_paso_5_the_carnet_is_asked_for_on_a_business_day_not_within_a_deadline(
    term: Term,
) -> None:
    [notice] = term.campus.texts("alta_done", matriculas(ALTA_IN_TIME)[2])
    text = unfolded(notice)
    assert "ya verificamos en el portal del IMSS que tu alta está vigente" in text
    assert "en un día hábil" in text
    assert "a más tardar" not in text


def test_paso_7_printed_credentials_are_announced_with_their_dates(term: Term) -> None:
    [notice] = term.campus.texts("credential_pickup", matriculas(WAIVED)[0])
    assert "Ventanilla 2" in notice
    assert "del lunes 14 de septiembre al viernes 18 de septiembre" in unfolded(notice)


def test_politica_4_1_a_returning_student_gets_the_resello_not_a_new_card(term: Term) -> None:
    [mails] = term.mails(RETURNING_WITH_CONSTANCIA).values()
    templates = [template for _day, template in mails]
    assert "resello" in templates
    assert "credential_pickup" not in templates
    assert (
        matriculas(RETURNING_WITH_CONSTANCIA)[0]
        not in term.digest(D(2026, 9, 9))
        .split("CREDENCIALES POR IMPRIMIR")[1]
        .split("CREDENCIALES POR ENTREGAR")[0]
    )
    returner = matriculas(RETURNING_WITH_CONSTANCIA)[0]
    late = [line for line in _overdue(term, D(2026, 9, 24)).split("- ") if returner in line]
    assert [line.split(": ")[1].split(",")[0] for line in late] == ["Alta en el IMSS"]


def test_paso_9_returning_students_are_reminded_to_restamp_until_they_do(term: Term) -> None:
    restamped, pending = RETURNING[:2], RETURNING[2:]
    for mails in term.mails(restamped).values():
        assert mails == [(START, "resello")]
    for mails in term.mails(pending).values():
        assert [t for _d, t in mails] == ["resello", "resello_reminder"]


def test_seccion_8_an_alta_not_done_in_15_business_days_is_a_salida_no_conforme_on_the_16th(
    term: Term,
) -> None:
    """ "Realizar el alta del alumnado en el IMSS en un periodo máximo de 15 días hábiles de
    haber iniciado el cuatrimestre": the same day for all, whenever their constancia came."""
    late = set(matriculas(ALTA_LATE))
    assert not late & set(_overdue(term, D(2026, 9, 23)))
    on_the_16th = term.digest(D(2026, 9, 24))
    for matricula in late:
        assert f"{matricula} " in _overdue(term, D(2026, 9, 24))
    assert (
        "Alta en el IMSS, 16 días hábiles desde el 01/09/2026 (plazo: 15, vencía el 23/09/2026)"
        in (on_the_16th)
    )
    assert "Acción correctiva: Realizar el alta de manera inmediata" in on_the_16th


def test_seccion_8_a_card_not_delivered_in_time_must_be_within_two_days_of_the_notice(
    term: Term,
) -> None:
    """ "Entregar máximo dos días después de haber sido notificada la no entrega"."""
    overdue = _overdue(term, D(2026, 9, 24))
    [line] = [line for line in overdue.split("- ") if matriculas(NOT_PRINTED)[0] in line]
    assert "credencial" in line
    assert "Entregar a más tardar el 28/09/2026" in line
    later = _overdue(term, D(2026, 9, 29))
    assert "Entregar a más tardar el 28/09/2026 (acción correctiva vencida)" in later


def test_paso_7_a_card_offered_in_time_and_not_collected_is_not_a_salida_no_conforme(
    term: Term,
) -> None:
    uncollected = matriculas(WAIVED)[1]
    assert uncollected not in _overdue(term, D(2026, 9, 24))
    digest = term.digest(D(2026, 9, 24))
    assert "CREDENCIALES NO RECOGIDAS: TERMINÓ SU PERIODO DE ENTREGA" in digest
    assert "no la recogió; entrega del 14/09 al 18/09" in digest


def test_paso_10_staff_are_reminded_of_the_leave_list_20_business_days_in(term: Term) -> None:
    assert "debía llegar el 30 de septiembre de 2026" in term.digest(D(2026, 9, 30))
    assert "lista de bajas temporales" not in term.digest(D(2026, 10, 1))


def test_paso_11_only_the_baja_definitiva_is_deregistered(term: Term) -> None:
    """ "Realiza las bajas definitivas en el portal del IMSS": a baja temporal keeps it."""
    assert term.cli_output["bajas_before"] == "no bajas pending\n"
    after = term.digest(D(2026, 10, 1))
    assert "BAJAS POR REALIZAR EN EL IMSS (1)" in after
    assert WITHDRAWN["Matrícula"] in term.cli_output["bajas"]
    assert ON_LEAVE["Matrícula"] not in term.cli_output["bajas"]


def test_the_alta_list_and_its_csv_come_from_the_same_students_as_the_digest(term: Term) -> None:
    listed = {line.split(",")[5] for line in term.cli_output["altas"].splitlines()[1:]}
    assert listed == set(matriculas(ALTA_LATE + RETURNING_WITH_CONSTANCIA))
    digest = term.digest(D(2026, 9, 29))
    assert "ALTAS POR REALIZAR EN EL IMSS (4)" in digest


def test_times_staff_read_in_the_digest_are_the_schools_local_time(term: Term) -> None:
    """The unreadable document came at 12:59 in Mexico City (18:59 UTC)."""
    digest = term.digest(D(2026, 9, 15))
    assert "14/09/2026 12:59 h" in digest
    assert "18:59" not in digest
    assert "con lo recibido desde el 9 de septiembre de 2026, 07:30 h" in digest


def test_staff_read_the_reasons_in_spanish(term: Term) -> None:
    digest = term.digest(D(2026, 9, 15))
    assert "tiene texto, pero no es un documento que conozcamos" in digest
    assert "detalle técnico" not in digest


def _overdue(term: Term, day: date) -> str:
    digest = term.digest(day)
    return digest.split("SALIDAS NO CONFORMES")[1].split("POR REVISAR")[0]


def test_each_salida_no_conforme_is_a_line_of_its_own(term: Term) -> None:
    text = term.campus.digest_text(D(2026, 9, 24))
    section = text.split("SALIDAS NO CONFORMES (8)")[1].split("SIN DOCUMENTO")[0]
    lines = [line for line in section.splitlines() if line.strip()]
    assert len(lines) == 8
    assert all(line.startswith("- UTE") and line.count("UTE") == 1 for line in lines)
