"""Replies written to a local Maildir outbox: the embedded default transport.

Each file is named after its Message-ID, so delivering the same mail twice (a resend after
a crash between writing and committing) leaves exactly one file. Files are written to
``tmp/`` and renamed into ``new/``: a reader never sees half a mail.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from daemon.errors import TransientError
from daemon.mail.ports import DeliveryResult, OutgoingMail


class MaildirMailer:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        for sub in ("", "tmp", "new", "cur"):
            (self.path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    def file_name(self, message_id: str) -> str:
        """The one file name a Message-ID maps to."""
        return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:40] + ".afilia"

    def deliver(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        results = []
        for mail in mails:
            try:
                self._write(mail)
            except OSError as err:  # disk full, permissions: worth retrying later
                raise TransientError(f"cannot write to Maildir outbox {self.path}: {err}") from err
            results.append(DeliveryResult(message_id=mail.message_id, delivered=True))
        return results

    def _write(self, mail: OutgoingMail) -> None:
        name = self.file_name(mail.message_id)
        final = self.path / "new" / name
        if final.exists() or any((self.path / "cur").glob(f"{name}*")):
            return
        temporary = self.path / "tmp" / f"{name}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(mail.raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        dir_fd = os.open(self.path / "new", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        """Nothing to release; here to satisfy ``Mailer``."""
