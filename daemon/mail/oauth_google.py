"""Google Workspace tokens through google-auth: a service account with domain-wide
delegation acting as the mailbox, or an installed-app sign-in (google-auth-oauthlib) whose
refresh token afilia keeps and re-stores when Google hands out a new one.

``oauth2.token_url`` replaces Google's token endpoint (google-auth's ``token_uri``); a
service account's endpoint is the ``token_uri`` in its JSON key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from daemon.errors import ConfigError, PermanentError, TransientError
from daemon.mail.oauth import Grant, SignIn, no_refresh_token, token_refused
from daemon.mail.refresh_token_file import keep_if_rotated, read_refresh_token

log = structlog.get_logger(__name__)

TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
MAIL_SCOPE = "https://mail.google.com/"


def _refreshed(credentials: Any, where: str) -> Grant:
    """``credentials.refresh`` with google-auth's errors as ours."""
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    try:
        credentials.refresh(Request())
    except TransportError as err:
        raise TransientError(f"{where} unreachable: {err}") from err
    except RefreshError as err:
        if err.retryable:
            raise TransientError(f"{where} refresh failed: {err.args[0]}") from err
        code, _, description = str(err.args[0] if err.args else err).partition(": ")
        raise token_refused(where, code, description) from err
    expiry = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
    lifetime = (expiry - datetime.now(UTC)).total_seconds() if expiry else 3600.0
    return Grant(str(credentials.token), max(lifetime, 0.0))


def service_account(
    service_account_file: Path,
    subject: str,
    *,
    scopes: Sequence[str] = (MAIL_SCOPE,),
) -> Callable[[], Grant]:
    """A fetch function acting as ``subject`` (the mailbox) through a delegated service account."""
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2 import service_account as accounts

    try:
        credentials = accounts.Credentials.from_service_account_file(
            str(service_account_file), scopes=list(scopes), subject=subject
        )
    except (OSError, ValueError, GoogleAuthError) as err:
        raise ConfigError(
            f"cannot load the Google service account file {service_account_file}: {err}"
        ) from err

    def fetch() -> Grant:
        try:
            return _refreshed(credentials, "Google")
        except PermanentError as err:
            raise PermanentError(
                f"Google refused the service account token for {subject}: {err} "
                "(is domain-wide delegation granted for https://mail.google.com/?)"
            ) from err

    return fetch


def refresh_token_grant(
    token_url: str,
    client_id: str,
    client_secret: str | None,
    token_file: Path,
    *,
    scopes: Sequence[str] = (MAIL_SCOPE,),
) -> Callable[[], Grant]:
    """A fetch function for an installed-app sign-in: the refresh token in ``token_file``,
    replaced there atomically when the token endpoint returns a new one."""
    from google.oauth2.credentials import Credentials

    def fetch() -> Grant:
        used = read_refresh_token(token_file)
        credentials = Credentials(
            token=None,
            refresh_token=used,
            token_uri=token_url,
            client_id=client_id,
            client_secret=client_secret or "",  # google-auth insists on one; a Desktop app has it
            scopes=list(scopes),
        )
        grant = _refreshed(credentials, token_url)
        if keep_if_rotated(token_file, used, credentials.refresh_token):
            log.info("oauth.refresh_token_rotated", file=str(token_file))
        return grant

    return fetch


def sign_in(
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
    *,
    scopes: Sequence[str] = (MAIL_SCOPE,),
    login_hint: str = "",
    token_url: str = TOKEN_URL,
    authorize_url: str = AUTHORIZE_URL,
) -> SignIn:
    """google-auth-oauthlib's installed-app flow with PKCE, asking for offline access."""
    from google_auth_oauthlib.flow import Flow

    config = {
        "installed": {
            "client_id": client_id,
            "client_secret": client_secret or "",
            "auth_uri": authorize_url,
            "token_uri": token_url,
        }
    }
    flow = Flow.from_client_config(config, list(scopes), redirect_uri=redirect_uri)
    extra = {"login_hint": login_hint} if login_hint else {}
    url, state = flow.authorization_url(access_type="offline", prompt="consent", **extra)

    def finish(code: str) -> str:
        from oauthlib.oauth2 import OAuth2Error

        try:
            flow.fetch_token(code=code)
        except OAuth2Error as err:
            raise token_refused(token_url, err.error, err.description or "") from err
        except OSError as err:  # requests' errors are OSErrors
            raise TransientError(f"{token_url} unreachable: {err}") from err
        refresh_token = flow.credentials.refresh_token
        if not refresh_token:
            raise no_refresh_token()
        return str(refresh_token)

    return SignIn(url, state, finish)
