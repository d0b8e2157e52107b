"""How soon a (re)started daemon decides and sends: start -> first decision -> first reply,
and how long the replies a killed daemon had claimed wait for the next one.

    .venv/bin/python bench/restart_bench.py [--runs 3]

A temporary installation (Maildir inbox, SQLite, SMTP to an aiosmtpd sink on loopback,
like production) and ``python -m daemon run`` exactly as systemd starts it:

1. *start*: one student mail waiting; times from spawning the process to its first decision
   committed and to the reply reaching the SMTP server.
2. *kill*: the SMTP server stalls at DATA, a new mail comes in, the daemon claims and starts
   sending its reply, and is killed (SIGKILL); a second daemon starts; time from its spawn
   to the reply reaching the server (before the lease it waited for a 300 s claim; the
   bench gives up after ``--give-up`` seconds).

Medians of ``--runs`` runs are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.deployment import (
    AFILIA,
    ANA,
    Deployment,
    constancia_mail_for,
    make_deployment,
    smtp_outgoing,
)
from tests.servers.smtp import SmtpServer, start_smtp_server

TODAY = datetime.now(ZoneInfo("America/Mexico_City")).date()


class _Stall:
    """While on, the SMTP server stalls at DATA and records nothing."""

    def __init__(self, smtp: SmtpServer) -> None:
        self.on = threading.Event()
        self.entered = threading.Event()
        original = smtp.handler.handle_DATA

        async def handle_data(server: Any, session: Any, envelope: Any) -> str:
            if not self.on.is_set():
                return await original(server, session, envelope)
            self.entered.set()
            while self.on.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 the sender went away"

        smtp.handler.handle_DATA = handle_data  # type: ignore[method-assign]


def _decisions(deployment: Deployment) -> int:
    try:
        with sqlite3.connect(deployment.root / "afilia.db") as db:
            return int(db.execute("SELECT count(*) FROM decisions").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _until(condition: Any, give_up: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < give_up:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def _spawn(deployment: Deployment) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*AFILIA, "--config", str(deployment.config_path), "run"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _one_run(root: Path, give_up: float) -> tuple[float | None, float | None, float | None]:
    smtp = start_smtp_server()
    stall = _Stall(smtp)
    try:
        deployment = make_deployment(root, outgoing=smtp_outgoing("127.0.0.1", smtp.port))
        deployment.drop_mail(constancia_mail_for(ANA, TODAY - timedelta(days=1), n=1), "1")
        spawned = time.monotonic()
        first = _spawn(deployment)
        decided = _until(lambda: _decisions(deployment) >= 1, give_up)
        replied = _until(lambda: len(smtp.received) >= 1, give_up)
        start_to_decision = decided
        start_to_reply = None if replied is None else time.monotonic() - spawned
        stall.on.set()
        deployment.drop_mail(constancia_mail_for(ANA, TODAY - timedelta(days=2), n=2), "2")
        claimed = stall.entered.wait(give_up)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        stall.on.clear()
        resent = None
        if claimed:
            second = _spawn(deployment)
            resent = _until(lambda: len(smtp.received) >= 2, give_up)
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
        return start_to_decision, start_to_reply, resent
    finally:
        smtp.stop()


def _median(values: list[float | None], give_up: float) -> str:
    if any(v is None for v in values):
        return f"> {give_up:.0f} s"
    return f"{statistics.median(v for v in values if v is not None):5.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--give-up", type=float, default=40.0)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            results.append(_one_run(Path(tmp) / f"run-{run}", args.give_up))
            print(f"run {run + 1}: " + ", ".join(f"{v:.2f}" if v else "-" for v in results[-1]))
    decision, reply, resent = zip(*results, strict=True)
    print(f"start -> first decision          : {_median(list(decision), args.give_up)}")
    print(f"start -> first reply at the SMTP : {_median(list(reply), args.give_up)}")
    print(f"killed mid-send -> next daemon's : {_median(list(resent), args.give_up)}")


if __name__ == "__main__":
    main()
