"""The small protocols the services talk to, and the values that cross them.

Real adapters: ``ImapMailbox``, ``MaildirMailbox`` (sources); ``SmtpMailer``,
``MaildirMailer`` (transports). Unit-test doubles start with ``Fake``.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MailRef:
    """Where a mail sits, stable across restarts: IMAP (UIDVALIDITY, UID) or a Maildir key."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid_key: str


@dataclass(frozen=True, slots=True)
class Shard:
    """This process's share of a mailbox, when several afilia processes split a backlog
    (``afilia run --shard K/N``): each takes the mails whose key falls in its share, so
    they never fetch or parse the same mail. The unique (mailbox, folder, UIDVALIDITY,
    UID) key keeps them safe even if their shares overlapped."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index}/{self.count}: need 0 <= K < N")

    def owns(self, uid_key: str) -> bool:
        number = int(uid_key) if uid_key.isdigit() else zlib.crc32(uid_key.encode())
        return number % self.count == self.index

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, _, count = text.partition("/")
        return cls(int(index), int(count))


@dataclass(frozen=True, slots=True)
class FetchedMail:
    ref: MailRef
    raw: bytes  # at most the configured max_message_bytes; see ``truncated``
    size: int  # the size the server reported
    truncated: bool = False  # over the size cap: only the head was fetched
    # When our server received it: IMAP INTERNALDATE, Maildir delivery (file) time.
    received_at: datetime | None = None


class Mailbox(Protocol):
    name: str
    shard: Shard | None

    def pending(self) -> Iterator[FetchedMail]:
        """Every mail still in the watched folder, oldest first (connects if needed)."""
        ...

    def mark_processed(self, ref: MailRef) -> None:
        """Move the mail out of the watched folder (or flag it when MOVE is missing)."""
        ...

    def mark_processed_many(self, refs: Sequence[MailRef]) -> None:
        """``mark_processed`` for a batch of decided mails, in one server round trip."""
        ...

    def quarantine(self, ref: MailRef) -> None:
        """Move the mail to the quarantine folder (created if missing): it failed, staff
        will look at it, and the next pass must not pick it up again."""
        ...

    def wait_for_new(self, timeout: float, stop: threading.Event) -> bool:
        """Block until new mail may be there (IDLE or poll), ``timeout`` passes or ``stop``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    raw: bytes  # the exact bytes; a resend after a crash sends the same Message-ID


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    message_id: str
    delivered: bool
    permanent_failure: bool = False  # 5xx or a refused recipient: do not retry
    error: str = ""


class Mailer(Protocol):
    def deliver(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send a batch over one connection; one result per mail, in order.

        Connection-level trouble for the whole batch raises ``TransientError``.
        """
        ...

    def close(self) -> None: ...
