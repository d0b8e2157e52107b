"""``scripts/demo`` waits for a daemon only when the daemon runs *this* config."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fixtures.demo import daemon_running


@contextmanager
def _process(*args: str) -> Iterator[None]:
    """A process whose command line reads ``afilia ARGS`` (it only sleeps)."""
    code = "import time; time.sleep(60)"
    child = subprocess.Popen(
        ["/opt/afilia/bin/afilia", "-c", code, *args], executable=sys.executable
    )
    cmdline = Path(f"/proc/{child.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"/opt/afilia/bin/afilia" not in cmdline.read_bytes():  # until it has exec'd
        assert time.monotonic() < deadline, "the stand-in process did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        child.kill()
        child.wait()


def test_the_daemon_of_this_config_is_found(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.toml", tmp_path / "theirs.toml"
    assert not daemon_running(ours)
    with _process("run", "--config", str(ours)):
        assert daemon_running(ours)
        assert not daemon_running(theirs)


def test_a_one_pass_run_or_another_schools_daemon_is_not_waited_for(tmp_path: Path) -> None:
    ours = tmp_path / "ours.toml"
    with _process("run", "--once", "--config", str(ours)):
        assert not daemon_running(ours)
    with _process("run", "--config", str(tmp_path / "other.toml")):
        assert not daemon_running(ours)
