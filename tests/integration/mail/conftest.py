"""Real servers for the mail adapters' integration tests."""

from tests.servers.dovecot import (  # noqa: F401 - pytest fixtures
    dovecot,
    dovecot_server,
    dovecot_server_factory,
    dovecot_without_move,
    dovecot_without_move_server,
)
from tests.servers.smtp import smtp_server, smtp_server_factory  # noqa: F401
