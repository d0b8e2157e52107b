"""afilia auth login: one browser sign-in, the refresh token stored 0600, proven to work."""

from __future__ import annotations

import stat
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.errors import PermanentError
from daemon.mail.oauth import code_from_pasted
from tests.integration.ops.setups import write_config
from tests.servers.oauth import OAuthServer

pytestmark = pytest.mark.integration

MAILBOX = "servicios.estudiantiles@ute.example.edu.mx"


def _config(tmp_path: Path, oauth_server: OAuthServer) -> Path:
    return write_config(
        tmp_path,
        mailboxes=f"""
[[mailboxes]]
kind = "imap"
name = "servicios"
host = "127.0.0.1"
username = "{MAILBOX}"
auth = "oauth2_generic"
[mailboxes.oauth2]
client_id = "afilia-desktop"
token_url = "{oauth_server.token_url}"
refresh_token_file = "servicios-refresh-token"
""",
    )


def test_login_stores_the_refresh_token_and_proves_it(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    oauth_server.state.clients["afilia-desktop"] = ""
    oauth_server.state.codes["code-from-browser"] = MAILBOX
    config = _config(tmp_path, oauth_server)
    pasted = "http://localhost/?code=code-from-browser"
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "auth",
            "login",
            "--authorize-url",
            f"{oauth_server.base_url}/authorize",
        ],
        input=pasted + "\n",
    )
    assert result.exit_code == 0, result.output
    printed = next(line for line in result.output.splitlines() if "/authorize?" in line)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(printed.strip()).query)
    assert query["client_id"] == ["afilia-desktop"]
    assert query["login_hint"] == [MAILBOX]
    assert query["code_challenge_method"] == ["S256"]

    token_file = tmp_path / "state" / "servicios-refresh-token"
    stored = token_file.read_text().strip()
    assert oauth_server.state.refresh_tokens[stored] == MAILBOX
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert oauth_server.state.grants == ["authorization_code", "refresh_token"]
    assert "is ready" in result.output


def test_a_pasted_address_from_another_sign_in_is_refused() -> None:
    with pytest.raises(PermanentError, match="another sign-in"):
        code_from_pasted("http://localhost/?code=abc&state=other", "mine")
    assert code_from_pasted("http://localhost/?code=abc&state=mine", "mine") == "abc"
    assert code_from_pasted("  abc  ", "mine") == "abc"
    with pytest.raises(PermanentError, match="consent_required"):
        code_from_pasted("http://localhost/?error=consent_required&state=mine", "mine")
