"""OAuth2 access tokens for XOAUTH2 logins to Microsoft 365 and Google Workspace.

A ``TokenProvider`` is what the IMAP and SMTP adapters hold: call it for a token, call it
with ``force_refresh=True`` after the server refused one. It caches each token until
shortly before it expires, so a busy mailbox does not ask the provider for every login.

The protocols themselves are the providers' libraries' job: msal for Microsoft
(``oauth_microsoft``), google-auth and google-auth-oauthlib for Google (``oauth_google``).
This module picks the grant from the config:
- no ``refresh_token_file``: Microsoft client credentials (shared mailbox, no user) or a
  Google service account with domain-wide delegation acting as the mailbox;
- ``refresh_token_file``: a delegated sign-in made once with ``afilia auth login``; when the
  provider rotates the refresh token the new one is written back at once, atomically and
  0600 (``refresh_token_file``). Dropping it is how mailboxes elsewhere died after 90 days.

Tokens never reach a log line: only the provider's name and lifetimes are logged.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import structlog

from daemon.config import AuthMethod, OAuth2Settings
from daemon.errors import ConfigError, PermanentError, TransientError

log = structlog.get_logger(__name__)

HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Grant:
    """One access token and how long the provider says it lives (seconds)."""

    access_token: str
    expires_in: float

    def __repr__(self) -> str:  # never print a token, not even in a traceback
        return f"Grant(expires_in={self.expires_in})"


@dataclass(frozen=True)
class SignIn:
    """An ``afilia auth login`` under way: the address to open, and how to finish it."""

    url: str
    state: str
    finish: Callable[[str], str]  # the authorization code -> the refresh token


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


def token_refused(where: str, code: str, description: str = "") -> PermanentError | TransientError:
    """A provider's OAuth error as ours: retry only what the provider says is temporary."""
    # The description may quote the request; keep only its first line, never a token.
    first = description.splitlines()[:1]
    text = f"{where} refused the token request: {code or 'unknown_error'}"
    if first:
        text += f" ({first[0][:200]})"
    if code in {"temporarily_unavailable", "server_error", "slow_down"}:
        return TransientError(text)
    return PermanentError(text)


def refresh_token_path(oauth2: OAuth2Settings, state_dir: Path | None) -> Path | None:
    """Where the refresh token lives: a relative ``refresh_token_file`` is in ``state_dir``
    (it must be writable: never a systemd credential)."""
    path = oauth2.refresh_token_file
    if path is not None and not path.is_absolute() and state_dir is not None:
        return state_dir / path
    return path


def build_token_provider(
    login: _LoginLike, *, state_dir: Path | None = None
) -> TokenProvider | None:
    """The provider for one IMAP/SMTP login section, or None for password logins."""
    if login.auth is AuthMethod.PASSWORD:
        return None
    oauth2 = login.oauth2
    if oauth2 is None:
        raise ConfigError(f"auth = '{login.auth}' needs an [oauth2] table")
    name = f"{login.auth}:{login.username}"
    token_file = refresh_token_path(oauth2, state_dir)
    if login.auth is AuthMethod.OAUTH2_MICROSOFT:
        from daemon.mail import oauth_microsoft as microsoft

        client_id = required(oauth2.client_id, "oauth2.client_id")
        authority = microsoft.authority_of(oauth2)
        if token_file is not None:
            scopes = microsoft.delegated_scopes(oauth2.scopes)
            fetch = microsoft.refresh_token_grant(
                authority, client_id, oauth2.client_secret(), token_file, scopes=scopes
            )
        else:
            fetch = microsoft.client_credentials(
                authority,
                client_id,
                required(oauth2.client_secret(), "oauth2.client_secret_env or _file"),
                scopes=oauth2.scopes or (microsoft.MAIL_SCOPE,),
            )
        return TokenProvider(name, fetch)
    if login.auth is AuthMethod.OAUTH2_GOOGLE:
        from daemon.mail import oauth_google as google

        scopes = oauth2.scopes or (google.MAIL_SCOPE,)
        if token_file is not None:
            fetch = google.refresh_token_grant(
                oauth2.token_url or google.TOKEN_URL,
                required(oauth2.client_id, "oauth2.client_id"),
                oauth2.client_secret(),
                token_file,
                scopes=scopes,
            )
        else:
            account = required(oauth2.service_account_file, "oauth2.service_account_file")
            fetch = google.service_account(
                credential_path(account),
                required(login.username, "username (the mailbox to act as)"),
                scopes=scopes,
            )
        return TokenProvider(name, fetch)
    raise ConfigError(f"auth = '{login.auth}' is not an OAuth2 method afilia knows")


def start_sign_in(login: _LoginLike, redirect_uri: str, authorize_url: str | None = None) -> SignIn:
    """The interactive authorization-code flow (with PKCE) of ``afilia auth login``."""
    oauth2 = login.oauth2
    if oauth2 is None:
        raise ConfigError(f"auth = '{login.auth}' needs an [oauth2] table")
    client_id = required(oauth2.client_id, "oauth2.client_id")
    if login.auth is AuthMethod.OAUTH2_MICROSOFT:
        from daemon.mail import oauth_microsoft as microsoft

        if authorize_url:
            raise ConfigError(
                "Microsoft's sign-in address comes from the tenant: leave out --authorize-url"
            )
        return microsoft.sign_in(
            microsoft.authority_of(oauth2),
            client_id,
            oauth2.client_secret(),
            redirect_uri,
            scopes=microsoft.delegated_scopes(oauth2.scopes),
            login_hint=login.username,
        )
    if login.auth is AuthMethod.OAUTH2_GOOGLE:
        from daemon.mail import oauth_google as google

        return google.sign_in(
            client_id,
            oauth2.client_secret(),
            redirect_uri,
            scopes=oauth2.scopes or (google.MAIL_SCOPE,),
            login_hint=login.username,
            token_url=oauth2.token_url or google.TOKEN_URL,
            authorize_url=authorize_url or google.AUTHORIZE_URL,
        )
    raise ConfigError(f"auth = '{login.auth}' has no sign-in")


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


def no_refresh_token() -> PermanentError:
    return PermanentError(
        "the provider gave no refresh token: ask for offline access "
        "(Microsoft: a public client or a web app with delegated permissions; "
        "Google: a Desktop app client, consent screen In production)"
    )


def credential_path(path: Path) -> Path:
    """A relative secret file is a systemd credential name (LoadCredential=)."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if not path.is_absolute() and credentials:
        return Path(credentials) / path
    return path


_T = TypeVar("_T")


def required(value: _T | None, what: str) -> _T:
    if value is None or value == "":
        raise ConfigError(f"OAuth2 set-up is missing {what}")
    return value
