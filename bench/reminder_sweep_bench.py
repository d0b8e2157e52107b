"""The reminder sweep and the digest over a large roster.

    .venv/bin/python bench/reminder_sweep_bench.py [--students 50000] [--queue-students 20000]
                                                   [--profile decide|queue|digest]

Builds a temporary installation (SQLite, the ut-cuatrimestral profile) with N students of a
term that started two business days ago: half new entries (the constancia request is due),
half re-enrolled (the resello notice is due), a tenth of them with a constancia on file,
5 % with an alta verified on the IMSS portal (the alta notice), 5 % with a card printed
(the pickup notice). Then it measures, on the real use cases:

- *decide*: which mails are due (load the cases, the keys already sent, ``due_reminders``),
  what ``afilia reminders --dry-run`` does;
- *queue*: on ``--queue-students``, the daemon's sweep job, queueing every due mail: total
  time and the longest single write transaction (SQLite's write lock is held that long;
  intake waits behind it);
- *rerun*: the sweep again right after (nothing due, nothing queued twice);
- *digest*: ``afilia digest --dry-run`` (prepare the digest) over the same students.

``--profile STEP`` prints the top of a cProfile of that step instead of its time alone.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, func, insert, select

from daemon.bootstrap import App
from daemon.domain.outcomes import Outcome
from daemon.domain.student import RosterStatus
from daemon.services import reminders as reminder_service
from daemon.services.digest import prepare_digest
from daemon.services.reminders import Mailing, due_now
from daemon.store.db import transaction
from daemon.store.procedure import (
    ActionKind,
    CredentialBatchRow,
    CredentialPrintRow,
    ProcedureActionRow,
)
from daemon.store.schema import (
    DecisionRow,
    InboundMessageRow,
    OutboxRow,
    StudentRow,
    TermRow,
)
from tests.fixtures.deployment import make_deployment

T = TypeVar("T")
TERM_START, TERM_END = date(2026, 9, 1), date(2026, 12, 18)  # from a Tuesday
NOW = datetime(2026, 9, 3, 17, 0, tzinfo=UTC)  # Thursday 11:00 in Mexico City
BEFORE = datetime(2026, 8, 25, 17, 0, tzinfo=UTC)


def _curp(index: int) -> str:
    return f"GOPA{index:06d}HDFRRN0"[:18]


def _populate(app: App, count: int) -> None:
    students, messages, decisions, actions, prints = [], [], [], [], []
    for index in range(count):
        matricula = f"B{index:07d}"
        new_entry = index % 2 == 0
        students.append(
            {
                "matricula": matricula,
                "curp": _curp(index),
                "nombres": "ANA",
                "apellido_paterno": "GÓMEZ",
                "apellido_materno": "PÉREZ",
                "email_institucional": f"b{index:07d}@alumnos.ute.example.edu.mx",
                "email_personal": "",
                "programa": "TIC",
                "term_number": 1 if new_entry else 2 + index % 5,
                "status": str(RosterStatus.ACTIVO),
                "new_entry": new_entry,
                "term_id": 1,
                "created_at": BEFORE,
                "updated_at": BEFORE,
            }
        )
        if index % 10 == 1:
            message = len(messages) + 1
            messages.append(
                {
                    "id": message,
                    "mailbox": "bench",
                    "folder": "INBOX",
                    "uidvalidity": 1,
                    "uid_key": str(message),
                    "sender": f"b{index:07d}@alumnos.ute.example.edu.mx",
                    "raw_sha256": f"{message:064x}",
                    "size": 1000,
                    "received_at": NOW - timedelta(days=1),
                    "processed_at": NOW - timedelta(days=1),
                }
            )
            decisions.append(
                {
                    "message_pk": message,
                    "matricula": matricula,
                    "outcome": str(Outcome.ACCEPTED_NOT_INSURED),
                    "reasons": [],
                    "decided_at": NOW - timedelta(days=1),
                }
            )
        if index % 20 == 3:
            for kind, at in ((ActionKind.ALTA_DONE, 30), (ActionKind.ALTA_VERIFIED, 20)):
                actions.append(
                    {
                        "matricula": matricula,
                        "kind": str(kind),
                        "at": NOW - timedelta(hours=at),
                        "actor": "bench",
                        "note": "",
                    }
                )
        if index % 20 == 5:
            prints.append({"batch_id": 1, "matricula": matricula})
    with transaction(app.sessions) as session:
        session.execute(
            insert(TermRow),
            [
                {
                    "id": 1,
                    "name": "2026-SEP-DIC",
                    "starts_on": TERM_START,
                    "ends_on": date(2026, 12, 18),
                }
            ],
        )
        session.execute(
            insert(CredentialBatchRow),
            [
                {
                    "id": 1,
                    "printed_at": NOW - timedelta(days=1),
                    "pickup_from": date(2026, 9, 3),
                    "pickup_until": date(2026, 9, 18),
                    "place": "Ventanilla 2",
                    "actor": "bench",
                }
            ],
        )
        for table, rows in (
            (StudentRow, students),
            (InboundMessageRow, messages),
            (DecisionRow, decisions),
            (ProcedureActionRow, actions),
            (CredentialPrintRow, prints),
        ):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])


class _LongestWrite:
    """The longest SQLite write transaction: from BEGIN IMMEDIATE to COMMIT/ROLLBACK."""

    def __init__(self, engine: Engine) -> None:
        self.longest = 0.0
        self.count = 0
        self._began: float | None = None
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get("afilia_read_only"):
            self._began = time.perf_counter()

    def _end(self, _connection: Any) -> None:
        if self._began is not None:
            self.longest = max(self.longest, time.perf_counter() - self._began)
            self.count += 1
            self._began = None


def _timed(name: str, step: Callable[[], T], profiled: str | None) -> tuple[T, float]:
    profiler = cProfile.Profile() if profiled == name else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = step()
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return result, elapsed


def _outbox_rows(app: App) -> int:
    with transaction(app.sessions) as session:
        return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def _installation(root: Path, count: int) -> App:
    deployment = make_deployment(root, students=())
    app = deployment.app()
    started = time.perf_counter()
    _populate(app, count)
    print(f"{count} students written in {time.perf_counter() - started:.1f} s")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=50_000, help="for the decision")
    parser.add_argument(
        "--queue-students", type=int, default=20_000, help="for queueing, rerun and digest"
    )
    parser.add_argument("--profile", choices=("decide", "queue", "digest"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _installation(Path(tmp) / "decide", args.students)
        mailing = Mailing.from_app(app, NOW)

        def decide() -> int:
            with transaction(app.sessions) as session:
                return len(due_now(session, mailing, NOW))

        due, decide_s = _timed("decide", decide, args.profile)
        print(f"decide  ({args.students} students): {decide_s:6.2f} s  {due} mails due")
        app.close()

        app = _installation(Path(tmp) / "queue", args.queue_students)
        mailing = Mailing.from_app(app, NOW)
        writes = _LongestWrite(app.engine)
        queued, queue_s = _timed("queue", lambda: _sweep(app, mailing), args.profile)
        print(
            f"queue   ({args.queue_students} students): {queue_s:6.2f} s  {queued} mails due, "
            f"{_outbox_rows(app)} queued in {writes.count} write transactions, "
            f"longest {writes.longest:.2f} s"
        )
        again, rerun_s = _timed("rerun", lambda: _sweep(app, mailing), args.profile)
        print(
            f"rerun   ({args.queue_students} students): {rerun_s:6.2f} s  {again} mails due, "
            f"outbox rows still {_outbox_rows(app)}"
        )

        def digest() -> int:
            with transaction(app.sessions) as session:
                prepared = prepare_digest(session, mailing, NOW)
            return len(prepared.attachments)

        _, digest_s = _timed("digest", digest, args.profile)
        print(f"digest  ({args.queue_students} students): {digest_s:6.2f} s")
        app.close()


def _sweep(app: App, mailing: Mailing) -> int:
    """The daemon's sweep job, whichever shape this afilia's sweep has."""
    run = getattr(reminder_service, "sweep_in_chunks", None)
    if run is not None:
        return len(run(app.sessions, mailing, NOW))
    with transaction(app.sessions) as session:
        return len(reminder_service.sweep(session, mailing, NOW))


if __name__ == "__main__":
    main()
