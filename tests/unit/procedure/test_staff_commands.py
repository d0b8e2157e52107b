from __future__ import annotations

from datetime import date

from daemon.domain.staff_commands import CommandKind, is_authenticated_staff, parse_commands

STAFF = ("coordinacion@ute.example.edu.mx",)
OURS = "mx.ute.example.edu.mx"


def test_altas_hechas_with_matriculas_in_the_body() -> None:
    parsed = parse_commands("Re: Resumen diario", "ALTAS HECHAS\nUTE2026001, ute2026002\n")
    (command,) = parsed.commands
    assert command.kind is CommandKind.ALTAS_DONE
    assert command.matriculas == ("UTE2026001", "UTE2026002")
    assert command.problems == ()


def test_altas_hechas_with_a_csv_attached() -> None:
    csv_text = "Nombre,Matrícula\nAna,UTE2026001\nLuis,UTE2026002\n"
    parsed = parse_commands("Altas hechas", "", [("altas.csv", csv_text)])
    assert parsed.commands[0].matriculas == ("UTE2026001", "UTE2026002")


def test_credenciales_impresas_with_pickup_dates_and_place() -> None:
    body = (
        "Credenciales impresas\n"
        "Entrega: 11/05/2026 al 15/05/2026\n"
        "Lugar: Ventanilla de Servicios Estudiantiles, edificio A\n"
        "TODAS\n"
    )
    (command,) = parse_commands("", body).commands
    assert command.kind is CommandKind.CREDENTIALS_PRINTED
    assert command.whole_queue
    assert (command.pickup_from, command.pickup_until) == (date(2026, 5, 11), date(2026, 5, 15))
    assert command.place == "Ventanilla de Servicios Estudiantiles, edificio A"


def test_credenciales_impresas_without_dates_is_refused() -> None:
    (command,) = parse_commands("", "CREDENCIALES IMPRESAS\nUTE2026001").commands
    assert command.problems


def test_several_commands_and_quoted_digest_text_is_ignored() -> None:
    body = (
        "ENTREGADA UTE2026003\n"
        "BAJAS HECHAS UTE2025100\n"
        "> ALTAS HECHAS UTE2026009\n"
        "El lun, 4 may 2026 a las 7:30, afilia escribió:\n"
        "ALTAS HECHAS UTE2026010\n"
    )
    commands = parse_commands("", body).commands
    assert [(c.kind, c.matriculas) for c in commands] == [
        (CommandKind.DELIVERED, ("UTE2026003",)),
        (CommandKind.BAJAS_DONE, ("UTE2025100",)),
    ]


def test_text_that_is_no_command_is_reported_but_not_the_subject() -> None:
    parsed = parse_commands("Hola", "¿Cuándo imprimen?")
    assert parsed.commands == ()
    assert parsed.unknown_lines == ("¿CUANDO IMPRIMEN?",)


def test_a_subject_that_is_a_command_still_counts() -> None:
    (command,) = parse_commands("Re: Altas hechas UTE2026001", "").commands
    assert (command.kind, command.matriculas) == (CommandKind.ALTAS_DONE, ("UTE2026001",))


def _results(*clauses: str, authserv: str = OURS) -> tuple[str, ...]:
    return (f"{authserv}; " + "; ".join(clauses),)


def test_staff_with_aligned_dkim_pass_is_trusted() -> None:
    headers = _results("dkim=pass (2048-bit key) header.d=ute.example.edu.mx", "spf=fail")
    assert is_authenticated_staff(STAFF[0], headers, staff_addresses=STAFF, authserv_id=OURS)


def test_staff_with_dmarc_pass_is_trusted() -> None:
    headers = _results("dmarc=pass (p=reject) header.from=ute.example.edu.mx")
    assert is_authenticated_staff(
        "Coordinacion@UTE.example.edu.mx", headers, staff_addresses=STAFF, authserv_id=OURS
    )


def test_dkim_of_another_domain_does_not_vouch_for_a_forged_from() -> None:
    headers = _results("dkim=pass header.d=attacker.example", "dmarc=fail")
    assert not is_authenticated_staff(STAFF[0], headers, staff_addresses=STAFF, authserv_id=OURS)


def test_results_from_another_server_are_not_ours() -> None:
    headers = _results("dkim=pass header.d=ute.example.edu.mx", authserv="mx.attacker.example")
    assert not is_authenticated_staff(STAFF[0], headers, staff_addresses=STAFF, authserv_id=OURS)


def test_only_the_topmost_header_of_our_server_counts() -> None:
    ours_top = f"{OURS}; dkim=fail header.d=ute.example.edu.mx; dmarc=fail"
    forged_below = f"{OURS}; dkim=pass header.d=ute.example.edu.mx"
    assert not is_authenticated_staff(
        STAFF[0], (ours_top, forged_below), staff_addresses=STAFF, authserv_id=OURS
    )


def test_a_student_address_is_never_staff_even_authenticated() -> None:
    headers = _results("dmarc=pass header.from=alumnos.ute.example.edu.mx")
    student = "ana.gomez@alumnos.ute.example.edu.mx"
    assert not is_authenticated_staff(student, headers, staff_addresses=STAFF, authserv_id=OURS)


def test_no_authserv_id_configured_trusts_nobody() -> None:
    headers = _results("dmarc=pass header.from=ute.example.edu.mx")
    assert not is_authenticated_staff(STAFF[0], headers, staff_addresses=STAFF, authserv_id="")


def test_revisado_takes_matriculas_and_the_addresses_of_senders_not_on_the_roster() -> None:
    parsed = parse_commands("", "REVISADOS\nUTE2026001, juan123@gmail.com\nAna.Gomez@Example.COM")
    [command] = parsed.commands
    assert command.kind is CommandKind.REVIEWED
    assert command.matriculas == ("UTE2026001",)
    assert command.addresses == ("juan123@gmail.com", "ana.gomez@example.com")
    assert command.problems == ()


def test_paso_12_accion_correctiva_keeps_what_staff_wrote() -> None:
    body = (
        "Acción correctiva UTE2026001: se dio de alta el 25/09, con oficio.\n"
        "Se avisó al alumno.\n"
        "\n"
        "Saludos,\nJefa de Servicios"
    )
    parsed = parse_commands("Re: Resumen diario", body)
    (command,) = parsed.commands
    assert command.kind is CommandKind.CORRECTIVE_ACTION
    assert command.matriculas == ("UTE2026001",)
    assert command.corrective_kind == ""
    assert command.action_text == "se dio de alta el 25/09, con oficio. Se avisó al alumno."
    assert command.problems == ()
    assert "SALUDOS," in parsed.unknown_lines  # the signature is not part of the action


def test_paso_12_accion_correctiva_names_the_salida_and_needs_a_text() -> None:
    (named, bare) = parse_commands(
        "", "ACCIÓN CORRECTIVA CREDENCIAL UTE2026002:entregada en ventanilla\n\n"
        "ACCION CORRECTIVA UTE2026003"
    ).commands  # fmt: skip
    assert (named.corrective_kind, named.matriculas) == ("credencial", ("UTE2026002",))
    assert named.action_text == "entregada en ventanilla"
    assert bare.problems
    assert "falta describir" in bare.problems[0]
