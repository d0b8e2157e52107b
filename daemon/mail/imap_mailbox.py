"""An IMAP(S) mailbox as the inbox, through imapclient.

What this adapter guards against, each learnt the hard way by others:
- imapclient has no timeout by default and IDLE can hang on a dead connection: every socket
  has a read timeout, IDLE is ended and restarted every ``idle_restart_seconds``, and a socket
  that polls readable but yields no data is treated as dead.
- ``\\Seen`` is not our state (a person reading the mailbox would hide mail): a mail is done
  when it has left the watched folder, moved to the processed folder.
- Servers without MOVE get COPY + ``\\Deleted`` + ``UID EXPUNGE`` (only that UID).
- A mail is referred to by (UIDVALIDITY, UID); its size is checked before its body is fetched.
Library errors leave as ``TransientError`` (connection trouble: retry) or ``PermanentError``
(rejected login, a folder the server refuses).
"""

from __future__ import annotations

import contextlib
import select
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

from imapclient import DELETED, IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from daemon.config import ImapSource, Security
from daemon.errors import PermanentError, TransientError
from daemon.mail.ports import FetchedMail, MailRef, Shard

TokenProvider = Callable[[bool], str]  # force_refresh -> OAuth2 access token

_FETCH_CHUNK = 200
_IDLE_SLICE_SECONDS = 1.0  # how often a waiting IDLE looks at the stop event


