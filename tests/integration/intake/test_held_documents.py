"""A constancia held as not_enrolled before the roster arrived gets a real decision after
``afilia roster import`` adds the student (one new reply), and a re-send of it while still
held is decided again rather than called a duplicate."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from daemon.cli import main
from daemon.domain.outcomes import Outcome
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow
from tests.fixtures.deployment import (
    Deployment,
    constancia_mail_for,
    generated_students,
    make_deployment,
)
from tests.fixtures.roster import ESTATUS, roster_students, write_roster_csv

pytestmark = pytest.mark.integration

SEED = 31
[ROW] = roster_students(1, seed=SEED)
ROW[ESTATUS] = "ACTIVO"
[LUZ] = generated_students(1, seed=SEED)


def _cli(deployment: Deployment, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(deployment.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _outcomes(deployment: Deployment) -> list[str]:
    app = deployment.app()
    try:
        with transaction(app.sessions) as session:
            return list(session.scalars(select(DecisionRow.outcome).order_by(DecisionRow.id)))
    finally:
        app.close()


def test_not_enrolled_constancia_is_decided_again_after_the_roster_import_adds_the_student(
    tmp_path: Path,
) -> None:
    deployment = make_deployment(tmp_path / "afilia", students=())
    today = datetime.now(ZoneInfo("America/Mexico_City")).date()
    mail = constancia_mail_for(LUZ, today, n=1)
    deployment.drop_mail(mail, "1.eml")
    _cli(deployment, "run", "--once")
    deployment.drop_mail(mail.replace(b"Constancia UTE", b"Otra vez UTE"), "2.eml")
    _cli(deployment, "run", "--once")
    assert _outcomes(deployment) == [Outcome.NOT_ENROLLED, Outcome.NOT_ENROLLED]
    assert len(deployment.sent_mails()) == 2

    _cli(deployment, "roster", "import", str(write_roster_csv(tmp_path / "r.csv", [ROW])))
    _cli(deployment, "run", "--once")

    assert _outcomes(deployment) == [
        Outcome.NOT_ENROLLED,
        Outcome.NOT_ENROLLED,
        Outcome.ACCEPTED_NOT_INSURED,
    ]
    assert len(deployment.sent_mails()) == 3  # one new reply, not one per held mail
    mails = [json.loads(line) for line in _cli(deployment, "outbox", "--json").splitlines()]
    templates = [m["template"] for m in mails if m["purpose"] != "review"]  # staff get those
    assert sorted(templates) == ["accepted_not_insured", "not_enrolled", "not_enrolled"]
