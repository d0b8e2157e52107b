"""CURPs, NSSs and mail bodies never reach a log line in clear (DESIGN.md, personal data)."""

from __future__ import annotations

import json

import pytest
import structlog

from daemon.logging_setup import configure_logging, redact_text


def test_curp_keeps_only_its_first_four_letters() -> None:
    assert redact_text("curp GOMA050317MDFNRNA1 leída") == "curp GOMA************** leída"


def test_nss_keeps_only_its_last_four_digits() -> None:
    assert redact_text("nss=12230512340") == "nss=*******2340"


def test_other_numbers_are_left_alone() -> None:
    assert redact_text("matrícula UTE2026001, 200 mails, 2026-11-20") == (
        "matrícula UTE2026001, 200 mails, 2026-11-20"
    )


def test_log_events_are_json_and_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")
    structlog.get_logger("t").info(
        "message_processed",
        reasons=["CURP GOMA050317MDFNRNA1 not on the roster"],
        error="NSS 12230512340 invalid",
        body="Hola, mi CURP es GOMA050317MDFNRNA1",
    )
    line = capsys.readouterr().out.strip()
    event = json.loads(line)
    assert "GOMA050317MDFNRNA1" not in line
    assert "12230512340" not in line
    assert event["body"] == "<35 chars redacted>"
    assert event["event"] == "message_processed"


_LOG_ONE_LINE = (
    "from daemon.logging_setup import configure_logging; import structlog; "
    "configure_logging('info', 'auto'); structlog.get_logger('t').info('daemon_started', n=1)"
)


def _first_line_written(to_terminal: bool) -> str:
    import os
    import pty
    import subprocess
    import sys

    if not to_terminal:
        done = subprocess.run(
            [sys.executable, "-c", _LOG_ONE_LINE], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()
    leader, follower = pty.openpty()
    subprocess.run([sys.executable, "-c", _LOG_ONE_LINE], stdout=follower, check=True)
    os.close(follower)
    return os.read(leader, 4096).decode().strip()


def test_logs_are_json_for_journald_and_readable_on_a_terminal() -> None:
    """[logging] format = "auto": one JSON object per line when stdout is not a terminal
    (systemd's journal), structlog's console lines when a person runs afilia by hand."""
    piped = _first_line_written(to_terminal=False)
    assert json.loads(piped)["event"] == "daemon_started"
    on_terminal = _first_line_written(to_terminal=True)
    assert "daemon_started" in on_terminal
    assert not on_terminal.startswith("{")
