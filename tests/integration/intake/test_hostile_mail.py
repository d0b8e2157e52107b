"""One bad mail never stops the mailbox (issue 9), through ``afilia run --once`` itself.

A Maildir inbox holds a good student mail, every hostile class of issue 9 (and CPython's own
``test_email`` data files), then another good student mail. The pass must decide or
quarantine every one, exit 0, print no traceback, and answer both students. Runs on SQLite
and on PostgreSQL (``database_url``). The figures (per-class outcome, the slowest mail,
the daemon's peak RSS) go to ``$AFILIA_FIGURES_DIR`` when it is set.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import threading
import time
from datetime import datetime
from email import policy as email_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from daemon.cli import main
from daemon.domain.outcomes import Outcome
from daemon.mail.compose import default_templates_dir
from daemon.store.db import transaction
from daemon.store.schema import DecisionRow, InboundMessageRow, QuarantineRow
from tests.fixtures.deployment import (
    AFILIA,
    ANA,
    Deployment,
    constancia_mail_for,
    generated_students,
    make_deployment,
)
from tests.fixtures.emails import student_mail
from tests.fixtures.hostile_mails import OUTLOOK_ID, HostileMail, cpython_corpus, hostile_mails

pytestmark = pytest.mark.integration

BETO = generated_students(1, seed=9)[0]


def _configured(deployment: Deployment, *, top: str = "", limits: str = "") -> Deployment:
    """Add top-level keys and ``[limits]`` keys to the deployment's config file."""
    config = deployment.config_path.read_text(encoding="utf-8")
    config = config.replace("[limits]\n", f"[limits]\n{limits}", 1)
    deployment.config_path.write_text(top + config, encoding="utf-8")
    return deployment


def _today() -> datetime:
    return datetime.now(ZoneInfo("America/Mexico_City"))


