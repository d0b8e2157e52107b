"""Dovecot that accepts XOAUTH2/OAUTHBEARER, validating tokens at our local OAuth server.

Dovecot's oauth2 passdb asks the token server's RFC 7662 introspection endpoint whether a
bearer token is active and whose it is; the local ``OAuthServer`` answers from the tokens
it issued. So a test drives the real chain: token endpoint -> TokenProvider -> IMAP
XOAUTH2 -> Dovecot -> introspection. Plain logins still work (static password), for the
test's own set-up and inspection.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.dovecot import DOVECOT, DovecotAccount, DovecotServer, free_port
from tests.servers.oauth import OAuthServer, serve_oauth


@dataclass
class DovecotOAuthServer(DovecotServer):
    introspection_url: str = ""

    def write_config(self) -> None:
        super().write_config()
        oauth_conf = self.root / "dovecot-oauth2.conf.ext"
        oauth_conf.write_text(
            f"""
introspection_mode = post
introspection_url = {self.introspection_url}
tokeninfo_url =
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
""",
            encoding="utf-8",
        )
        oauth_conf.chmod(0o644)
        text = self.config_path.read_text(encoding="utf-8")
        text = text.replace(
            "auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer"
        )
        text = text.replace(
            "passdb {",
            f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {oauth_conf}\n}}\npassdb {{\n  mechanisms = plain login",
            1,
        )
        self.config_path.write_text(text, encoding="utf-8")


@dataclass
class OAuthMailbox:
    """A Dovecot account whose logins are checked against ``oauth``."""

    account: DovecotAccount
    oauth: OAuthServer


@pytest.fixture(scope="session")
def dovecot_oauth_server() -> Iterator[tuple[DovecotOAuthServer, OAuthServer]]:
    if not Path(DOVECOT).exists():
        pytest.fail("dovecot is not installed (scripts/test installs dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="afilia-dovecot-oauth-"))
    base.chmod(0o755)
    oauth_server = serve_oauth(base)
    oauth = next(oauth_server)
    server = DovecotOAuthServer(
        root=base, port=free_port(), introspection_url=oauth.introspection_url
    )
    server.start()
    try:
        yield server, oauth
    finally:
        server.stop()
        oauth_server.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def oauth_mailbox(dovecot_oauth_server: tuple[DovecotOAuthServer, OAuthServer]) -> OAuthMailbox:
    server, oauth = dovecot_oauth_server
    oauth.state.revoke_access_tokens()
    oauth.state.refresh_tokens.clear()
    oauth.state.grants.clear()
    oauth.state.clients.clear()
    return OAuthMailbox(server.new_account(), oauth)
