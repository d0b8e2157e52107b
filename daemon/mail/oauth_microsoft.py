"""Microsoft 365 (Entra ID) tokens through msal: client credentials for a shared mailbox,
or a delegated sign-in whose refresh token afilia keeps (and re-stores when rotated).

msal talks to an *authority*, ``https://login.microsoftonline.com/<tenant>`` unless
``oauth2.token_url`` names another cloud's (or a test server's) v2.0 token endpoint; msal
finds the endpoints through the authority's OpenID configuration and accepts only https.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import structlog

from daemon.config import OAuth2Settings
from daemon.errors import ConfigError, TransientError
from daemon.mail.oauth import HTTP_TIMEOUT, Grant, SignIn, no_refresh_token, token_refused
from daemon.mail.refresh_token_file import keep_if_rotated, read_refresh_token

log = structlog.get_logger(__name__)

AUTHORITY_HOST = "https://login.microsoftonline.com"
MAIL_SCOPE = "https://outlook.office365.com/.default"
DELEGATED_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)
# msal adds these itself and refuses them as arguments; older configs listed offline_access.
_RESERVED_SCOPES = frozenset({"offline_access", "openid", "profile"})
_TOKEN_PATH = "/oauth2/v2.0/token"  # noqa: S105 - a URL path, not a secret


def authority_of(oauth2: OAuth2Settings) -> str:
    """msal's authority for this set-up (``token_url`` overrides the public cloud)."""
    if oauth2.token_url:
        if not oauth2.token_url.startswith("https://"):
            raise ConfigError(f"oauth2.token_url for Microsoft must be https: {oauth2.token_url}")
        if not oauth2.token_url.rstrip("/").endswith(_TOKEN_PATH):
            raise ConfigError(
                f"oauth2.token_url for Microsoft must end in {_TOKEN_PATH} "
                f"(e.g. https://login.microsoftonline.us/<tenant>{_TOKEN_PATH}), "
                f"not {oauth2.token_url}"
            )
        return oauth2.token_url.rstrip("/").removesuffix(_TOKEN_PATH)
    return f"{AUTHORITY_HOST}/{oauth2.tenant_id or 'organizations'}"


def delegated_scopes(configured: Sequence[str]) -> tuple[str, ...]:
    return tuple(s for s in configured if s not in _RESERVED_SCOPES) or DELEGATED_SCOPES


def _application(authority: str, client_id: str, client_secret: str | None) -> Any:
    """A public client, or a confidential one when the app has a secret. Building it asks
    the authority for its endpoints."""
    import msal

    public_cloud = authority.startswith(AUTHORITY_HOST + "/")
    options: dict[str, Any] = {
        "authority": authority,
        # Instance discovery and authority validation ask login.microsoftonline.com about
        # the host: right for the public cloud, impossible for a test server.
        "validate_authority": public_cloud,
        "instance_discovery": public_cloud,
        "timeout": HTTP_TIMEOUT,
    }
    try:
        if client_secret:
            return msal.ConfidentialClientApplication(
                client_id, client_credential=client_secret, **options
            )
        return msal.PublicClientApplication(client_id, **options)
    except (OSError, ValueError) as err:  # requests' errors are OSErrors
        raise TransientError(f"Microsoft authority {authority} unreachable: {err}") from err


def _checked(result: dict[str, Any]) -> dict[str, Any]:
    if "access_token" not in result:
        raise token_refused(
            "Microsoft", str(result.get("error", "")), str(result.get("error_description", ""))
        )
    return result


def client_credentials(
    authority: str,
    client_id: str,
    client_secret: str,
    *,
    scopes: Sequence[str] = (MAIL_SCOPE,),
) -> Callable[[], Grant]:
    """A fetch function for an Entra app's client-credentials grant (shared mailbox)."""
    import msal

    # Built on first use (it goes to the network), then kept: functools.cache.
    application = functools.cache(lambda: _application(authority, client_id, client_secret))

    def fetch() -> Grant:
        app = application()
        # msal answers from its own cache; empty it so a forced refresh really asks Entra.
        cache = app.token_cache
        for token in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(token)
        result = _acquired(lambda: app.acquire_token_for_client(scopes=list(scopes)))
        return _grant(result)

    return fetch


def _acquired(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One msal token request: a network failure is transient (retried), an answer without
    a token is the error msal reports (``_checked``)."""
    try:
        return _checked(call())
    except (OSError, ValueError) as err:
        raise TransientError(f"Microsoft token endpoint unreachable: {err}") from err


def _grant(result: dict[str, Any]) -> Grant:
    return Grant(result["access_token"], float(result.get("expires_in", 3600)))


def refresh_token_grant(
    authority: str,
    client_id: str,
    client_secret: str | None,
    token_file: Path,
    *,
    scopes: Sequence[str] = DELEGATED_SCOPES,
) -> Callable[[], Grant]:
    """A fetch function for a delegated sign-in: the refresh token in ``token_file``,
    replaced there atomically whenever Entra rotates it (it does, on most refreshes)."""
    # Built on first use (it goes to the network), then kept: functools.cache.
    application = functools.cache(lambda: _application(authority, client_id, client_secret))

    def fetch() -> Grant:
        used = read_refresh_token(token_file)
        result = _acquired(lambda: application().acquire_token_by_refresh_token(used, list(scopes)))
        if keep_if_rotated(token_file, used, result.get("refresh_token")):
            log.info("oauth.refresh_token_rotated", file=str(token_file))
        return _grant(result)

    return fetch


def sign_in(
    authority: str,
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
    *,
    scopes: Sequence[str] = DELEGATED_SCOPES,
    login_hint: str = "",
) -> SignIn:
    """msal's authorization-code flow with PKCE; ``finish`` trades the code."""
    app = _application(authority, client_id, client_secret)
    with warnings.catch_warnings():
        # msal recommends form_post, which needs a listener at the redirect URI; here the
        # admin pastes the address the browser ends on, so the code must be in its query.
        warnings.filterwarnings("ignore", "response_mode='form_post'", UserWarning)
        flow = app.initiate_auth_code_flow(
            list(scopes),
            redirect_uri=redirect_uri,
            login_hint=login_hint or None,
            response_mode="query",
        )

    def finish(code: str) -> str:
        try:
            result = app.acquire_token_by_auth_code_flow(
                flow, {"code": code, "state": flow["state"]}
            )
        except OSError as err:
            raise TransientError(f"Microsoft token endpoint unreachable: {err}") from err
        refresh_token = _checked(result).get("refresh_token")
        if not refresh_token:
            raise no_refresh_token()
        return str(refresh_token)

    return SignIn(flow["auth_uri"], flow["state"], finish)
