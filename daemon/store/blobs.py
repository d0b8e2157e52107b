"""Content-addressed storage of raw mails and documents: ``blobs/ab/abcdef...``.

Written (and fsynced) before the database row that names them commits, so a committed
decision always has its evidence on disk; a crash before commit leaves an orphan blob that
the next attempt reuses. Files are 0600 in 0700 directories: they hold personal data.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A unique temporary name: several threads or workers may store the same blob.
        fd, tmp = tempfile.mkstemp(prefix=f".{digest}.", suffix=".tmp", dir=target.parent)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path_for(digest).read_bytes()

    def delete(self, digest: str) -> bool:
        try:
            self.path_for(digest).unlink()
        except FileNotFoundError:
            return False
        return True
