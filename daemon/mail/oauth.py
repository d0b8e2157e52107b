"""OAuth2 access tokens for XOAUTH2 logins to Microsoft 365 and Google Workspace.

A ``TokenProvider`` is what the IMAP and SMTP adapters hold: call it for a token, call it
with ``force_refresh=True`` after the server refused one. It caches each token until
shortly before it expires, so a busy mailbox does not ask the provider for every login.

Three ways to get a token, one per kind of school set-up:
- Microsoft 365 shared mailbox: client credentials of an Entra app (msal), no user.
- Google Workspace: a service account with domain-wide delegation acting as the mailbox.
- Any provider with a refresh token (Google/Microsoft installed app, or a generic
  ``token_url``): when the provider rotates the refresh token, the new one is written back
  to ``refresh_token_file`` at once, atomically and 0600. Dropping it is how mailboxes
  elsewhere died 90 days after set-up.

Tokens never reach a log line: only the provider's name and lifetimes are logged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import structlog

from daemon.config import AuthMethod, OAuth2Settings
from daemon.errors import ConfigError, PermanentError, TransientError

log = structlog.get_logger(__name__)

MICROSOFT_AUTHORITY_HOST = "https://login.microsoftonline.com"
MICROSOFT_MAIL_SCOPE = "https://outlook.office365.com/.default"
MICROSOFT_DELEGATED_SCOPES = (
    "offline_access",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"
_HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Grant:
    """One access token and how long the provider says it lives (seconds)."""

    access_token: str
    expires_in: float
    refresh_token: str | None = None

    def __repr__(self) -> str:  # never print a token, not even in a traceback
        return f"Grant(expires_in={self.expires_in})"


class _LoginLike(Protocol):
    """What ``build_token_provider`` needs of an IMAP/SMTP login section."""

    @property
    def auth(self) -> AuthMethod: ...
    @property
    def oauth2(self) -> OAuth2Settings | None: ...
    @property
    def username(self) -> str: ...


class TokenProvider:
    """``provider(force_refresh=False) -> str``: a valid access token, cached.

    Thread-safe (the IMAP workers are threads); ``await provider.async_token()`` is the
    zero-argument coroutine aiosmtplib's ``oauth_token_generator`` wants.
    """

    def __init__(
        self,
        name: str,
        fetch: Callable[[], Grant],
        *,
        margin_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._fetch = fetch
        self._margin = margin_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._fresh_until = 0.0

    def __call__(self, force_refresh: bool = False) -> str:
        with self._lock:
            now = self._clock()
            if force_refresh or self._token is None or now >= self._fresh_until:
                grant = self._fetch()
                # Refresh a margin before expiry, but never sooner than half the lifetime.
                margin = min(self._margin, grant.expires_in / 2)
                self._token = grant.access_token
                self._fresh_until = now + grant.expires_in - margin
                log.info(
                    "oauth.token_obtained",
                    provider=self.name,
                    expires_in=int(grant.expires_in),
                    forced=force_refresh,
                )
            return self._token

    async def async_token(self) -> str:
        return await asyncio.to_thread(self)

    def __repr__(self) -> str:
        return f"TokenProvider({self.name!r})"


def xoauth2_string(username: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01"


# -- Microsoft 365: client credentials (shared mailbox, no user) ---------------------------


def microsoft_client_credentials(
    tenant_id: str,
    client_id: str,
    client_secret: str,
    *,
    scopes: Sequence[str] = (MICROSOFT_MAIL_SCOPE,),
    authority_host: str = MICROSOFT_AUTHORITY_HOST,
    verify: bool | str = True,
) -> Callable[[], Grant]:
    """A fetch function for an Entra app's client-credentials grant, via msal.

    ``authority_host``/``verify`` exist for national clouds and for the test endpoint.
    """
    import msal

    apps: list[msal.ConfidentialClientApplication] = []

    def application() -> msal.ConfidentialClientApplication:
        # Built on first use: msal asks the authority for its endpoints right away.
        if not apps:
            apps.append(
                msal.ConfidentialClientApplication(
                    client_id,
                    client_credential=client_secret,
                    authority=f"{authority_host.rstrip('/')}/{tenant_id}",
                    validate_authority=authority_host == MICROSOFT_AUTHORITY_HOST,
                    instance_discovery=authority_host == MICROSOFT_AUTHORITY_HOST,
                    verify=verify,
                    timeout=_HTTP_TIMEOUT,
                )
            )
        return apps[0]

    def fetch() -> Grant:
        try:
            app = application()
            # msal keeps its own cache; empty it so a forced refresh really asks Entra.
            cache = app.token_cache
            for token in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                cache.remove_at(token)
            result = app.acquire_token_for_client(scopes=list(scopes))
        except (OSError, ValueError) as err:  # requests' errors are OSErrors
            raise TransientError(f"Microsoft token endpoint unreachable: {err}") from err
        if "access_token" not in result:
            raise _token_error("Microsoft", result)
        return Grant(result["access_token"], float(result.get("expires_in", 3600)))

    return fetch


# -- Google Workspace: service account with domain-wide delegation -------------------------


def google_service_account(
    service_account_file: Path,
    subject: str,
    *,
    scopes: Sequence[str] = (GOOGLE_MAIL_SCOPE,),
) -> Callable[[], Grant]:
    """A fetch function acting as ``subject`` (the mailbox) through a delegated service account."""
    from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    try:
        credentials = service_account.Credentials.from_service_account_file(
            str(service_account_file), scopes=list(scopes), subject=subject
        )
    except (OSError, ValueError, GoogleAuthError) as err:
        raise ConfigError(
            f"cannot load the Google service account file {service_account_file}: {err}"
        ) from err

    def fetch() -> Grant:
        try:
            credentials.refresh(Request())
        except TransportError as err:
            raise TransientError(f"Google token endpoint unreachable: {err}") from err
        except RefreshError as err:
            if err.retryable:
                raise TransientError(f"Google token refresh failed: {err}") from err
            raise PermanentError(
                f"Google refused the service account token for {subject}: {err} "
                "(is domain-wide delegation granted for https://mail.google.com/?)"
            ) from err
        expiry = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
        lifetime = (expiry - datetime.now(UTC)).total_seconds() if expiry else 3600.0
        return Grant(str(credentials.token), max(lifetime, 0.0))

    return fetch


# -- Refresh token (installed app or any token_url) ----------------------------------------


def post_token_request(token_url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST an OAuth2 token request; provider errors become Permanent/TransientError."""
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL comes from the admin's config
        token_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as response:  # noqa: S310
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as err:
        try:
            payload = json.loads(err.read() or b"{}")
        except ValueError:
            payload = {}
        if err.code >= 500 or err.code == 429:
            raise TransientError(f"token endpoint {token_url} answered {err.code}") from err
        raise _token_error(token_url, payload or {"error": f"HTTP {err.code}"}) from err
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise TransientError(f"token endpoint {token_url} unreachable: {err}") from err


