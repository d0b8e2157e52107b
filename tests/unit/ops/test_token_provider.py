"""TokenProvider: cache until shortly before expiry, refresh on demand, never show a token."""

from __future__ import annotations

import asyncio
import base64

from daemon.mail.oauth import Grant, TokenProvider, xoauth2_string


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Issuer:
    def __init__(self, lifetime: float = 3600) -> None:
        self.count = 0
        self.lifetime = lifetime

    def __call__(self) -> Grant:
        self.count += 1
        return Grant(f"token-{self.count}", self.lifetime)


def test_a_token_is_reused_until_five_minutes_before_it_expires() -> None:
    clock, issuer = _Clock(), _Issuer(3600)
    provider = TokenProvider("test", issuer, clock=clock)
    assert provider() == "token-1"
    clock.now += 3600 - 301
    assert provider() == "token-1"
    clock.now += 2
    assert provider() == "token-2"
    assert issuer.count == 2


def test_a_short_lived_token_is_refreshed_at_half_its_lifetime() -> None:
    clock, issuer = _Clock(), _Issuer(60)
    provider = TokenProvider("test", issuer, clock=clock)
    provider()
    clock.now += 29
    assert provider() == "token-1"
    clock.now += 2
    assert provider() == "token-2"


def test_force_refresh_after_an_auth_failure_fetches_a_new_token() -> None:
    issuer = _Issuer()
    provider = TokenProvider("test", issuer, clock=_Clock())
    assert provider() == "token-1"
    assert provider(force_refresh=True) == "token-2"
    assert provider() == "token-2"


def test_the_async_form_is_what_aiosmtplib_calls() -> None:
    provider = TokenProvider("test", _Issuer(), clock=_Clock())
    assert asyncio.run(provider.async_token()) == "token-1"


def test_neither_the_provider_nor_a_grant_shows_the_token() -> None:
    grant = Grant("secret-access-token", 3600)
    provider = TokenProvider("oauth2_google:servicios@ute.example.edu.mx", lambda: grant)
    provider()
    assert "secret" not in repr(grant)
    assert "secret" not in repr(provider)


def test_xoauth2_initial_response_has_the_documented_shape() -> None:
    raw = xoauth2_string("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
    expected = (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjN"
        "SbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )  # Google's XOAUTH2 documentation example
    assert base64.b64encode(raw.encode()).decode() == expected
