"""The refresh token of a delegated OAuth2 sign-in, kept in one file of the state directory.

Providers may hand out a new refresh token on each refresh and revoke the old one
(Microsoft does, and Google can). The new one must reach the disk at once, whole or not at
all: a crash between the refresh and the write, or a half-written file, is how mailboxes
elsewhere stopped working 90 days after set-up. Hence a temp file in the same directory,
fsync, rename, fsync of the directory; mode 0600 in a 0700 directory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from daemon.errors import ConfigError


def read_refresh_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as err:
        raise ConfigError(
            f"refresh token file {path} does not exist: run 'afilia auth login'"
        ) from err
    except OSError as err:
        raise ConfigError(f"cannot read refresh token file {path}: {err.strerror}") from err
    if not token:
        raise ConfigError(f"refresh token file {path} is empty: run 'afilia auth login'")
    return token


def store_refresh_token(path: Path, token: str) -> None:
    """Write atomically (temp file + rename in the same directory), mode 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def keep_if_rotated(path: Path, used: str, returned: str | None) -> bool:
    """Store the refresh token the provider returned when it differs from the one used."""
    if not returned or returned == used:
        return False
    store_refresh_token(path, returned)
    return True
