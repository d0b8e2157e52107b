"""afilia auth login: one browser sign-in, the refresh token stored 0600, proven to work.

The flows are the libraries' (msal for Microsoft, google-auth-oauthlib for Google), pointed
at the local OAuth server over https with its certificate trusted like a CA bundle. The
browser step itself (the provider's sign-in page) is not served: the test registers the
code the provider would have redirected to, and pastes that redirect back.
"""

from __future__ import annotations

import base64
import hashlib
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


def _config(tmp_path: Path, auth: str, token_url: str) -> Path:
    return write_config(
        tmp_path,
        mailboxes=f"""
[[mailboxes]]
kind = "imap"
name = "servicios"
host = "127.0.0.1"
username = "{MAILBOX}"
auth = "{auth}"
[mailboxes.oauth2]
client_id = "afilia-desktop"
token_url = "{token_url}"
refresh_token_file = "servicios-refresh-token"
""",
    )


@pytest.mark.parametrize("auth", ["oauth2_microsoft", "oauth2_google"])
def test_login_stores_the_refresh_token_and_proves_it(
    tmp_path: Path, oauth_tls_server: OAuthServer, monkeypatch: pytest.MonkeyPatch, auth: str
) -> None:
    server = oauth_tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    server.state.clients["afilia-desktop"] = ""
    server.state.codes["code-from-browser"] = MAILBOX
    microsoft = auth == "oauth2_microsoft"
    token_url = f"{server.base_url}/contoso/oauth2/v2.0/token" if microsoft else server.token_url
    config = _config(tmp_path, auth, token_url)
    pasted = "http://localhost/?code=code-from-browser"
    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "login"], input=pasted + "\n"
    )
    assert result.exit_code == 0, result.output
    printed = next(line for line in result.output.splitlines() if "client_id=" in line)
    url = urllib.parse.urlsplit(printed.strip())
    query = urllib.parse.parse_qs(url.query)
    if microsoft:  # msal found the endpoint in the tenant's OpenID configuration
        assert printed.strip().startswith(f"{server.base_url}/contoso/oauth2/v2.0/authorize?")
        assert "offline_access" in query["scope"][0].split()
    else:
        assert printed.strip().startswith("https://accounts.google.com/o/oauth2/v2/auth?")
        assert query["access_type"] == ["offline"]
        assert query["prompt"] == ["consent"]
    assert query["client_id"] == ["afilia-desktop"]
    assert query["login_hint"] == [MAILBOX]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"]
    [verifier] = server.state.code_verifiers  # PKCE: the exchange proves it started the flow
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"][0]

    token_file = tmp_path / "state" / "servicios-refresh-token"
    stored = token_file.read_text().strip()
    assert server.state.refresh_tokens[stored] == MAILBOX
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert server.state.grants == ["authorization_code", "refresh_token"]
    assert "is ready" in result.output


def test_a_refused_code_says_so_and_stores_nothing(
    tmp_path: Path, oauth_tls_server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(oauth_tls_server.ca_file))
    oauth_tls_server.state.clients["afilia-desktop"] = ""
    config = _config(tmp_path, "oauth2_google", oauth_tls_server.token_url)
    result = CliRunner().invoke(
        main, ["--config", str(config), "auth", "login"], input="a-code-nobody-issued\n"
    )
    assert result.exit_code == 2, result.output
    assert "refused the token request: invalid_grant" in result.output
    assert not (tmp_path / "state" / "servicios-refresh-token").exists()


def test_a_pasted_address_from_another_sign_in_is_refused() -> None:
    with pytest.raises(PermanentError, match="another sign-in"):
        code_from_pasted("http://localhost/?code=abc&state=other", "mine")
    assert code_from_pasted("http://localhost/?code=abc&state=mine", "mine") == "abc"
    assert code_from_pasted("  abc  ", "mine") == "abc"
    with pytest.raises(PermanentError, match="consent_required"):
        code_from_pasted("http://localhost/?error=consent_required&state=mine", "mine")
