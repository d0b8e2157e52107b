"""How long the ``afilia`` command takes to answer, relative to a bare ``import click``.

    .venv/bin/python bench/cli_startup_bench.py [--runs 15]

Each command runs ``--runs`` times as a fresh process (``python -m daemon``, what the
``afilia`` script runs) against a temporary installation (SQLite, Maildir); the median wall
time is printed next to ``python -c "import click"``, the floor any click program pays.
Targets (issue 11): ``--help`` <= 3x, ``status`` <= 6x.

Bytecode as installed: the environment's packages as ``uv sync --compile-bytecode``
(scripts/python-env.sh) left them, afilia's own package compiled first as a wheel install
compiles it, and nothing written while measuring (PYTHONDONTWRITEBYTECODE, like a service
under ProtectSystem=strict). ``--no-compile`` skips compiling afilia's package.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.deployment import make_deployment


def _median(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    if not args.no_compile:
        package = Path(__file__).resolve().parent.parent / "daemon"
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        deployment = make_deployment(Path(tmp) / "afilia")
        afilia = [sys.executable, "-m", "daemon", "--config", str(deployment.config_path)]
        floor = _median([sys.executable, "-c", "import click"], args.runs, env)
        label = 'python -c "import click"'
        print(f"{label:<28} {floor * 1000:7.1f} ms   1.0x")
        for name, command in (
            ("afilia --help", [sys.executable, "-m", "daemon", "--help"]),
            ("afilia status", [*afilia, "status"]),
            ("afilia decisions", [*afilia, "decisions"]),
            ("afilia outbox", [*afilia, "outbox"]),
        ):
            took = _median(command, args.runs, env)
            print(f"{name:<28} {took * 1000:7.1f} ms  {took / floor:4.1f}x")


if __name__ == "__main__":
    main()