class ImapMailbox:
    def __init__(
        self,
        settings: ImapSource,
        password: str | None,
        token_provider: TokenProvider | None = None,
        max_message_bytes: int = 25 * 1024 * 1024,
        *,
        ssl_context: ssl.SSLContext | None = None,
        reconnect_base_seconds: float = 1.0,
        reconnect_max_seconds: float = 300.0,
    ) -> None:
        self.name = settings.name
        self.shard: Shard | None = None  # set by the entry point for --shard K/N
        self.settings = settings
        self._password = password
        self._token_provider = token_provider
        self.max_message_bytes = max_message_bytes
        self._ssl_context = ssl_context
        self._reconnect_base = reconnect_base_seconds
        self._reconnect_max = reconnect_max_seconds
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._processed: str | None = None
        self._quarantine: str | None = None
        self._failures = 0

    # -- connection -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._client is not None

    def _connected(self) -> IMAPClient:
        if self._client is not None:
            return self._client
        settings = self.settings
        implicit_tls = settings.security is Security.TLS
        port = settings.port or (993 if implicit_tls else 143)
        timeout = settings.timeout_seconds
        client: IMAPClient | None = None
        try:
            client = IMAPClient(
                settings.host,
                port=port,
                ssl=implicit_tls,
                ssl_context=self._ssl_context,
                timeout=SocketTimeout(connect=timeout, read=timeout),
            )
            if settings.security is Security.STARTTLS:
                client.starttls(self._ssl_context)
            self._login(client)
            selected = client.select_folder(settings.folder)
            self._client = client
            self._uidvalidity = int(selected[b"UIDVALIDITY"])
            self._processed = self._ensure_processed_folder(client)
        except (IMAPClientError, OSError) as err:
            self._client = None
            _close_quietly(client)
            self._fail(err, f"connecting to IMAP {settings.host}:{port}")
        except BaseException:  # e.g. the token provider failed: do not leak the socket
            self._client = None
            _close_quietly(client)
            raise
        self._failures = 0
        return client

    def _login(self, client: IMAPClient) -> None:
        username = self.settings.username
        if self._token_provider is None:
            client.login(username, self._password or "")
            return
        try:
            client.oauth2_login(username, self._token_provider(False))
        except LoginError:  # an expired or revoked token: one more try with a fresh one
            client.oauth2_login(username, self._token_provider(True))

    def _drop(self) -> None:
        client, self._client = self._client, None
        _close_quietly(client)

    def _fail(self, err: Exception, doing: str) -> NoReturn:
        """Re-raise a library error as ours; connection trouble also drops the connection."""
        if isinstance(err, LoginError):
            self._drop()
            raise PermanentError(f"IMAP login rejected while {doing}: {err}") from err
        if isinstance(err, IMAPClientAbortError | OSError):
            self._drop()
            raise TransientError(f"IMAP connection lost while {doing}: {err}") from err
        raise PermanentError(f"IMAP server refused while {doing}: {err}") from err

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, OSError):
            _close_quietly(client)

    # -- folders ------------------------------------------------------------------------

    def _server_name(self, client: IMAPClient, name: str) -> str:
        """Our "a/b" folder name in the server's own hierarchy delimiter and namespace."""
        prefix, delimiter = "", "/"
        if client.has_capability("NAMESPACE"):
            personal = client.namespace().personal
            if personal:
                prefix, found = personal[0]
                delimiter = found or delimiter
        else:
            listed = client.list_folders("", "")
            if listed and listed[0][1]:
                delimiter = (
                    listed[0][1].decode() if isinstance(listed[0][1], bytes) else listed[0][1]
                )
        if isinstance(delimiter, bytes):
            delimiter = delimiter.decode()
        if isinstance(prefix, bytes):
            prefix = prefix.decode()
        server_name = delimiter.join(part for part in name.split("/") if part)
        if name.upper() == "INBOX" or not prefix or server_name.startswith(prefix):
            return server_name
        return prefix + server_name

    def _ensure_processed_folder(self, client: IMAPClient) -> str:
        name = self._server_name(client, self.settings.processed_folder)
        if not client.folder_exists(name):
            client.create_folder(name)
            client.subscribe_folder(name)
        return name

    def _ensure_quarantine_folder(self, client: IMAPClient) -> str:
        name = self._server_name(client, self.settings.quarantine_folder)
        if not client.folder_exists(name):
            client.create_folder(name)
            client.subscribe_folder(name)
        return name

    def ensure_folders(self) -> None:
        """Create the processed folder if missing (also done on every connect)."""
        client = self._connected()
        try:
            self._processed = self._ensure_processed_folder(client)
        except (IMAPClientError, OSError) as err:
            self._fail(err, "creating the processed folder")

    def folder_names(self) -> list[str]:
        """Every folder the account can see, for ``afilia doctor``."""
        client = self._connected()
        try:
            return [str(name) for _flags, _delimiter, name in client.list_folders()]
        except (IMAPClientError, OSError) as err:
            self._fail(err, "listing folders")

    # -- Mailbox --------------------------------------------------------------------------

    def pending(self) -> Iterator[FetchedMail]:
        """Every undeleted mail in the watched folder, in UID (arrival) order."""
        client = self._connected()
        folder = self.settings.folder
        try:
            selected = client.select_folder(folder)
            self._uidvalidity = int(selected[b"UIDVALIDITY"])
            uids = sorted(client.search(["NOT", "DELETED"]))
        except (IMAPClientError, OSError) as err:
            self._fail(err, f"listing {folder}")
        uidvalidity = self._uidvalidity
        if self.shard is not None:
            uids = [uid for uid in uids if self.shard.owns(str(uid))]
        for start in range(0, len(uids), _FETCH_CHUNK):
            chunk = uids[start : start + _FETCH_CHUNK]
            try:
                sizes = client.fetch(chunk, ["RFC822.SIZE"])
            except (IMAPClientError, OSError) as err:
                self._fail(err, f"reading sizes in {folder}")
            for uid in chunk:
                if uid not in sizes:  # gone meanwhile (another client moved it)
                    continue
                size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                fetched = self._fetch_one(client, uid, size)
                if fetched is None:
                    continue
                raw, truncated, received_at = fetched
                ref = MailRef(self.name, folder, uidvalidity, str(uid))
                yield FetchedMail(
                    ref=ref, raw=raw, size=size, truncated=truncated, received_at=received_at
                )

    def _fetch_one(
        self, client: IMAPClient, uid: int, size: int
    ) -> tuple[bytes, bool, datetime | None] | None:
        truncated = size > self.max_message_bytes
        item, key = (
            ("BODY.PEEK[HEADER]", b"BODY[HEADER]") if truncated else ("BODY.PEEK[]", b"BODY[]")
        )
        try:
            response = client.fetch([uid], [item, "INTERNALDATE"])
        except (IMAPClientError, OSError) as err:
            self._fail(err, f"fetching UID {uid}")
        data = response.get(uid, {}).get(key)
        if data is None:
            return None
        return bytes(data), truncated, _aware(response.get(uid, {}).get(b"INTERNALDATE"))

    def mark_processed(self, ref: MailRef) -> None:
        """Move the mail to the processed folder (COPY + \\Deleted + UID EXPUNGE without MOVE).

        A ref from before a UIDVALIDITY change names nothing any more: PermanentError; the
        ingest finds the mail again (by its Message-ID) under its new UID.
        """
        self.mark_processed_many([ref])

    def mark_processed_many(self, refs: Sequence[MailRef]) -> None:
        """Move a batch of decided mails with one UID MOVE (or one COPY + STORE + EXPUNGE):
        one round trip per batch, whose cost grows with the folder's size, not one per mail."""
        if not refs:
            return
        client = self._connected()
        for ref in refs:
            if ref.uidvalidity != self._uidvalidity:
                raise PermanentError(
                    f"UIDVALIDITY of {ref.folder} changed "
                    f"({ref.uidvalidity} -> {self._uidvalidity})"
                )
        target = self._processed or self._ensure_processed_folder(client)
        self._move(client, [int(ref.uid_key) for ref in refs], target)

    def quarantine(self, ref: MailRef) -> None:
        """Move the mail to the quarantine folder, creating it if it is missing."""
        client = self._connected()
        if ref.uidvalidity != self._uidvalidity:
            raise PermanentError(
                f"UIDVALIDITY of {ref.folder} changed ({ref.uidvalidity} -> {self._uidvalidity})"
            )
        try:
            target = self._quarantine or self._ensure_quarantine_folder(client)
        except (IMAPClientError, OSError) as err:
            self._fail(err, "creating the quarantine folder")
        self._quarantine = target
        self._move(client, [int(ref.uid_key)], target)

    def _move(self, client: IMAPClient, uids: list[int], target: str) -> None:
        try:
            if client.has_capability("MOVE"):
                client.move(uids, target)
                return
            client.copy(uids, target)
            client.add_flags(uids, [DELETED], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            # Without UIDPLUS the mail stays flagged \Deleted: a plain EXPUNGE would also
            # remove what a person deleted; pending() skips \Deleted mail.
        except (IMAPClientError, OSError) as err:
            shown = ",".join(str(uid) for uid in uids)
            self._fail(err, f"moving UID {shown} to {target}")

    def wait_for_new(self, timeout: float, stop: threading.Event) -> bool:
        """IDLE (restarted every ``idle_restart_seconds``) or poll; reconnects with backoff.

        True when new mail may be there: the server announced it, a poll interval passed, or
        the connection was just re-established (mail may have come while it was down).
        """
        deadline = time.monotonic() + timeout
        if self._client is None:
            return self._reconnect_until(deadline, stop)
        client = self._client
        try:
            if self.settings.idle and client.has_capability("IDLE"):
                return self._idle(client, deadline, stop)
            return self._poll(client, deadline, stop)
        except TransientError:
            return self._reconnect_until(deadline, stop)

    def _reconnect_until(self, deadline: float, stop: threading.Event) -> bool:
        while not stop.is_set():
            try:
                self._connected()
                return True
            except TransientError:
                delay = min(self._reconnect_max, self._reconnect_base * 2**self._failures)
                self._failures += 1
                left = deadline - time.monotonic()
                if left <= 0 or stop.wait(min(delay, left)):
                    return False
        return False

    def _idle(self, client: IMAPClient, deadline: float, stop: threading.Event) -> bool:
        end = min(deadline, time.monotonic() + self.settings.idle_restart_seconds)
        try:
            client.idle()
            news = _idle_until(client, end, stop)
            # Only a live connection gets DONE: on a dead one it would block until timeout.
            _, responses = client.idle_done()
        except (IMAPClientError, OSError) as err:
            self._fail(err, "waiting in IDLE")
        return news or _announces_mail(responses)

    def _poll(self, client: IMAPClient, deadline: float, stop: threading.Event) -> bool:
        left = deadline - time.monotonic()
        if stop.wait(max(0.0, min(self.settings.poll_seconds, left))):
            return False
        try:
            client.noop()  # keeps the session alive and notices a dead one
        except (IMAPClientError, OSError) as err:
            self._fail(err, "polling")
        return True


def _aware(value: object) -> datetime | None:
    """imapclient gives INTERNALDATE as a naive local-time datetime (or aware, by version)."""
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.astimezone().astimezone(UTC)


def _idle_until(client: IMAPClient, end: float, stop: threading.Event) -> bool:
    """Watch an IDLE session in short slices (to see ``stop``); True when mail arrives."""
    while not stop.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return False
        if not _readable(client, min(_IDLE_SLICE_SECONDS, left)):
            continue
        responses = client.idle_check(timeout=0)
        if not responses:  # readable, yet nothing to read: the peer is gone
            raise ConnectionResetError("IMAP socket readable with no data (dead connection)")
        if any(isinstance(r, tuple) and r and r[0] == b"BYE" for r in responses):
            raise ConnectionResetError("IMAP server said BYE during IDLE")
        if _announces_mail(responses):
            return True
    return False


def _readable(client: IMAPClient, seconds: float) -> bool:
    sock = client.socket()
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(seconds * 1000))


def _announces_mail(responses: list[Any]) -> bool:
    return any(
        isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses
    )


def _close_quietly(client: IMAPClient | None) -> None:
    if client is None:
        return
    with contextlib.suppress(IMAPClientError, OSError):
        client.shutdown()
