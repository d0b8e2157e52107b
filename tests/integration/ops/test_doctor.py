"""afilia doctor: a clear checklist, the fix for each failure, non-zero when go-live is blocked."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from daemon.cli import main
from daemon.store.db import make_engine, upgrade
from tests.fixtures.roster import roster_students, write_roster_csv
from tests.integration.ops.setups import write_config
from tests.servers.dovecot import DovecotAccount
from tests.servers.oauth import OAuthServer, XOAuth2Smtp

pytestmark = pytest.mark.integration


def doctor(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "doctor", *args])


def ready_state(config: Path, *, term: bool = True, roster: bool = True) -> None:
    """What 'afilia db upgrade' and systemd's StateDirectory= leave behind, plus the go-live
    steps of the guide: the current term and its roster."""
    state = config.parent / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    engine = make_engine(f"sqlite:///{state / 'afilia.db'}")
    upgrade(engine)
    engine.dispose()
    today = datetime.now(ZoneInfo("America/Mexico_City")).date()
    if term:
        start, end = today - timedelta(days=30), today + timedelta(days=60)
        _cli(config, "term", "add", "ACTUAL", "--start", f"{start}", "--end", f"{end}")
    if roster:
        path = write_roster_csv(config.parent / "roster.csv", roster_students(3, seed=5))
        _cli(config, "roster", "import", str(path))


def _cli(config: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output


def test_a_config_that_does_not_load_is_shown_with_its_errors(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="unknown_key = 1")
    result = doctor(config)
    assert result.exit_code == 1
    assert f"✗ config: {config}: invalid configuration" in result.output
    assert "unknown_key: afilia has no setting 'unknown_key' here" in result.output
    assert f"fix: edit {config}" in result.output
    assert "1 problem(s) block go-live" in result.output


def test_a_broken_set_up_lists_each_failure_with_its_fix(
    tmp_path: Path,
    dovecot: DovecotAccount,
    oauth_server: OAuthServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFILIA_DOCTOR_TEST_WRONG_PASSWORD", "not-the-password")
    oauth_server.state.clients["afilia-app"] = ""
    (tmp_path / "state").mkdir(mode=0o755)
    os.chmod(tmp_path / "state", 0o755)
    (tmp_path / "state" / "smtp-refresh-token").write_text("rt-revoked-long-ago")
    config = write_config(
        tmp_path,
        profile="no-such-profile",
        mailboxes=f"""
[[mailboxes]]
kind = "imap"
name = "servicios"
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "{dovecot.user}"
password_env = "AFILIA_DOCTOR_TEST_WRONG_PASSWORD"
""",
        outgoing=f"""
[outgoing.transport]
kind = "smtp"
host = "127.0.0.1"
port = 1
security = "none"
username = "servicios.estudiantiles@ute.example.edu.mx"
auth = "oauth2_google"
[outgoing.transport.oauth2]
client_id = "afilia-app"
token_url = "{oauth_server.token_url}"
refresh_token_file = "smtp-refresh-token"
""",
    )
    result = doctor(config)
    out = result.output
    print(out)  # the report quotes it
    assert result.exit_code == 1
    assert "✓ config:" in out
    assert "✗ rules profile: rules profile 'no-such-profile' not found" in out
    assert "✗ schema: database schema is at empty database" in out
    assert "fix: run 'afilia db upgrade'" in out
    assert "is 0755: others can read students' documents" in out
    assert "✗ oauth2 smtp: " in out
    assert "refused the token request: invalid_grant" in out
    assert "fix: run 'afilia auth login' to get a new refresh token" in out
    assert f"✗ mailbox servicios: login rejected for {dovecot.user}@127.0.0.1" in out
    assert "[AUTHENTICATIONFAILED] Authentication failed." in out
    assert "✗ smtp: no OAuth2 token (see above)" in out
    assert "block go-live" in out


def test_a_good_local_set_up_is_ready(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    ready_state(config)
    result = doctor(config, "--fix")  # --fix creates the local Maildir
    assert result.exit_code == 0, result.output
    assert "✓ templates: every template renders with sample data" in result.output
    assert "✓ schema: at " in result.output
    assert "is 0700 and ours" in result.output
    assert "! outgoing mail: replies go to the local Maildir" in result.output
    assert "Ready for go-live; 1 warning(s)." in result.output


def test_go_live_is_blocked_without_a_term_for_today_or_a_roster(tmp_path: Path) -> None:
    """Without them afilia would answer every student "no te encontramos"."""
    config = write_config(tmp_path)
    ready_state(config, term=False, roster=False)
    result = doctor(config, "--fix")
    assert result.exit_code == 1, result.output
    assert "✗ term: no term covers today" in result.output
    assert "afilia term add NAME --start YYYY-MM-DD --end YYYY-MM-DD" in result.output
    assert "✗ roster: no student imported" in result.output
    assert "afilia roster import FILE --term NAME" in result.output


def test_fix_creates_the_missing_imap_folder(tmp_path: Path, dovecot: DovecotAccount) -> None:
    config = write_config(
        tmp_path,
        mailboxes=f"""
[[mailboxes]]
kind = "imap"
name = "servicios"
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "{dovecot.user}"
password_file = "{tmp_path / "imap-password"}"
""",
    )
    (tmp_path / "imap-password").write_text(dovecot.password)
    ready_state(config)

    before = doctor(config)
    assert "✓ mailbox servicios: logged in as" in before.output
    assert "✗ mailbox servicios folders: missing: afilia/procesados" in before.output
    assert before.exit_code == 1

    fixed = doctor(config, "--fix")
    assert "✓ mailbox servicios folders: created afilia/procesados" in fixed.output
    assert fixed.exit_code == 0, fixed.output
    assert doctor(config).exit_code == 0


def test_send_test_goes_out_through_smtp_with_xoauth2(
    tmp_path: Path,
    oauth_server: OAuthServer,
    xoauth2_smtp: XOAuth2Smtp,
) -> None:
    # A Google service account (google-auth) whose key's token_uri is the local server.
    account = oauth_server.google_service_account(tmp_path, "afilia@afilia-test.iam")
    mailbox = "servicios.estudiantiles@ute.example.edu.mx"
    config = write_config(
        tmp_path,
        outgoing=f"""
[outgoing.transport]
kind = "smtp"
host = "127.0.0.1"
port = {xoauth2_smtp.port}
security = "none"
username = "{mailbox}"
auth = "oauth2_google"
[outgoing.transport.oauth2]
service_account_file = "{account}"
""",
    )
    ready_state(config)
    result = doctor(config, "--fix", "--send-test", "sysadmin@ute.example.edu.mx")
    assert result.exit_code == 0, result.output
    assert f"✓ oauth2 smtp: oauth2_google: token obtained for {mailbox}" in result.output
    assert "test mail sent to sysadmin@ute.example.edu.mx" in result.output
    assert xoauth2_smtp.logins == [mailbox]
    [envelope] = xoauth2_smtp.received
    assert envelope.rcpt_tos == ["sysadmin@ute.example.edu.mx"]
    assert b"afilia doctor --send-test" in envelope.original_content


def test_an_unreachable_database_is_named_with_its_fix(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(
        tmp_path, database_url=f"postgresql+psycopg://afilia@127.0.0.1:{port}/afilia"
    )
    result = doctor(config)
    assert result.exit_code == 1
    assert "✗ database: cannot reach the database" in result.output
    assert "fix: check [database] url and the password secret; is the server running?" in (
        result.output
    )
