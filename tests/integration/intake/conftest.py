"""Real servers for the intake tests."""

from tests.servers.postgres import database_url, postgres_server, postgres_url  # noqa: F401
from tests.servers.smtp import smtp_server  # noqa: F401
