"""A reader worker's stderr (a traceback, a library warning) becomes one structured log
event per burst, never raw text on the daemon's stderr."""

from __future__ import annotations

import os
import threading

from structlog.testing import capture_logs

from daemon.services.mail_reading import _log_stderr


def test_a_worker_traceback_becomes_one_structured_event() -> None:
    read, write = os.pipe()
    lines = ["Traceback (most recent call last):"]
    lines += [f'  File "x.py", line {n}, in f' for n in range(3000)]
    lines.append("RecursionError: maximum recursion depth exceeded")

    def worker() -> None:
        with os.fdopen(write, "w") as out:
            out.write("\n".join(lines) + "\n")

    writer = threading.Thread(target=worker)
    writer.start()
    with capture_logs() as events, os.fdopen(read, "rb") as stream:
        _log_stderr(stream, pid=4242)
    writer.join()
    assert {e["event"] for e in events} == {"reader_worker_traceback", "reader_worker_output"}
    assert sum(e["lines"] for e in events) == len(lines)
    assert events[-1]["last"] == "RecursionError: maximum recursion depth exceeded"
    assert len(events) <= len(lines) // 200 + 2


def test_a_library_warning_is_logged_as_worker_output() -> None:
    read, write = os.pipe()
    with os.fdopen(write, "w") as out:
        out.write("x.py:1: UserWarning: odd charset\n")
    with capture_logs() as events, os.fdopen(read, "rb") as stream:
        _log_stderr(stream, pid=1)
    assert [(e["event"], e["last"]) for e in events] == [
        ("reader_worker_output", "x.py:1: UserWarning: odd charset")
    ]