def _afilia(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """The afilia command as a sysadmin runs it (a process of its own)."""
    return subprocess.run(
        [*AFILIA, "--config", str(deployment.config_path), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _cli(deployment: Deployment, *args: str) -> Result:
    """The same command in this process (quicker; the pass itself runs as a process)."""
    return CliRunner().invoke(main, ["--config", str(deployment.config_path), *args])


class _PeakRss:
    """Polls the process's VmHWM (its own high-water mark) until it exits."""

    def __init__(self, pid: int) -> None:
        self.pid, self.kib = pid, 0
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while True:
            try:
                text = status.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.kib = max(self.kib, int(line.split()[1]))
            time.sleep(0.05)

    def mib(self) -> float:
        self._thread.join(timeout=5)
        return round(self.kib / 1024, 1)


def _run_once_measured(deployment: Deployment) -> tuple[int, str, str, float, float]:
    started = time.monotonic()
    process = subprocess.Popen(
        [*AFILIA, "--config", str(deployment.config_path), "run", "--once"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = _PeakRss(process.pid)
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr, time.monotonic() - started, peak.mib()


def _decisions_by_key(deployment: Deployment) -> dict[str, list[str]]:
    app = deployment.app()
    try:
        with transaction(app.sessions) as session:
            rows = session.execute(
                select(InboundMessageRow.uid_key, DecisionRow.outcome)
                .join(DecisionRow, DecisionRow.message_pk == InboundMessageRow.id)
                .order_by(DecisionRow.id)
            )
            found: dict[str, list[str]] = {}
            for key, outcome in rows:
                found.setdefault(key, []).append(outcome)
            quarantined = session.scalars(select(QuarantineRow.uid_key)).all()
        for key in quarantined:
            found.setdefault(key, []).append("quarantined")
        return found
    finally:
        app.close()


def _replies_to(deployment: Deployment) -> dict[str, list[email.message.EmailMessage]]:
    found: dict[str, list[email.message.EmailMessage]] = {}
    for raw in deployment.sent_mails():
        message = email.message_from_bytes(raw, policy=email_policy.default)
        found.setdefault(str(message["To"]), []).append(message)  # type: ignore[arg-type]
    return found


def test_hostile_mails_between_good_ones_are_each_decided_and_both_students_answered(
    database_url: str, tmp_path: Path
) -> None:
    deployment = _configured(
        make_deployment(tmp_path / "afilia", database_url=database_url, students=(ANA, BETO)),
        limits="parse_seconds = 3\n",
    )
    today = _today().date()
    corpus: list[HostileMail] = [*hostile_mails(), *cpython_corpus()]
    deployment.drop_mail(constancia_mail_for(ANA, today, n=1), "00000-good-first.eml")
    for number, mail in enumerate(corpus, start=1):
        deployment.drop_mail(mail.raw, f"{number:05d}.eml")
    deployment.drop_mail(constancia_mail_for(BETO, today, n=2), "99999-good-last.eml")

    status, stdout, stderr, seconds, peak_mib = _run_once_measured(deployment)

    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert [p.name for p in (deployment.inbox / "new").iterdir()] == []
    decided = _decisions_by_key(deployment)
    assert len(decided) == len(corpus) + 2
    assert decided["00000-good-first.eml"] == [Outcome.ACCEPTED_NOT_INSURED]
    assert decided["99999-good-last.eml"] == [Outcome.ACCEPTED_NOT_INSURED]
    replies = _replies_to(deployment)
    assert len(replies[ANA.email_institucional]) == 1
    assert len(replies[BETO.email_institucional]) == 1
    for number, mail in enumerate(corpus, start=1):
        if mail.expected is not None:
            assert decided[f"{number:05d}.eml"] == [mail.expected], mail.name
    answered = {m.name for m in corpus if m.answered}
    assert len(deployment.sent_mails()) >= len(answered) + 2
    assert not any("evil" in to or "victim" in to for to in replies)
    [outlook] = replies["raul.soto@example.com"]
    assert outlook["In-Reply-To"] == OUTLOOK_ID
    _write_figures(deployment, database_url, corpus, decided, stdout, seconds, peak_mib)


def _write_figures(
    deployment: Deployment,
    database_url: str,
    corpus: list[HostileMail],
    decided: dict[str, list[str]],
    stdout: str,
    seconds: float,
    peak_mib: float,
) -> None:
    target = os.environ.get("AFILIA_FIGURES_DIR")
    if not target:
        return
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    slowest = max((e.get("ms", 0) for e in events if e["event"] == "message_processed"), default=0)
    counts: dict[str, int] = {}
    for outcomes in decided.values():
        counts[outcomes[0]] = counts.get(outcomes[0], 0) + 1
    figures = {
        "database": database_url.split(":", 1)[0],
        "mails": len(corpus) + 2,
        "per_class": {
            m.name: decided[f"{n:05d}.eml"][0]
            for n, m in enumerate(corpus, start=1)
            if "cpython" not in m.name
        },
        "outcome_counts": counts,
        "pass_seconds": round(seconds, 1),
        "slowest_decision_ms": slowest,
        "parse_failures": [e for e in events if e["event"] == "mail_parse_failed"],
        "daemon_peak_rss_mib": peak_mib,
    }
    name = f"hostile-{figures['database']}.json"
    Path(target, name).write_text(json.dumps(figures, indent=1, ensure_ascii=False))


def _broken_templates(tmp_path: Path) -> Path:
    """The real templates, with the no_attachment reply broken for unknown senders: the
    kind of bug an upgrade fixes (it raises while the reply is composed)."""
    target = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), target)
    text = target / "no_attachment.txt.j2"
    text.write_text(
        text.read_text(encoding="utf-8").replace(
            "{% block subject %}", "{% block subject %}{{ student.matricula.upper() }}", 1
        ),
        encoding="utf-8",
    )
    return target


def test_mail_whose_reply_cannot_be_composed_is_quarantined_and_the_next_is_answered(
    database_url: str, tmp_path: Path
) -> None:
    templates = _broken_templates(tmp_path)
    deployment = _configured(
        make_deployment(tmp_path / "afilia", database_url=database_url),
        top=f'templates_dir = "{templates}"\n',
    )
    deployment.drop_mail(student_mail("Desconocida <nadie@example.com>", attachments=()), "1.eml")
    deployment.drop_mail(constancia_mail_for(ANA, _today().date(), n=3), "2.eml")

    first = _afilia(deployment, "run", "--once")

    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert '"quarantined": 1' in first.stderr
    assert _decisions_by_key(deployment) == {
        "2.eml": [Outcome.ACCEPTED_NOT_INSURED],
        "1.eml": ["quarantined"],
    }
    assert [p.name.split(":")[0] for p in (deployment.inbox / ".cuarentena" / "cur").iterdir()] == [
        "1.eml"
    ]
    assert list(_replies_to(deployment)) == [ANA.email_institucional]
    listed = _cli(deployment, "quarantine", "list", "--json")
    [item] = [json.loads(line) for line in listed.output.splitlines()]
    assert item["sender"] == "nadie@example.com"
    assert item["error_class"] == "daemon.errors.ConfigError"
    assert "no_attachment" in item["reason"]
    header, row = _cli(deployment, "quarantine", "list").output.splitlines()
    assert header.split() == ["ID", "QUARANTINED", "ATTEMPTS", "SENDER", "ERROR"]
    assert row.index("nadie@example.com") == header.index("SENDER")
    assert row.split()[1:3] == item["quarantined_at"][:16].split("T")  # the school's clock
    review = _cli(deployment, "review", "list")
    assert "quarantined" in review.output
    assert "Correo en cuarentena" in _cli(deployment, "digest", "--dry-run").output
    assert f"cuarentena #{item['id']}" in review.output

    again = _cli(deployment, "run", "--once")  # the poison mail is not retried by itself
    assert '"processed": 0' in again.output
    assert _cli(deployment, "quarantine", "retry", str(item["id"])).exit_code == 1

    shutil.rmtree(templates)  # the upgrade: the fixed templates
    shutil.copytree(default_templates_dir(), templates)
    retried = _cli(deployment, "quarantine", "retry", str(item["id"]))
    assert retried.exit_code == 0, retried.output
    assert "decided no_attachment" in retried.output
    _cli(deployment, "run", "--once")
    assert len(_replies_to(deployment)["nadie@example.com"]) == 1
    assert _cli(deployment, "quarantine", "list").output == "no mail in quarantine\n"
    assert "quarantined" not in _cli(deployment, "review", "list").output


def test_quarantine_list_and_retry_of_an_unknown_id(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path / "afilia")
    assert _cli(deployment, "quarantine", "list").output == "no mail in quarantine\n"
    missing = _cli(deployment, "quarantine", "retry", "42")
    assert missing.exit_code == 1
    assert "no such mail" in missing.output


def test_zip_policy_reject_answers_asking_for_the_plain_pdf(tmp_path: Path) -> None:
    deployment = _configured(make_deployment(tmp_path / "afilia"), limits='zip_policy = "reject"\n')
    [zipped] = [m for m in hostile_mails() if m.name.startswith("zip with")]
    deployment.drop_mail(zipped.raw, "1.eml")
    assert _cli(deployment, "run", "--once").exit_code == 0
    assert _decisions_by_key(deployment) == {"1.eml": [Outcome.REJECTED_UNSAFE]}
    assert list(_replies_to(deployment)) == ["iris.mora@example.com"]
