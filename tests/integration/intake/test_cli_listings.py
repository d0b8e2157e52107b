"""What a sysadmin reads from ``afilia decisions``, ``afilia outbox`` and the other listings:
aligned columns in the school's time, the reasons, a sentence when there is nothing, and
one mail decoded."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from daemon.cli import main
from tests.fixtures.deployment import (
    Deployment,
    constancia_mail_for,
    generated_students,
    make_deployment,
)

pytestmark = pytest.mark.integration

[LUZ] = generated_students(1, seed=44)


def _cli(deployment: Deployment, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(deployment.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_empty_listings_say_so(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path / "afilia", students=())
    assert _cli(deployment, "decisions") == "no decisions yet\n"
    assert _cli(deployment, "decisions", "--since", "2026-11-01") == (
        "no decisions since 2026-11-01\n"
    )
    assert _cli(deployment, "outbox") == "the outbox is empty\n"
    assert _cli(deployment, "outbox", "--status", "failed") == "no failed mail in the outbox\n"


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("term", "list"), "no terms yet: add one with 'afilia term add'"),
        (("quarantine", "list"), "no mail in quarantine"),
        (("quarantine", "list", "--all"), "no mail was ever quarantined"),
        (("altas", "pending"), "no altas pending"),
        (("altas", "to-verify"), "no altas to verify on the IMSS portal"),
        (("bajas", "pending"), "no bajas pending"),
        (("credenciales", "pending"), "no cards to print or deliver"),
        (("credenciales", "batches"), "no printed batches yet"),
        (("corrective", "list"), "no corrective actions yet"),
        (
            ("corrective", "pending", "--now", "2026-09-01T09:00"),
            "no salidas no conformes to follow up",
        ),
        (("resello", "pending", "--now", "2026-09-01T09:00"), "no resellos overdue on 01/09/2026"),
        (("review", "list"), "nothing to review"),
    ],
)
def test_every_listing_says_when_it_is_empty(
    tmp_path: Path, command: tuple[str, ...], said: str
) -> None:
    deployment = make_deployment(tmp_path / "afilia", students=())
    assert _cli(deployment, *command) == said + "\n"
    if "--json" not in command and command[:2] == ("quarantine", "list"):
        assert _cli(deployment, *command, "--json") == ""  # scripts get no sentence


def test_terms_and_altas_pending_are_aligned_columns(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path / "afilia", students=[LUZ])
    _cli(deployment, "term", "add", "2026-3", "--start", "2026-09-01", "--end", "2026-12-18")
    _cli(deployment, "term", "add", "2027-1", "--start", "2027-01-05", "--end", "2027-04-23")
    assert _cli(deployment, "term", "list").splitlines() == [
        "TERM    STARTS      ENDS",
        "2026-3  2026-09-01  2026-12-18",
        "2027-1  2027-01-05  2027-04-23",
    ]
    today = datetime.now(ZoneInfo("America/Mexico_City")).date()
    deployment.drop_mail(constancia_mail_for(LUZ, today, n=1), "1.eml")
    _cli(deployment, "run", "--once")
    header, *rows = _cli(deployment, "altas", "pending").splitlines()
    assert rows
    assert header.split() == ["MATRÍCULA", "SINCE", "DOCUMENT", "NOMBRE"]
    for row in rows:
        assert "\t" not in row
        assert row.index(LUZ.nombres) == header.index("NOMBRE")


def test_decisions_and_outbox_are_aligned_local_and_one_mail_reads_decoded(
    tmp_path: Path,
) -> None:
    deployment = make_deployment(tmp_path / "afilia", students=[LUZ])
    today = datetime.now(ZoneInfo("America/Mexico_City")).date()
    deployment.drop_mail(constancia_mail_for(LUZ, today, n=1), "1.eml")
    _cli(deployment, "run", "--once")

    header, row = _cli(deployment, "decisions").splitlines()
    assert header.split() == ["RECEIVED", "SENDER", "MATRÍCULA", "OUTCOME", "REPLY", "REASONS"]
    assert header.index("SENDER") == row.index(LUZ.email_institucional)
    assert "None" not in row
    assert "+00:00" not in row
    assert "days before receipt" in row  # the reasons, as --help promises
    [as_json] = [json.loads(line) for line in _cli(deployment, "decisions", "--json").splitlines()]
    assert as_json["received_at"].endswith("-06:00")

    listing = _cli(deployment, "outbox").splitlines()
    assert listing[0].split()[:3] == ["ID", "QUEUED", "STATUS"]
    mail_id = listing[1].split()[0]
    shown = _cli(deployment, "outbox", "show", mail_id)
    assert f"To: {LUZ.email_institucional}" in shown
    assert "Subject: " in shown
    assert "-0600" in shown  # the Date header is the school's clock
    assert f"Hola, {LUZ.nombres.title()}" in shown  # the text part, decoded
    missing = CliRunner().invoke(
        main, ["--config", str(deployment.config_path), "outbox", "show", "999"]
    )
    assert missing.exit_code == 1
    assert "no mail 999 in the outbox" in missing.output