def refresh_token_grant(
    token_url: str,
    client_id: str,
    client_secret: str | None,
    refresh_token_file: Path,
    *,
    scopes: Sequence[str] = (),
) -> Callable[[], Grant]:
    """A fetch function for the refresh-token grant that keeps a rotated token."""

    def fetch() -> Grant:
        refresh_token = read_refresh_token(refresh_token_file)
        form = {"grant_type": "refresh_token", "client_id": client_id}
        form["refresh_token"] = refresh_token
        if client_secret:
            form["client_secret"] = client_secret
        if scopes:
            form["scope"] = " ".join(scopes)
        result = post_token_request(token_url, form)
        if "access_token" not in result:
            raise _token_error(token_url, result)
        rotated = result.get("refresh_token")
        if rotated and rotated != refresh_token:
            store_refresh_token(refresh_token_file, rotated)
            log.info("oauth.refresh_token_rotated", file=str(refresh_token_file))
        return Grant(result["access_token"], float(result.get("expires_in", 3600)))

    return fetch


def client_credentials_grant(
    token_url: str, client_id: str, client_secret: str, *, scopes: Sequence[str] = ()
) -> Callable[[], Grant]:
    """A fetch function for a plain client-credentials grant at any token endpoint."""

    def fetch() -> Grant:
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        if scopes:
            form["scope"] = " ".join(scopes)
        result = post_token_request(token_url, form)
        if "access_token" not in result:
            raise _token_error(token_url, result)
        return Grant(result["access_token"], float(result.get("expires_in", 3600)))

    return fetch


