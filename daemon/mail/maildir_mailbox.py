"""A local Maildir as the inbox: the embedded default, no mail server needed.

A newcomer drops a file into ``new/`` and sees the reply; processed mail moves into the
Maildir++ subfolder ``.procesados`` by one rename, so a crash leaves it either waiting or
done, never half-moved. The Maildir key is the stable reference across restarts.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from daemon.errors import TransientError
from daemon.mail.ports import FetchedMail, MailRef, Shard

_HEADER_SCAN_BYTES = 256 * 1024


class MaildirMailbox:
    def __init__(
        self,
        name: str,
        path: Path,
        processed_folder: str = "procesados",
        *,
        quarantine_folder: str = "cuarentena",
        max_message_bytes: int = 25 * 1024 * 1024,
        poll_seconds: float = 1.0,
    ) -> None:
        self.name = name
        self.shard: Shard | None = None  # set by the entry point for --shard K/N
        self.path = Path(path)
        self.processed_folder = processed_folder
        self.quarantine_folder = quarantine_folder
        self.max_message_bytes = max_message_bytes
        self.poll_seconds = poll_seconds
        self._seen: set[str] = set()
        self._create()

    @property
    def processed_path(self) -> Path:
        return self.path / f".{self.processed_folder}"

    @property
    def quarantine_path(self) -> Path:
        return self.path / f".{self.quarantine_folder}"

    def _create(self) -> None:
        for directory in (self.path, self.processed_path, self.quarantine_path):
            for sub in ("", "tmp", "new", "cur"):
                (directory / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder in (self.processed_path, self.quarantine_path):
            marker = folder / "maildirfolder"
            if not marker.exists():
                marker.touch(mode=0o600)

    def _waiting(self) -> list[tuple[float, str, Path]]:
        found: list[tuple[float, str, Path]] = []
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except OSError as err:
                raise TransientError(f"cannot list Maildir {self.path / sub}: {err}") from err
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                with contextlib.suppress(FileNotFoundError):  # moved meanwhile by another pass
                    found.append((entry.stat().st_mtime, entry.name, Path(entry.path)))
        return sorted(found)

    def pending(self) -> Iterator[FetchedMail]:
        """Mail in new/ and cur/, oldest first (by delivery time, then name)."""
        waiting = self._waiting()
        self._seen = {_key(name) for _, name, _ in waiting}
        for delivered_ts, name, path in waiting:
            delivered = datetime.fromtimestamp(delivered_ts, UTC)  # the MTA wrote it then
            if self.shard is not None and not self.shard.owns(_key(name)):
                continue
            try:
                size = path.stat().st_size
                raw, truncated = self._read(path, size)
            except FileNotFoundError:
                continue
            except OSError as err:
                raise TransientError(f"cannot read {path}: {err}") from err
            ref = MailRef(mailbox=self.name, folder="INBOX", uidvalidity=0, uid_key=_key(name))
            yield FetchedMail(
                ref=ref, raw=raw, size=size, truncated=truncated, received_at=delivered
            )

    def _read(self, path: Path, size: int) -> tuple[bytes, bool]:
        with path.open("rb") as handle:
            if size <= self.max_message_bytes:
                return handle.read(), False
            head = handle.read(_HEADER_SCAN_BYTES)  # over the cap: its headers only
        for separator in (b"\r\n\r\n", b"\n\n"):
            end = head.find(separator)
            if end != -1:
                return head[: end + len(separator)], True
        return head, True

    def mark_processed(self, ref: MailRef) -> None:
        """Move the mail into ``.procesados/cur``; a mail already gone is already done."""
        self._move(ref, self.processed_path)

    def mark_processed_many(self, refs: Sequence[MailRef]) -> None:
        """Move a batch with one listing of ``new``/``cur`` and one directory fsync: a
        listing per mail made each mail's cost grow with the number waiting."""
        self._move_many(refs, self.processed_path)

    def quarantine(self, ref: MailRef) -> None:
        """Move the mail into ``.cuarentena/cur`` (recreated if someone removed it)."""
        self._create()
        self._move(ref, self.quarantine_path)

    def _move(self, ref: MailRef, folder: Path) -> None:
        self._move_many([ref], folder)

    def _move_many(self, refs: Sequence[MailRef], folder: Path) -> None:
        wanted = {ref.uid_key for ref in refs}
        moved = False
        for sub in ("new", "cur"):
            directory = self.path / sub
            try:
                names = [n for n in os.listdir(directory) if _key(n) in wanted]
            except OSError as err:
                raise TransientError(f"cannot list Maildir {directory}: {err}") from err
            for name in names:
                if _key(name) not in wanted:
                    continue  # one file per key is moved; another copy stays for staff
                target = name if ":" in name else f"{name}:2,"
                try:
                    os.replace(directory / name, folder / "cur" / target)
                except FileNotFoundError:
                    continue
                except OSError as err:
                    raise TransientError(f"cannot move {name} to {folder.name}: {err}") from err
                wanted.discard(_key(name))
                moved = True
        if moved:
            _fsync_dir(folder / "cur")

    def wait_for_new(self, timeout: float, stop: threading.Event) -> bool:
        """Poll (no inotify: works on any filesystem) until a key not seen by ``pending``."""
        remaining = timeout
        while remaining > 0 and not stop.is_set():
            keys = {_key(name) for _, name, _ in self._waiting()}
            if keys - self._seen:
                return True
            interval = min(self.poll_seconds, remaining)
            if stop.wait(interval):
                return False
            remaining -= interval
        return bool({_key(name) for _, name, _ in self._waiting()} - self._seen)

    def close(self) -> None:
        """Nothing to release; here to satisfy ``Mailbox``."""


def _key(filename: str) -> str:
    """The Maildir key: the file name without the ``:2,FLAGS`` info suffix."""
    return filename.split(":", 1)[0]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
