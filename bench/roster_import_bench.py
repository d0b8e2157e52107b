"""How long a 20,000-student roster import takes, and how much memory it needs.

    .venv/bin/python bench/roster_import_bench.py [--rows 20000] [--database-url URL]

Runs against a fresh SQLite file (or the given empty database): first import (all
added), the same file again (all unchanged), then a file where 10% of students changed
status, each for CSV and XLSX. Prints seconds per phase and the peak Python memory
(with --tracemalloc) or the process's peak RSS. XLSX files are written with a shared
strings table, as Excel saves them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.roster_file import read_roster
from daemon.services.roster_import import import_roster
from daemon.store.db import make_engine, session_factory, transaction, upgrade
from daemon.store.schema import TermRow
from tests.fixtures.roster import (
    ESTATUS,
    roster_students,
    write_roster_csv,
    write_roster_xlsx,
)

TODAY = date(2026, 9, 1)
NOW = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)


def _phase(name: str, sessions: object, path: Path, traced: bool) -> None:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    sheet = read_roster(path)
    read_s = time.perf_counter() - started
    with transaction(sessions) as session:  # type: ignore[arg-type]
        report = import_roster(
            session, sheet, source=path.name, today=TODAY, now=NOW, actor="bench"
        )
    total_s = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    memory = (
        f"peak python {peak / 2**20:6.1f} MiB" if traced else f"peak RSS so far {_rss():5.0f} MiB"
    )
    print(
        f"{name:<28} read {read_s:6.2f}s  total {total_s:6.2f}s  "
        f"added {len(report.added):>6}  changed {len(report.changed):>6}  "
        f"unchanged {report.unchanged:>6}  rejected {len(report.rejected):>3}  " + memory
    )


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", help="an EMPTY database (default: a temp SQLite file)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="measure peak Python memory per phase (several times slower; times not comparable)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = roster_students(args.rows, seed=2026)
        for label, write in (("csv", write_roster_csv), ("xlsx", write_roster_xlsx)):
            url = args.database_url or f"sqlite:///{root / f'{label}.db'}"
            if args.database_url and label == "xlsx":
                break  # the given database is used once, by the CSV run
            engine = make_engine(url)
            upgrade(engine)
            sessions = session_factory(engine)
            with transaction(sessions) as session:
                session.add(
                    TermRow(name="2026-SEP-DIC", starts_on=TODAY, ends_on=date(2026, 12, 18))
                )
            first = write(root / f"roster.{label}", rows)
            _phase(f"{label}: first import", sessions, first, args.tracemalloc)
            _phase(f"{label}: same file again", sessions, first, args.tracemalloc)
            changed = [
                {**row, ESTATUS: "BAJA TEMPORAL" if row[ESTATUS] != "BAJA TEMPORAL" else "ACTIVO"}
                if index % 10 == 0
                else row
                for index, row in enumerate(rows)
            ]
            _phase(
                f"{label}: 10% status changes",
                sessions,
                write(root / f"b.{label}", changed),
                args.tracemalloc,
            )
            engine.dispose()
    print(f"peak RSS of the whole run: {_rss():.0f} MiB")


if __name__ == "__main__":
    main()
