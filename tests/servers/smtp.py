"""A real SMTP server (aiosmtpd) on loopback that records what it receives.

It can refuse chosen recipients with a 4xx or 5xx, drop the connection at DATA, offer
STARTTLS (certificate from the test CA, ``tests.servers.tls``) or implicit TLS, and
require AUTH (LOGIN/PLAIN with a password, or XOAUTH2 with an accepted token).

Fixtures: ``smtp_server`` (plain, no auth) and ``smtp_server_factory(**options)``.
"""

from __future__ import annotations

import base64
import gc
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from daemon.config import SmtpOutgoing
from tests.servers.dovecot import free_port
from tests.servers.tls import server_context

USER = "afilia"
PASSWORD = "smtp-test-password"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


@dataclass
class RecordingHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "450 ..." / "550 ..."
    data_reply: str | None = None  # e.g. "451 try later" for every DATA
    drop_at_data: set[int] = field(default_factory=set)  # drop the connection at these DATA #s
    oauth_tokens: set[str] = field(default_factory=set)
    data_count: int = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_count += 1
        if self.data_count in self.drop_at_data:
            assert server.transport is not None
            server.transport.abort()
            return "421 dropped"
        if self.data_reply:
            return self.data_reply
        raw = envelope.original_content or b""
        self.received.append(
            ReceivedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(raw))
        )
        return "250 Message accepted for delivery"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        try:
            decoded = base64.b64decode(args[1]).decode()
            fields = dict(part.split("=", 1) for part in decoded.split("\x01") if "=" in part)
            token = fields.get("auth", "").removeprefix("Bearer ")
        except (IndexError, ValueError):
            return AuthResult(success=False, handled=False)
        if token in self.oauth_tokens:
            return AuthResult(success=True, auth_data=fields.get("user"))
        # Like Gmail/Outlook: the error as a 334 challenge, then 535 after the empty answer.
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535


def _password_authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    controller: Controller
    handler: RecordingHandler
    port: int
    security: str  # "none", "starttls" or "tls"
    auth: bool

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    def refuse(self, address: str, reply: str) -> None:
        """Answer RCPT TO for ``address`` with ``reply`` (e.g. "550 5.1.1 no such user")."""
        self.handler.rcpt_replies[address.lower()] = reply

    def settings(self, **overrides: Any) -> SmtpOutgoing:
        values: dict[str, Any] = {
            "kind": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "security": self.security,
            "username": USER if self.auth else "",
            "timeout_seconds": 10.0,
        }
        values.update(overrides)
        return SmtpOutgoing.model_validate(values)

    def stop(self) -> None:
        self.controller.stop()


def start_smtp_server(
    *, security: str = "none", auth: bool = False, oauth_tokens: tuple[str, ...] = ()
) -> SmtpServer:
    handler = RecordingHandler(oauth_tokens=set(oauth_tokens))
    port = free_port()
    options: dict[str, Any] = {}
    if security == "starttls":
        options.update(tls_context=server_context(), require_starttls=True)
    if auth or oauth_tokens:
        options.update(
            authenticator=_password_authenticator,
            auth_required=True,
            # implicit TLS is invisible to aiosmtpd's check, which only knows STARTTLS
            auth_require_tls=security == "starttls",
        )
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context() if security == "tls" else None,
        server_hostname="localhost",
        **options,
    )
    controller.start()
    return SmtpServer(controller, handler, port, security, auth or bool(oauth_tokens))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on loopback, no TLS, no AUTH, accepting everything."""
    server = start_smtp_server()
    yield server
    server.stop()
    _collect_server_sockets()


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    started: list[SmtpServer] = []

    def make(**options: Any) -> SmtpServer:
        server = start_smtp_server(**options)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
    _collect_server_sockets()


def _collect_server_sockets() -> None:
    """Collect the sockets aiosmtpd's stopped event loop leaves behind, here and quietly.

    Controller.stop() closes the server's loop with connections of dropped or upgraded
    (STARTTLS) sessions still referenced; without this, the garbage collector finds them
    during some later, unrelated test and pytest fails that test with a ResourceWarning.
    Our own client is checked separately (test_smtp_mailer: no socket left open).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
