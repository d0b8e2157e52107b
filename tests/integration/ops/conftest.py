"""The PostgreSQL fixtures, until the root conftest registers ``tests.servers.postgres``."""

from tests.servers.postgres import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]
