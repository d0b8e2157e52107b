"""A pool of killable worker processes that read attachments under hard limits.

PDFium is not thread-safe, and neither it nor pdfminer caps decompression or time: a 200 KB
PDF can inflate to gigabytes, pdfminer has open hang reports. So the daemon never parses in
its own process. Each worker runs under ``RLIMIT_AS``; a worker that overruns its wall-clock
budget is killed and replaced, and the attachment it held gets an UNSAFE reading. Workers
are fresh interpreters (no inherited threads or PDFium state), reused between files.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any

from daemon.documents.limits import ReadLimits
from daemon.documents.reading import read_attachment, unsafe
from daemon.domain.facts import DocumentReading
from daemon.errors import TransientError
from daemon.mail.inbound import InboundMail, parse_mail

_READY = "ready"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_START_SECONDS = 60.0  # importing PDFium and pdfminer in a fresh interpreter


def serve(conn: Connection, limits: ReadLimits) -> None:
    """Worker main loop: cap our own memory, then read whatever the parent sends."""
    import resource

    os.environ["OMP_THREAD_LIMIT"] = "1"  # tesseract: one core per worker
    cap = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    conn.send(_READY)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        conn.send(_run_job(item, limits))


def _run_job(item: tuple[object, ...], limits: ReadLimits) -> object:
    """An attachment ``(filename, content_type, data)``, or a whole mail
    ``(MAIL_JOB, raw, max_header_bytes, max_attachments)``: MIME parsing is CPU work too,
    and doing it here keeps the daemon's own core for deciding and storing."""
    if item[0] == MAIL_JOB:
        _kind, raw, max_header_bytes, max_attachments = item
        return read_mail(raw, limits, int(max_header_bytes), int(max_attachments))  # type: ignore[arg-type]
    filename, content_type, data = item
    try:
        return read_attachment(filename, content_type, data, limits)  # type: ignore[arg-type]
    except MemoryError:
        return [unsafe(filename, data, f"over the {limits.memory_mb} MiB memory limit")]  # type: ignore[arg-type]


MAIL_JOB = "\x00mail"


def read_mail(
    raw: bytes, limits: ReadLimits, max_header_bytes: int, max_attachments: int
) -> tuple[InboundMail, list[list[DocumentReading]]]:
    """Parse one raw mail and read each of its attachments (one reading list per attachment)."""
    mail = parse_mail(raw, max_header_bytes=max_header_bytes, max_attachments=max_attachments)
    readings = []
    for attachment in mail.attachments:
        try:
            found = read_attachment(
                attachment.filename, attachment.content_type, attachment.data, limits
            )
        except MemoryError:
            detail = f"over the {limits.memory_mb} MiB memory limit"
            found = [unsafe(attachment.filename, attachment.data, detail)]
        readings.append(found)
    return mail, readings


# What a worker may send back. A PDF that exploited PDFium inside a worker must not be
# able to run code in the daemon through pickle, so results are unpickled with this
# allow-list instead of multiprocessing's plain ``pickle.loads``.
_ALLOWED_CLASSES = frozenset(
    {
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("daemon.domain.facts", "ConstanciaFacts"),
        ("daemon.domain.facts", "RenunciaFacts"),
        ("daemon.domain.facts", "NssAcuseFacts"),
        ("daemon.domain.facts", "DocumentReading"),
        ("daemon.domain.outcomes", "Confidence"),
        ("daemon.domain.outcomes", "DocumentKind"),
        ("daemon.domain.outcomes", "ReadProblem"),
        ("daemon.mail.inbound", "InboundMail"),
        ("daemon.mail.inbound", "Attachment"),
    }
)


class _ResultUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_CLASSES:
            raise pickle.UnpicklingError(f"a reader worker sent a forbidden type {module}.{name}")
        return super().find_class(module, name)


def load_result(data: bytes) -> Any:
    """Unpickle a worker's answer, refusing every class not on the allow-list."""
    return _ResultUnpickler(io.BytesIO(data)).load()


class ReaderUnavailable(TransientError):
    """The worker processes cannot start (e.g. the machine is out of memory)."""


class _Worker:
    """One reader process: a fresh interpreter (``python -m daemon.documents.worker_main``)
    talking over a socket pair, so it inherits no threads, no PDFium state and does not
    re-import the parent's main module as ``multiprocessing`` would."""

    def __init__(self, limits: ReadLimits) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (_PACKAGE_ROOT, env.get("PYTHONPATH"))))
        command = [sys.executable, "-m", "daemon.documents.worker_main", str(theirs.fileno())]
        command.append(json.dumps(asdict(limits)))
        self.process = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.started = False

    def wait_ready(self, timeout: float) -> bool:
        if self.started:
            return True
        try:
            if self.conn.poll(timeout):
                self.started = load_result(self.conn.recv_bytes()) == _READY
        except (EOFError, OSError):
            return False
        return self.started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.conn.close()


