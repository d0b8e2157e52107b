"""How long one sender lookup in the roster takes, at 1,000 and at 50,000 students.

    .venv/bin/python bench/roster_lookup_bench.py [--students 1000 50000] [--lookups 2000]

For each size: a fresh SQLite file at the head schema, N students written with one bulk
INSERT, then ``find_by_email`` for as many addresses (half on the roster, in the case the
mail client wrote them, half unknown), each in its own session as intake does. Prints the
median and p95 per lookup and the plan SQLite chose for the query.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session, sessionmaker

from daemon.domain.student import RosterStatus
from daemon.store.db import make_engine, session_factory, transaction, upgrade
from daemon.store.roster import find_by_email
from daemon.store.schema import StudentRow

NOW = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)


def _students(count: int) -> list[dict[str, object]]:
    return [
        {
            "matricula": f"B{index:07d}",
            "curp": f"GOPA{index:06d}HDFRRN0"[:18],
            "nombres": "ANA",
            "apellido_paterno": "GÓMEZ",
            "apellido_materno": "PÉREZ",
            "email_institucional": f"b{index:07d}@alumnos.ute.example.edu.mx",
            "email_personal": f"ana.gomez{index}@correo.example.com",
            "programa": "TIC",
            "term_number": 1,
            "status": str(RosterStatus.ACTIVO),
            "new_entry": False,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for index in range(count)
    ]


def _run(root: Path, count: int, lookups: int) -> None:
    engine = make_engine(f"sqlite:///{root / f'roster-{count}.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        session.execute(insert(StudentRow), _students(count))
    rng = random.Random(count)
    addresses = []
    for n in range(lookups):
        index = rng.randrange(count)
        if n % 2:
            addresses.append(f"nadie{n}@correo.example.com")
        elif n % 4:
            addresses.append(f"B{index:07d}@Alumnos.UTE.example.edu.mx")
        else:
            addresses.append(f"ana.gomez{index}@correo.example.com")
    times = []
    found = 0
    for address in addresses:
        started = time.perf_counter()
        with sessions() as session:
            found += find_by_email(session, address) is not None
        times.append(time.perf_counter() - started)
    plan = _plan(engine, sessions, addresses[0])
    engine.dispose()
    times.sort()
    print(
        f"{count:>7} students: median {statistics.median(times) * 1000:7.3f} ms  "
        f"p95 {times[int(len(times) * 0.95)] * 1000:7.3f} ms  "
        f"({found}/{lookups} found; plan: {'; '.join(plan)})"
    )


def _plan(engine: Engine, sessions: sessionmaker[Session], address: str) -> list[str]:
    """SQLite's plan for the very statement ``find_by_email`` sends."""
    seen: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    with sessions() as session:
        find_by_email(session, address)
    event.remove(engine, "before_cursor_execute", record)
    statement, params = next((s, p) for s, p in seen if "FROM students" in s)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    return [str(row[-1]) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, nargs="+", default=[1_000, 50_000])
    parser.add_argument("--lookups", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.students:
            _run(Path(tmp), count, args.lookups)


if __name__ == "__main__":
    main()
