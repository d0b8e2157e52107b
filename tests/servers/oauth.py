"""A local OAuth2 authorization server for the tests (stdlib http.server, loopback).

It speaks just enough of the real protocols for our clients to run unchanged:
- ``POST /token`` (and Entra's ``/{tenant}/oauth2/v2.0/token``): client_credentials,
  refresh_token (optionally rotating the refresh token), authorization_code, and the
  JWT-bearer grant Google service accounts use (signature checked with the key's public half);
  the client authenticates in the form or with HTTP Basic (RFC 6749 2.3.1: requests-oauthlib
  uses Basic);
- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` for msal's tenant discovery;
- ``POST /introspect`` (RFC 7662) so Dovecot's oauth2 passdb can validate XOAUTH2 logins.

With ``tls=True`` it serves HTTPS with a throw-away self-signed certificate (msal refuses
plain HTTP authorities); ``ca_file`` is what clients pass as ``verify``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class OAuthState:
    """What the server knows and what it was asked; tests read and change it directly."""

    clients: dict[str, str] = field(default_factory=dict)  # client_id -> secret ("" = public)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> subject
    codes: dict[str, str] = field(default_factory=dict)  # authorization code -> subject
    service_accounts: dict[str, Any] = field(default_factory=dict)  # email -> public key
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # -> (sub, exp)
    rotate_refresh_tokens: bool = False
    expires_in: int = 3600
    fail_next: str | None = None  # an OAuth error code for the next token request
    grants: list[str] = field(default_factory=list)  # grant_type of each request, in order
    code_verifiers: list[str] = field(default_factory=list)  # PKCE, per code exchanged
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, subject: str) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(24)
        self.access_tokens[token] = (subject, time.time() + self.expires_in)
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    def active_subject(self, token: str) -> str | None:
        found = self.access_tokens.get(token)
        if found is None or found[1] < time.time():
            return None
        return found[0]

    def revoke_access_tokens(self) -> None:
        self.access_tokens.clear()


class _Handler(BaseHTTPRequestHandler):
    server: _OAuthHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            tenant = path.strip("/").split("/")[0]
            base = f"{self.server.base_url}/{tenant}"
            self._json(
                200,
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "issuer": f"{base}/v2.0",
                },
            )
            return
        self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            import base64

            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            form.setdefault("client_id", urllib.parse.unquote_plus(user))
            form.setdefault("client_secret", urllib.parse.unquote_plus(password))
        path = urllib.parse.urlparse(self.path).path
        state = self.server.state
        with state.lock:
            if path.endswith("/introspect"):
                subject = state.active_subject(form.get("token", ""))
                body = {"active": True, "username": subject} if subject else {"active": False}
                self._json(200, body)
                return
            if not path.endswith("/token"):
                self._json(404, {"error": "not_found"})
                return
            status, body = self._token(form, state)
        self._json(status, body)

    def _token(self, form: dict[str, str], state: OAuthState) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        state.grants.append(grant)
        if state.fail_next:
            error, state.fail_next = state.fail_next, None
            return 400, {"error": error, "error_description": "as the test asked"}
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_bearer(form.get("assertion", ""), state)
        client_id = form.get("client_id", "")
        if client_id not in state.clients or state.clients[client_id] != form.get(
            "client_secret", ""
        ):
            return 401, {"error": "invalid_client"}
        if grant == "client_credentials":
            return 200, state.issue(f"app:{client_id}")
        if grant == "refresh_token":
            subject = state.refresh_tokens.get(form.get("refresh_token", ""))
            if subject is None:
                return 400, {"error": "invalid_grant", "error_description": "unknown token"}
            body = state.issue(subject)
            if state.rotate_refresh_tokens:
                del state.refresh_tokens[form["refresh_token"]]
                rotated = "rt-" + secrets.token_urlsafe(24)
                state.refresh_tokens[rotated] = subject
                body["refresh_token"] = rotated
            return 200, body
        if grant == "authorization_code":
            state.code_verifiers.append(form.get("code_verifier", ""))
            subject = state.codes.pop(form.get("code", ""), None)
            if subject is None:
                return 400, {"error": "invalid_grant"}
            body = state.issue(subject)
            refresh = "rt-" + secrets.token_urlsafe(24)
            state.refresh_tokens[refresh] = subject
            body["refresh_token"] = refresh
            return 200, body
        return 400, {"error": "unsupported_grant_type"}

    def _jwt_bearer(self, assertion: str, state: OAuthState) -> tuple[int, dict[str, Any]]:
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False})["iss"]
            key = state.service_accounts[issuer]
            # google-auth always addresses the assertion to Google's token URL.
            audiences = [f"{self.server.base_url}/token", "https://oauth2.googleapis.com/token"]
            claims = jwt.decode(assertion, key, algorithms=["RS256"], audience=audiences)
        except (jwt.PyJWTError, KeyError):
            return 400, {"error": "invalid_grant", "error_description": "bad assertion"}
        return 200, state.issue(claims.get("sub") or issuer)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _OAuthHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    state: OAuthState
    base_url: str


@dataclass
class OAuthServer:
    base_url: str
    state: OAuthState
    ca_file: Path | None

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    def google_service_account(self, directory: Path, email: str) -> Path:
        """Write a service-account JSON whose token_uri is this server; register its key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.state.service_accounts[email] = key.public_key()
        info = {
            "type": "service_account",
            "project_id": "afilia-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": email,
            "client_id": "1234567890",
            "token_uri": self.token_url,
        }
        path = directory / "service-account.json"
        path.write_text(json.dumps(info), encoding="utf-8")
        return path


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "oauth-cert.pem", directory / "oauth-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def serve_oauth(directory: Path, *, tls: bool = False) -> Iterator[OAuthServer]:
    httpd = _OAuthHTTPServer(("127.0.0.1", 0), _Handler)
    ca_file = None
    if tls:
        ca_file, key_file = _self_signed(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ca_file, key_file)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    scheme = "https" if tls else "http"
    httpd.base_url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    httpd.state = OAuthState()
    thread = threading.Thread(target=httpd.serve_forever, name="oauth-server", daemon=True)
    thread.start()
    try:
        yield OAuthServer(httpd.base_url, httpd.state, ca_file)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def oauth_server(tmp_path: Path) -> Iterator[OAuthServer]:
    """A plain-HTTP token endpoint on loopback (refresh-token, client-credentials, Google)."""
    yield from serve_oauth(tmp_path)


