"""One mailbox failing never stops the others; ``run --once`` says so in its exit status."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from tests.fixtures.deployment import (
    ANA,
    imap_source,
    maildir_source,
    make_deployment,
)
from tests.fixtures.emails import student_mail
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.integration


def test_an_unreachable_imap_mailbox_does_not_stop_the_local_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "afilia"
    mailboxes = maildir_source(root / "mail") + imap_source(
        "127.0.0.1", free_port(), "nadie", "AFILIA_TEST_NOPE", name="caida"
    )
    deployment = make_deployment(root, mailboxes=mailboxes)
    monkeypatch.setenv("AFILIA_TEST_NOPE", "x")
    deployment.drop_mail(student_mail(f"<{ANA.email_institucional}>", attachments=()), "1.eml")

    result = CliRunner().invoke(main, ["--config", str(deployment.config_path), "run", "--once"])

    assert result.exit_code == 1, result.output
    assert "mailbox caida could not be read" in result.output
    assert len(deployment.sent_mails()) == 1