def read_refresh_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as err:
        raise ConfigError(
            f"refresh token file {path} does not exist: run 'afilia auth login'"
        ) from err
    except OSError as err:
        raise ConfigError(f"cannot read refresh token file {path}: {err.strerror}") from err
    if not token:
        raise ConfigError(f"refresh token file {path} is empty: run 'afilia auth login'")
    return token


def store_refresh_token(path: Path, token: str) -> None:
    """Write atomically (temp file + rename in the same directory), mode 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _token_error(where: str, result: dict[str, Any]) -> PermanentError | TransientError:
    code = str(result.get("error", "unknown_error"))
    # The description may quote the request; keep only its first line, never a token.
    description = str(result.get("error_description", "")).splitlines()[:1]
    text = f"{where} refused the token request: {code}"
    if description:
        text += f" ({description[0][:200]})"
    if code in {"temporarily_unavailable", "server_error", "slow_down"}:
        return TransientError(text)
    return PermanentError(text)


# -- Wiring from the config -----------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationEndpoints:
    """Where ``afilia auth login`` sends the admin and where it trades the code."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = ()


def _microsoft_v2(oauth2: OAuth2Settings) -> str:
    return f"{MICROSOFT_AUTHORITY_HOST}/{oauth2.tenant_id or 'organizations'}/oauth2/v2.0"


def _refresh_endpoint(method: AuthMethod, oauth2: OAuth2Settings) -> tuple[str, tuple[str, ...]]:
    """(token_url, scopes) of a refresh-token set-up; ``token_url`` overrides the default."""
    if method is AuthMethod.OAUTH2_GOOGLE:
        return oauth2.token_url or GOOGLE_TOKEN_URL, oauth2.scopes or (GOOGLE_MAIL_SCOPE,)
    if method is AuthMethod.OAUTH2_MICROSOFT:
        token_url = oauth2.token_url or f"{_microsoft_v2(oauth2)}/token"
        return token_url, oauth2.scopes or MICROSOFT_DELEGATED_SCOPES
    return _required(oauth2.token_url, "oauth2.token_url"), oauth2.scopes


def authorization_endpoints(
    method: AuthMethod, oauth2: OAuth2Settings, authorize_url: str | None = None
) -> AuthorizationEndpoints:
    """The interactive (authorization-code) endpoints for a refresh-token set-up."""
    token_url, scopes = _refresh_endpoint(method, oauth2)
    if method is AuthMethod.OAUTH2_GOOGLE:
        offline = (("access_type", "offline"), ("prompt", "consent"))
        return AuthorizationEndpoints(
            authorize_url or GOOGLE_AUTHORIZE_URL, token_url, scopes, offline
        )
    if method is AuthMethod.OAUTH2_MICROSOFT:
        default = f"{_microsoft_v2(oauth2)}/authorize"
        return AuthorizationEndpoints(authorize_url or default, token_url, scopes)
    if not authorize_url:
        raise ConfigError("oauth2_generic needs --authorize-url for 'afilia auth login'")
    return AuthorizationEndpoints(authorize_url, token_url, scopes)