@pytest.fixture
def oauth_tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthServer]:
    """The same over HTTPS with a self-signed certificate (msal needs https).

    requests prefers $REQUESTS_CA_BUNDLE/$CURL_CA_BUNDLE over a session's ``verify``, so
    they are unset for the test to trust ``ca_file``.
    """
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    yield from serve_oauth(tmp_path, tls=True)


# -- an SMTP server that accepts XOAUTH2 bearer tokens this OAuth server issued ---------------


@dataclass
class XOAuth2Smtp:
    host: str
    port: int
    received: list[Any]  # aiosmtpd envelopes
    logins: list[str]  # users that authenticated


class _XOAuth2Handler:
    def __init__(self, state: OAuthState) -> None:
        self.state = state
        self.received: list[Any] = []
        self.logins: list[str] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> Any:
        import base64

        from aiosmtpd.smtp import AuthResult

        if len(args) < 2:  # no initial response: ask for it (RFC 4954 334 continuation)
            blob = await server.challenge_auth("", encode_to_b64=False)
            raw = blob if isinstance(blob, bytes) else b""
        else:
            raw = base64.b64decode(args[1])
        fields = dict(
            part.split("=", 1) for part in raw.decode(errors="replace").split("\x01") if "=" in part
        )
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        with self.state.lock:
            subject = self.state.active_subject(token)
        if subject != user:
            return AuthResult(success=False, handled=False)
        self.logins.append(user)
        return AuthResult(success=True, auth_data=user)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def xoauth2_smtp(oauth_server: OAuthServer) -> Iterator[XOAuth2Smtp]:
    """aiosmtpd on loopback offering AUTH XOAUTH2, checked against ``oauth_server``'s tokens."""
    from aiosmtpd.controller import Controller

    handler = _XOAuth2Handler(oauth_server.state)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN", "PLAIN"],
    )
    controller.start()
    try:
        yield XOAuth2Smtp("127.0.0.1", port, handler.received, handler.logins)
    finally:
        controller.stop()
