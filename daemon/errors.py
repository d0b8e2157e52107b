"""Our own error hierarchy.

Library errors are re-raised as one of these (``raise TransientError(...) from err``) so the
loops can decide between retrying later and quarantining without knowing which library failed.
"""


class AfiliaError(Exception):
    """Base of every error afilia raises on purpose."""


class ConfigError(AfiliaError):
    """The configuration or a rules profile is invalid; the message names the bad key."""


class TransientError(AfiliaError):
    """Worth retrying later: connection drops, 4xx SMTP replies, a locked database."""


class PermanentError(AfiliaError):
    """Retrying will not help: 5xx SMTP replies, a rejected login, a malformed address."""


class SchemaOutOfDateError(AfiliaError):
    """The database schema is older than this code; run ``afilia db upgrade``."""