def build_token_provider(
    login: _LoginLike, *, state_dir: Path | None = None
) -> TokenProvider | None:
    """The provider for one IMAP/SMTP login section, or None for password logins.

    Which grant: a ``refresh_token_file`` means the refresh-token flow; otherwise Microsoft
    uses client credentials (shared mailbox), Google the delegated service account, and the
    generic method client credentials at ``token_url``. A relative ``refresh_token_file``
    lives in ``state_dir`` (it must be writable: never a systemd credential).
    """
    if login.auth is AuthMethod.PASSWORD:
        return None
    oauth2 = login.oauth2
    if oauth2 is None:
        raise ConfigError(f"auth = '{login.auth}' needs an [oauth2] table")
    name = f"{login.auth}:{login.username}"
    if oauth2.refresh_token_file is not None:
        path = oauth2.refresh_token_file
        if not path.is_absolute() and state_dir is not None:
            path = state_dir / path
        token_url, scopes = _refresh_endpoint(login.auth, oauth2)
        fetch = refresh_token_grant(
            token_url,
            _required(oauth2.client_id, "oauth2.client_id"),
            oauth2.client_secret(),
            path,
            scopes=scopes,
        )
        return TokenProvider(name, fetch)
    if login.auth is AuthMethod.OAUTH2_MICROSOFT:
        fetch = microsoft_client_credentials(
            _required(oauth2.tenant_id, "oauth2.tenant_id"),
            _required(oauth2.client_id, "oauth2.client_id"),
            _required(oauth2.client_secret(), "oauth2.client_secret_env or _file"),
            scopes=oauth2.scopes or (MICROSOFT_MAIL_SCOPE,),
        )
        return TokenProvider(name, fetch)
    if login.auth is AuthMethod.OAUTH2_GOOGLE:
        account = _required(oauth2.service_account_file, "oauth2.service_account_file")
        fetch = google_service_account(
            _credential_path(account),
            _required(login.username, "username (the mailbox to act as)"),
            scopes=oauth2.scopes or (GOOGLE_MAIL_SCOPE,),
        )
        return TokenProvider(name, fetch)
    fetch = client_credentials_grant(
        _required(oauth2.token_url, "oauth2.token_url"),
        _required(oauth2.client_id, "oauth2.client_id"),
        _required(oauth2.client_secret(), "oauth2.client_secret_env or _file"),
        scopes=oauth2.scopes,
    )
    return TokenProvider(name, fetch)


def _credential_path(path: Path) -> Path:
    """A relative secret file is a systemd credential name (LoadCredential=)."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if not path.is_absolute() and credentials:
        return Path(credentials) / path
    return path


_T = TypeVar("_T")


def _required(value: _T | None, what: str) -> _T:
    if value is None or value == "":
        raise ConfigError(f"OAuth2 set-up is missing {what}")
    return value


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) for the authorization-code flow of ``afilia auth login``."""
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# -- afilia auth login: the authorization-code flow, once, by the admin ---------------------------


def authorization_url(
    endpoints: AuthorizationEndpoints,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    login_hint: str = "",
) -> str:
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": " ".join(endpoints.scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        **dict(endpoints.extra),
    }
    if login_hint:
        query["login_hint"] = login_hint
    return f"{endpoints.authorize_url}?{urllib.parse.urlencode(query)}"


def code_from_pasted(pasted: str, expected_state: str) -> str:
    """The code from what the admin pasted: the whole redirect address, or the code alone."""
    pasted = pasted.strip()
    if "?" not in pasted and "=" not in pasted:
        if not pasted:
            raise ConfigError("nothing pasted: paste the address the browser ended on")
        return pasted
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(pasted).query or pasted)
    if "error" in query:
        described = query.get("error_description", query["error"])[0]
        raise PermanentError(f"the provider refused the sign-in: {described}")
    if query.get("state", [expected_state])[0] != expected_state:
        raise PermanentError("the pasted address is from another sign-in (state differs)")
    if "code" not in query:
        raise ConfigError("no code= in the pasted address")
    return query["code"][0]


def exchange_code(
    endpoints: AuthorizationEndpoints,
    client_id: str,
    client_secret: str | None,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> Grant:
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    result = post_token_request(endpoints.token_url, form)
    if "access_token" not in result:
        raise _token_error(endpoints.token_url, result)
    if not result.get("refresh_token"):
        raise PermanentError(
            "the provider gave no refresh token: ask for offline access "
            "(Microsoft: the offline_access scope; Google: access_type=offline, prompt=consent)"
        )
    return Grant(
        result["access_token"], float(result.get("expires_in", 3600)), result["refresh_token"]
    )
