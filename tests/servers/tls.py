"""A throwaway certificate authority for test servers on loopback (trustme)."""

from __future__ import annotations

import ssl
from functools import cache

import trustme


@cache
def test_ca() -> trustme.CA:
    """One CA per test session; certificates are made in memory, never written to the repo."""
    return trustme.CA()


def server_context(*, hostnames: tuple[str, ...] = ("127.0.0.1", "localhost")) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca().issue_cert(*hostnames).configure_cert(context)
    return context


def client_context() -> ssl.SSLContext:
    """What our adapters get in tests: verifies the server against the test CA only."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    test_ca().configure_trust(context)
    return context
