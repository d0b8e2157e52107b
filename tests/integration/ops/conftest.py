"""Real servers for the operations tests (until the root conftest registers them all)."""

from tests.servers.dovecot import dovecot, dovecot_server
from tests.servers.dovecot_oauth import dovecot_oauth_server, oauth_mailbox
from tests.servers.oauth import oauth_server, oauth_tls_server, xoauth2_smtp
from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = [
    "database_url",
    "dovecot",
    "dovecot_oauth_server",
    "dovecot_server",
    "oauth_mailbox",
    "oauth_server",
    "oauth_tls_server",
    "postgres_server",
    "postgres_url",
    "xoauth2_smtp",
]
