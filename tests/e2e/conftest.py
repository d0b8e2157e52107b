"""Real servers for the daemon-process tests."""

from tests.servers.dovecot import dovecot, dovecot_server  # noqa: F401 - pytest fixtures
from tests.servers.smtp import smtp_server  # noqa: F401 - pytest fixture
