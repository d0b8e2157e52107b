"""``afilia run --shard K/N``: N processes split one backlog; each mail decided once."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from daemon.mail.ports import Shard
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, InboundMessageRow
from tests.fixtures.deployment import (
    AFILIA,
    constancia_mail_for,
    generated_students,
    make_deployment,
)

pytestmark = pytest.mark.integration

TODAY = datetime.now(ZoneInfo("America/Mexico_City")).date()


def test_shares_split_every_key_exactly_once() -> None:
    keys = [str(uid) for uid in range(1, 200)] + [f"17322{n}.M{n}P9.host" for n in range(200)]
    shards = [Shard(0, 3), Shard(1, 3), Shard(2, 3)]
    for key in keys:
        assert sum(shard.owns(key) for shard in shards) == 1


def test_a_share_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match="0 <= K < N"):
        Shard.parse("2/2")


def test_two_shard_processes_split_a_backlog_and_decide_each_mail_once(tmp_path: Path) -> None:
    students = generated_students(30, seed=9)
    deployment = make_deployment(tmp_path / "afilia", students=students)
    for n, student in enumerate(students):
        deployment.drop_mail(constancia_mail_for(student, TODAY - timedelta(1), n=n), f"m{n}")
    command = [*AFILIA, "--config", str(deployment.config_path), "run", "--once", "--shard"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    runs = [
        subprocess.Popen(
            [*command, share], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for share in ("0/2", "1/2")
    ]
    errors = [run.communicate(timeout=300)[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    # Both processes did part of the work.
    assert all('"processed": 0' not in e for e in errors), errors
    app = deployment.app()
    with transaction(app.sessions) as session:
        messages = session.scalar(select(func.count()).select_from(InboundMessageRow))
        decisions = session.scalar(select(func.count()).select_from(DecisionRow))
    app.engine.dispose()
    assert (messages, decisions) == (30, 30)
    assert len(deployment.sent_mails()) == 30
    assert list((deployment.inbox / "new").iterdir()) == []
