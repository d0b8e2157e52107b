"""Token providers against a real (local) OAuth2 server, through the providers' libraries:
msal pointed at the server as its authority (https: msal refuses anything else),
google-auth with the server as its ``token_uri``."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from daemon.config import AuthMethod, ImapSource, OAuth2Settings
from daemon.errors import ConfigError, PermanentError
from daemon.logging_setup import configure_logging
from daemon.mail.oauth import TokenProvider, build_token_provider
from daemon.mail.oauth_google import service_account
from daemon.mail.oauth_microsoft import client_credentials
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


@pytest.fixture
def trusted_tls(oauth_tls_server: OAuthServer, monkeypatch: pytest.MonkeyPatch) -> OAuthServer:
    """The https server, its certificate trusted the way a sysadmin's CA bundle would be."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(oauth_tls_server.ca_file))
    return oauth_tls_server


def _entra_token_url(server: OAuthServer, tenant: str = "contoso-tenant") -> str:
    return f"{server.base_url}/{tenant}/oauth2/v2.0/token"


def _assert_rotation_is_kept(
    server: OAuthServer, provider: TokenProvider, token_file: Path
) -> None:
    first = provider()
    assert server.state.active_subject(first) == MAILBOX
    stored = token_file.read_text().strip()
    assert stored != "rt-original"
    assert stored in server.state.refresh_tokens
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    # The old refresh token is dead now; only the stored one keeps the mailbox alive.
    second = provider(force_refresh=True)
    assert second != first
    assert server.state.active_subject(second) == MAILBOX
    assert token_file.read_text().strip() not in (stored, "rt-original")  # rotated again
    assert server.state.grants == ["refresh_token", "refresh_token"]


def test_microsoft_rotated_refresh_token_is_stored_back_0600_through_msal(
    trusted_tls: OAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted_tls.state.clients["entra-app-id"] = "s3cret"
    trusted_tls.state.refresh_tokens["rt-original"] = MAILBOX
    trusted_tls.state.rotate_refresh_tokens = True
    token_file = tmp_path / "state" / "refresh-token"
    token_file.parent.mkdir()
    token_file.write_text("rt-original\n")
    monkeypatch.setenv("AFILIA_TEST_CLIENT_SECRET", "s3cret")
    login = _imap(
        AuthMethod.OAUTH2_MICROSOFT,
        client_id="entra-app-id",
        client_secret_env="AFILIA_TEST_CLIENT_SECRET",
        token_url=_entra_token_url(trusted_tls),
        # Older set-ups listed offline_access, which msal adds itself and refuses.
        scopes=["offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"],
        refresh_token_file="refresh-token",
    )
    provider = build_token_provider(login, state_dir=tmp_path / "state")
    assert isinstance(provider, TokenProvider)
    _assert_rotation_is_kept(trusted_tls, provider, token_file)


def test_google_rotated_refresh_token_is_stored_back_0600_through_google_auth(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    oauth_server.state.clients["desktop.apps.googleusercontent.com"] = "g-secret"
    oauth_server.state.refresh_tokens["rt-original"] = MAILBOX
    oauth_server.state.rotate_refresh_tokens = True
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-original")
    secret = tmp_path / "client-secret"
    secret.write_text("g-secret")
    login = _imap(
        AuthMethod.OAUTH2_GOOGLE,
        client_id="desktop.apps.googleusercontent.com",
        client_secret_file=str(secret),
        token_url=oauth_server.token_url,
        refresh_token_file=str(token_file),
    )
    provider = build_token_provider(login)
    assert isinstance(provider, TokenProvider)
    _assert_rotation_is_kept(oauth_server, provider, token_file)


def test_a_refresh_token_that_is_not_rotated_is_left_alone(
    oauth_server: OAuthServer, tmp_path: Path
) -> None:
    oauth_server.state.clients["afilia-app"] = ""
    oauth_server.state.refresh_tokens["rt-kept"] = MAILBOX
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-kept\n")
    before = token_file.stat().st_mtime_ns
    login = _imap(
        AuthMethod.OAUTH2_GOOGLE,
        client_id="afilia-app",
        token_url=oauth_server.token_url,
        refresh_token_file=str(token_file),
    )
    provider = build_token_provider(login)
    assert provider is not None
    assert oauth_server.state.active_subject(provider()) == MAILBOX
    assert token_file.stat().st_mtime_ns == before


@pytest.mark.parametrize("method", [AuthMethod.OAUTH2_GOOGLE, AuthMethod.OAUTH2_MICROSOFT])
def test_a_revoked_refresh_token_is_a_permanent_error_naming_the_fix(
    trusted_tls: OAuthServer, tmp_path: Path, method: AuthMethod
) -> None:
    trusted_tls.state.clients["afilia-app"] = ""
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-revoked")
    token_url = (
        _entra_token_url(trusted_tls) if method is AuthMethod.OAUTH2_MICROSOFT else None
    ) or trusted_tls.token_url
    login = _imap(
        method, client_id="afilia-app", token_url=token_url, refresh_token_file=str(token_file)
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


def test_the_removed_generic_method_is_refused_with_what_to_use() -> None:
    with pytest.raises(ValueError, match="use 'oauth2_microsoft' or 'oauth2_google'"):
        _imap(AuthMethod.OAUTH2_GENERIC, client_id="x", token_url="http://127.0.0.1/token")


def test_a_microsoft_token_url_that_is_not_a_v2_endpoint_is_a_config_error() -> None:
    login = _imap(
        AuthMethod.OAUTH2_MICROSOFT,
        client_id="x",
        token_url="https://login.example/token",
        refresh_token_file="/nonexistent",
    )
    with pytest.raises(ConfigError, match=r"/oauth2/v2\.0/token"):
        build_token_provider(login)
    plain_http = login.model_copy(
        update={"oauth2": OAuth2Settings(client_id="x", token_url="http://127.0.0.1:1/t")}
    )
    with pytest.raises(ConfigError, match="must be https"):  # msal refuses http authorities
        build_token_provider(plain_http)


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
    fetch = service_account(account_file, MAILBOX)
    with pytest.raises(PermanentError, match="domain-wide delegation"):
        fetch()


def test_microsoft_client_credentials_through_msal(trusted_tls: OAuthServer) -> None:
    oauth_tls_server = trusted_tls
    oauth_tls_server.state.clients["entra-app-id"] = "entra-secret"
    login = _imap(
        AuthMethod.OAUTH2_MICROSOFT,
        client_id="entra-app-id",
        client_secret_env="AFILIA_TEST_ENTRA_SECRET",
        token_url=_entra_token_url(oauth_tls_server),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AFILIA_TEST_ENTRA_SECRET", "entra-secret")
        provider = build_token_provider(login)
    assert provider is not None
    first = provider()
    assert oauth_tls_server.state.active_subject(first) == "app:entra-app-id"
    # After the server refuses a token, a forced refresh must really ask Entra again.
    second = provider(force_refresh=True)
    assert second != first
    assert oauth_tls_server.state.grants == ["client_credentials", "client_credentials"]


def test_microsoft_wrong_secret_is_a_permanent_error(trusted_tls: OAuthServer) -> None:
    trusted_tls.state.clients["entra-app-id"] = "entra-secret"
    fetch = client_credentials(f"{trusted_tls.base_url}/contoso-tenant", "entra-app-id", "wrong")
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
        AuthMethod.OAUTH2_GOOGLE,
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
