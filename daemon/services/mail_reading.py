"""MIME parsing of whole mails in the reader's worker processes, never unbounded here.

``DocumentReader.read_mails`` parses a mail again in the daemon's own process when its
worker dies or overruns; a hostile mail then costs the daemon minutes and gigabytes. The
intake uses ``MailReader.read_mails_bounded`` instead: a mail whose worker failed gets a
second, headers-only parse in a worker under a short budget, and when even that fails a
regex-only read of its first 64 KiB of headers (linear, no recursion). The mail is then
decided from its headers (``ParsedMail.failure`` says why its body was not read).

Workers' stderr (tracebacks of a worker that died, library warnings) is read by a thread
and logged as structured events, never passed through to the daemon's stderr.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import IO

import structlog

from daemon.documents.limits import ReadLimits
from daemon.documents.workers import _PACKAGE_ROOT, MAIL_JOB, DocumentReader, _Worker
from daemon.domain.facts import DocumentReading
from daemon.mail.inbound import InboundMail, headers_only

log = structlog.get_logger("afilia.reader")

HEADER_PARSE_SECONDS = 5.0
_STDERR_BURST_LINES = 200
_STDERR_QUIET_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class ParsedMail:
    mail: InboundMail
    readings: list[list[DocumentReading]]  # one list per attachment
    failure: str | None = None  # the body could not be read within limits: why


class MailReader(DocumentReader):
    """The document reader with bounded whole-mail parsing and quiet workers."""

    def _spawn(self) -> _Worker:
        return _QuietWorker(self.limits)

    def read_mails(
        self, raws: Sequence[bytes], *, max_header_bytes: int, max_attachments: int
    ) -> list[tuple[InboundMail, list[list[DocumentReading]]]]:
        """Same contract as ``DocumentReader.read_mails``, without the in-process re-parse."""
        parsed = self.read_mails_bounded(
            raws, max_header_bytes=max_header_bytes, max_attachments=max_attachments
        )
        return [(p.mail, p.readings) for p in parsed]

    def read_mails_bounded(
        self, raws: Sequence[bytes], *, max_header_bytes: int, max_attachments: int
    ) -> list[ParsedMail]:
        jobs = [(MAIL_JOB, raw, max_header_bytes, max_attachments) for raw in raws]
        budgets = [
            self.limits.seconds * min(max_attachments, 1 + raw.count(b"filename")) for raw in raws
        ]
        done = self._dispatch(jobs, budgets)
        results: list[ParsedMail | None] = [
            ParsedMail(outcome[0], outcome[1]) if isinstance(outcome, tuple) else None
            for outcome in done
        ]
        failed = [i for i, r in enumerate(results) if r is None]
        if failed:
            why = {i: done[i] if isinstance(done[i], str) else "parsing failed" for i in failed}
            for i in failed:
                log.warning("mail_parse_failed", reason=why[i], size=len(raws[i]))
            heads = [(MAIL_JOB, _header_block(raws[i]), max_header_bytes, 0) for i in failed]
            second = self._dispatch(
                heads, [min(HEADER_PARSE_SECONDS, self.limits.seconds)] * len(heads)
            )
            for i, outcome in zip(failed, second, strict=True):
                if isinstance(outcome, tuple) and isinstance(outcome[0], InboundMail):
                    mail = outcome[0]
                else:
                    mail = headers_only(raws[i], ("HeaderParseFailed",))
                results[i] = ParsedMail(mail, [], failure=str(why[i]))
        return [r for r in results if r is not None]


def _header_block(raw: bytes) -> bytes:
    """The header block alone (blank line included), so a second parse reads no body."""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i != -1]
    if not ends:
        return raw[: 256 * 1024]
    end = min(ends)
    return raw[: end + (4 if raw[end : end + 4] == b"\r\n\r\n" else 2)]


class _QuietWorker(_Worker):
    """A reader process whose stderr becomes structured log events."""

    def __init__(self, limits: ReadLimits) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (_PACKAGE_ROOT, env.get("PYTHONPATH"))))
        env["PYTHONWARNINGS"] = env.get("PYTHONWARNINGS", "default")
        command = [sys.executable, "-m", "daemon.documents.worker_main", str(theirs.fileno())]
        command.append(json.dumps(asdict(limits)))
        self.process = subprocess.Popen(
            command,
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.started = False
        if self.process.stderr is not None:
            threading.Thread(
                target=_log_stderr,
                args=(self.process.stderr, self.process.pid),
                name="afilia-reader-stderr",
                daemon=True,
            ).start()


def _log_stderr(stream: IO[bytes], pid: int) -> None:
    """One event per burst of output (a traceback is one event, not 3,000 lines)."""
    lines: list[str] = []
    fd = stream.fileno()
    pending = b""
    while True:
        readable, _, _ = select.select([fd], [], [], _STDERR_QUIET_SECONDS)
        if not readable:
            _flush(lines, pid)
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            if pending:
                lines.append(pending.decode("utf-8", "replace").rstrip())
            _flush(lines, pid)
            stream.close()
            return
        *complete, pending = (pending + chunk).split(b"\n")
        lines.extend(line.decode("utf-8", "replace").rstrip() for line in complete)
        if len(lines) >= _STDERR_BURST_LINES:
            _flush(lines, pid)


def _flush(lines: list[str], pid: int) -> None:
    if not lines:
        return
    text = [line for line in lines if line.strip()]
    if text:
        traceback = any(line.startswith("Traceback") for line in text)
        log.warning(
            "reader_worker_traceback" if traceback else "reader_worker_output",
            pid=pid,
            lines=len(text),
            last=text[-1][:300],
            first=text[0][:300],
        )
    lines.clear()


__all__ = ["MailReader", "ParsedMail"]
