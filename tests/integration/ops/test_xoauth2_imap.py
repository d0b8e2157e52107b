"""XOAUTH2 for real: token endpoint -> TokenProvider -> IMAP -> Dovecot -> introspection."""

from __future__ import annotations

from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from daemon.config import AuthMethod, OAuth2Settings
from daemon.mail.imap_mailbox import ImapMailbox
from daemon.mail.oauth import build_token_provider
from tests.servers.dovecot_oauth import OAuthMailbox

pytestmark = pytest.mark.integration


def _settings(mailbox: OAuthMailbox, token_file: Path):
    return mailbox.account.settings(
        auth=AuthMethod.OAUTH2_GOOGLE,  # google-auth, its token_uri the local server
        oauth2=OAuth2Settings(
            client_id="afilia-app",
            token_url=mailbox.oauth.token_url,
            refresh_token_file=token_file,
        ),
    )


def test_imap_login_with_a_token_from_the_refresh_token(
    oauth_mailbox: OAuthMailbox, tmp_path: Path
) -> None:
    oauth = oauth_mailbox.oauth
    oauth.state.clients["afilia-app"] = ""
    oauth.state.refresh_tokens["rt-1"] = oauth_mailbox.account.user
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-1")
    settings = _settings(oauth_mailbox, token_file)
    provider = build_token_provider(settings)
    mailbox = ImapMailbox(settings, None, token_provider=provider)
    try:
        assert "INBOX" in [name.upper() for name in mailbox.folder_names()]
    finally:
        mailbox.close()


def test_a_token_the_server_no_longer_accepts_is_refreshed_once(
    oauth_mailbox: OAuthMailbox, tmp_path: Path
) -> None:
    oauth = oauth_mailbox.oauth
    oauth.state.clients["afilia-app"] = ""
    oauth.state.refresh_tokens["rt-1"] = oauth_mailbox.account.user
    token_file = tmp_path / "refresh-token"
    token_file.write_text("rt-1")
    settings = _settings(oauth_mailbox, token_file)
    provider = build_token_provider(settings)
    assert provider is not None
    provider()  # cached, then revoked server-side (e.g. password reset, admin revocation)
    oauth.state.revoke_access_tokens()
    mailbox = ImapMailbox(settings, None, token_provider=provider)
    try:
        mailbox.folder_names()
    finally:
        mailbox.close()
    assert oauth.state.grants == ["refresh_token", "refresh_token"]


def test_dovecot_refuses_a_token_for_another_mailbox(oauth_mailbox: OAuthMailbox) -> None:
    oauth = oauth_mailbox.oauth
    token = oauth.state.issue("someone-else")["access_token"]
    client = IMAPClient("127.0.0.1", port=oauth_mailbox.account.port, ssl=False, timeout=10)
    try:
        with pytest.raises(LoginError):
            client.oauth2_login(oauth_mailbox.account.user, token)
    finally:
        client.shutdown()