class DocumentReader:
    """``read_many`` reads attachments in parallel, each in a worker with hard limits."""

    def __init__(self, limits: ReadLimits, workers: int = 0) -> None:
        self.limits = limits
        self.size = workers or os.cpu_count() or 1
        self._workers: list[_Worker] = []

    def __enter__(self) -> DocumentReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        return _Worker(self.limits)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its successor without waiting for it to be ready."""
        worker.kill()
        self._workers[self._workers.index(worker)] = self._spawn()

    def read_many(self, items: Sequence[tuple[str, str, bytes]]) -> list[list[DocumentReading]]:
        """Readings for each ``(filename, content_type, data)``, in input order."""
        results: list[object] = [None] * len(items)
        shipped: list[int] = []
        for index, (filename, _type, data) in enumerate(items):
            if len(data) > self.limits.max_attachment_bytes:  # no need to ship it anywhere
                results[index] = read_attachment(filename, _type, data, self.limits)
            else:
                shipped.append(index)
        done = self._dispatch(
            [items[i] for i in shipped], [self.limits.budget_seconds] * len(shipped)
        )
        for index, outcome in zip(shipped, done, strict=True):
            filename, _type, data = items[index]
            results[index] = (
                [unsafe(filename, data, outcome)] if isinstance(outcome, str) else outcome
            )
        return [r if isinstance(r, list) else [] for r in results]

    def _dispatch(
        self, jobs: Sequence[tuple[object, ...]], budgets: Sequence[float]
    ) -> list[object]:
        """Run each job on a free worker; a job's result, or a ``str`` saying why it failed
        (worker died, or overran its wall-clock budget and was killed)."""
        results: list[object] = [None] * len(jobs)
        pending: deque[int] = deque(range(len(jobs)))
        while pending and len(self._workers) < min(self.size, len(pending)):
            self._workers.append(self._spawn())
        busy: dict[int, tuple[_Worker, int, float]] = {}  # id(worker) -> (worker, job, deadline)
        start_by = time.monotonic() + _START_SECONDS
        while pending or busy:
            starting = [w for w in self._workers if not w.wait_ready(0)]
            for worker in self._workers:
                if pending and worker.started and id(worker) not in busy:
                    index = pending.popleft()
                    try:
                        worker.conn.send(jobs[index])
                    except (OSError, ValueError):
                        pending.appendleft(index)
                        self._replace(worker)
                        continue
                    busy[id(worker)] = (worker, index, time.monotonic() + budgets[index])
            if starting and not busy and time.monotonic() > start_by:
                raise ReaderUnavailable("document reader processes do not start")
            deadlines = [deadline for _w, _i, deadline in busy.values()] or [start_by]
            timeout = max(min(deadlines) - time.monotonic(), 0)
            watched = [w.conn for w, _i, _d in busy.values()] + [w.conn for w in starting]
            ready = wait(watched, timeout)
            for key, (worker, index, deadline) in list(busy.items()):
                if worker.conn in ready:
                    try:
                        results[index] = load_result(worker.conn.recv_bytes())
                    except (EOFError, OSError, pickle.UnpicklingError):
                        results[index] = self._death(worker)
                        self._replace(worker)
                    del busy[key]
                elif time.monotonic() >= deadline:
                    results[index] = f"reading took longer than {budgets[index]:g} s"
                    self._replace(worker)
                    del busy[key]
            for worker in starting:
                if worker.conn in ready and not worker.wait_ready(0):
                    self._replace(worker)  # died while starting (EOF)
        return results

    def read_mails(
        self, raws: Sequence[bytes], *, max_header_bytes: int, max_attachments: int
    ) -> list[tuple[InboundMail, list[list[DocumentReading]]]]:
        """Parse each raw mail and read its attachments, in the workers, in input order.

        A mail whose reading overruns the limits (or kills its worker) is parsed here
        instead, without touching its attachments, which are all marked UNSAFE.
        """
        jobs = [(MAIL_JOB, raw, max_header_bytes, max_attachments) for raw in raws]
        # Each attachment may use the per-file budget; count them cheaply in the bytes.
        budgets = [
            self.limits.budget_seconds * min(max_attachments, 1 + raw.count(b"filename"))
            for raw in raws
        ]
        done = self._dispatch(jobs, budgets)
        results: list[tuple[InboundMail, list[list[DocumentReading]]]] = []
        for raw, outcome in zip(raws, done, strict=True):
            if isinstance(outcome, tuple):
                results.append(outcome)  # type: ignore[arg-type]
                continue
            mail = parse_mail(
                raw, max_header_bytes=max_header_bytes, max_attachments=max_attachments
            )
            why = outcome if isinstance(outcome, str) else "reading this mail failed"
            results.append((mail, [[unsafe(a.filename, a.data, why)] for a in mail.attachments]))
        return results

    def _death(self, worker: _Worker) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(1)
        code = worker.process.returncode
        return f"reader process died (exit {code}; memory limit {self.limits.memory_mb} MiB?)"

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in self._workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(2)
            worker.kill()
        self._workers = []
