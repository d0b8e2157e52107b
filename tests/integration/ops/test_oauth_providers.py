"""Token providers against a real (local) OAuth2 token endpoint."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from daemon.config import AuthMethod, ImapSource, OAuth2Settings
from daemon.errors import ConfigError, PermanentError
from daemon.logging_setup import configure_logging
from daemon.mail.oauth import (
    TokenProvider,
    build_token_provider,
    google_service_account,
    microsoft_client_credentials,
)
from tests.servers.oauth import OAuthServer

pytestmark = pytest.mark.integration

MAILBOX = "servicios.estudiantiles@ute.example.edu.mx"


def _imap(auth: AuthMethod, **oauth2: object) -> ImapSource:
    return ImapSource.model_validate(
        {
            "kind": "imap",
            "host": "127.0.0.1",
            "username": MAILBOX,
            "auth": auth,
            "oauth2": OAuth2Settings.model_validate(oauth2),
        }
    )


def test_a_rotated_refresh_token_is_stored_back_0600(
    oauth_server: OAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oauth_server.state.clients["afilia-app"] = "s3cret"
    oauth_server.state.refresh_tokens["rt-original"] = MAILBOX
    oauth_server.state.rotate_refresh_tokens = True
    token_file = tmp_path / "state" / "refresh-token"
    token_file.parent.mkdir()
    token_file.write_text("rt-original\n")
    monkeypatch.setenv("AFILIA_TEST_CLIENT_SECRET", "s3cret")
    login = _imap(
        AuthMethod.OAUTH2_GENERIC,
        client_id="afilia-app",
        client_secret_env="AFILIA_TEST_CLIENT_SECRET",
        token_url=oauth_server.token_url,
        refresh_token_file="refresh-token",
    )
    provider = build_token_provider(login, state_dir=tmp_path / "state")
    assert isinstance(provider, TokenProvider)

    first = provider()
    assert oauth_server.state.active_subject(first) == MAILBOX
    stored = token_file.read_text().strip()
    assert stored != "rt-original"
    assert stored in oauth_server.state.refresh_tokens
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    # The old refresh token is dead now; only the stored one keeps the mailbox alive.
    second = provider(force_refresh=True)
    assert second != first
    assert oauth_server.state.active_subject(second) == MAILBOX
    assert oauth_server.state.grants == ["refresh_token", "refresh_token"]


def test_a_revoked_refresh_token_is_a_permanent_error_naming_the_fix(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    oauth_server.state.clients["afilia-app"] = ""
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-revoked")
    login = _imap(
        AuthMethod.OAUTH2_GENERIC,
        client_id="afilia-app",
        token_url=oauth_server.token_url,
        refresh_token_file=str(token_file),
    )
    provider = build_token_provider(login)
    assert provider is not None
    with pytest.raises(PermanentError, match="invalid_grant"):
        provider()


def test_a_missing_refresh_token_file_says_to_run_auth_login(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    login = _imap(
        AuthMethod.OAUTH2_GOOGLE,
        client_id="afilia-app",
        token_url=oauth_server.token_url,
        refresh_token_file=str(tmp_path / "nothing-here"),
    )
    provider = build_token_provider(login)
    assert provider is not None
    with pytest.raises(ConfigError, match="afilia auth login"):
        provider()


def test_google_service_account_acts_as_the_mailbox(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    account_file = oauth_server.google_service_account(
        tmp_path, "afilia@afilia-test.iam.gserviceaccount.com"
    )
    login = _imap(AuthMethod.OAUTH2_GOOGLE, service_account_file=str(account_file))
    provider = build_token_provider(login)
    assert provider is not None
    token = provider()
    assert oauth_server.state.active_subject(token) == MAILBOX
    assert oauth_server.state.grants == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]


def test_google_service_account_refused_is_a_permanent_error(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    account_file = oauth_server.google_service_account(tmp_path, "afilia@x.iam")
    oauth_server.state.fail_next = "unauthorized_client"
    fetch = google_service_account(account_file, MAILBOX)
    with pytest.raises(PermanentError, match="domain-wide delegation"):
        fetch()


def test_microsoft_client_credentials_through_msal(oauth_tls_server: OAuthServer) -> None:
    oauth_tls_server.state.clients["entra-app-id"] = "entra-secret"
    fetch = microsoft_client_credentials(
        "contoso-tenant",
        "entra-app-id",
        "entra-secret",
        authority_host=oauth_tls_server.base_url,
        verify=str(oauth_tls_server.ca_file),
    )
    provider = TokenProvider("microsoft", fetch)
    first = provider()
    assert oauth_tls_server.state.active_subject(first) == "app:entra-app-id"
    # After the server refuses a token, a forced refresh must really ask Entra again.
    second = provider(force_refresh=True)
    assert second != first
    assert oauth_tls_server.state.grants == ["client_credentials", "client_credentials"]


def test_microsoft_wrong_secret_is_a_permanent_error(oauth_tls_server: OAuthServer) -> None:
    oauth_tls_server.state.clients["entra-app-id"] = "entra-secret"
    fetch = microsoft_client_credentials(
        "contoso-tenant",
        "entra-app-id",
        "wrong",
        authority_host=oauth_tls_server.base_url,
        verify=str(oauth_tls_server.ca_file),
    )
    with pytest.raises(PermanentError, match="invalid_client"):
        fetch()


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging("debug", "json")
    yield
    structlog.reset_defaults()  # the configured logger holds pytest's captured stdout


@pytest.mark.usefixtures("json_logs")
def test_tokens_never_reach_the_logs(
    oauth_server: OAuthServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    oauth_server.state.clients["afilia-app"] = ""
    oauth_server.state.refresh_tokens["rt-original"] = MAILBOX
    oauth_server.state.rotate_refresh_tokens = True
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-original")
    login = _imap(
        AuthMethod.OAUTH2_GENERIC,
        client_id="afilia-app",
        token_url=oauth_server.token_url,
        refresh_token_file=str(token_file),
    )
    provider = build_token_provider(login)
    assert provider is not None
    token = provider()
    output = capsys.readouterr().out
    assert "oauth.token_obtained" in output
    assert "oauth.refresh_token_rotated" in output
    assert token not in output
    assert "rt-" not in output


def test_password_logins_have_no_token_provider() -> None:
    login = ImapSource.model_validate({"kind": "imap", "host": "h", "username": "u"})
    assert build_token_provider(login) is None
