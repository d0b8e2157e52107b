"""The sysadmin's install path, end to end: build the wheel, install it with the versions
pinned in uv.lock into a fresh environment (bytecode compiled), take the units, the example
config and the guide from the wheel's data, and run the installed ``afilia`` far from any
checkout: ``doctor`` approves and ``run --once`` answers a student.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.fixtures.demo import ANA_ROW
from tests.fixtures.documents import ConstanciaTruth, constancia_pdf
from tests.fixtures.emails import student_mail
from tests.fixtures.roster import roster_students, write_roster_csv

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]


def _uv() -> str:
    """The uv the test command bootstraps (scripts/python-env.sh), else one on PATH."""
    bootstrapped = REPO / ".venv-uv" / "bin" / "uv"
    found = str(bootstrapped) if bootstrapped.exists() else shutil.which("uv")
    assert found, "uv is needed to build the wheel: run the suite with scripts/test"
    return found


def _run(*args: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/opt/afilia, here: the built wheel installed with uv.lock's pinned dependencies."""
    root = tmp_path_factory.mktemp("install")
    uv, dist, prefix = _uv(), root / "dist", root / "opt-afilia"
    _run(uv, "build", "--wheel", "--out-dir", dist, cwd=REPO)
    requirements = _run(
        uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--format",
        "requirements-txt", cwd=REPO,
    )  # fmt: skip
    (dist / "requirements.txt").write_text(requirements)
    [wheel] = dist.glob("afilia-*.whl")
    _run(uv, "venv", "--quiet", prefix, "--python", "python3", cwd=root)
    _run(
        uv, "pip", "install", "--quiet", "--python", prefix / "bin" / "python",
        "--compile-bytecode", "-r", dist / "requirements.txt", wheel, cwd=root,
    )  # fmt: skip
    return prefix


def test_the_wheel_carries_the_units_the_example_config_and_the_guide(installed: Path) -> None:
    share = installed / "share"
    units = sorted(p.name for p in (share / "afilia" / "systemd").glob("*.service"))
    assert units == ["afilia.service", "afilia@.service"]
    assert (share / "afilia" / "config.example.toml").is_file()
    for unit in units:
        text = (share / "afilia" / "systemd" / unit).read_text()
        [documented] = re.findall(r"^Documentation=file://(\S+)$", text, re.MULTILINE)
        shipped = installed / Path(documented).relative_to("/opt/afilia")
        assert shipped.is_file(), f"{unit} documents {documented}, not in the wheel"


def _command_paths(command: click.Command, path: str) -> Iterator[str]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            yield from _command_paths(sub, f"{path}-{name}")


def test_the_wheel_carries_a_man_page_for_every_command(installed: Path) -> None:
    from daemon.cli import main

    pages = installed / "share" / "man" / "man1"
    expected = sorted(f"{path}.1" for path in _command_paths(main, "afilia"))
    assert sorted(p.name for p in pages.glob("afilia*.1")) == expected  # fonttools adds ttx.1
    assert "afilia-altas-pending.1" in expected  # one per subcommand too, as git does
    page = (pages / "afilia.1").read_text()
    assert page.startswith('.TH "AFILIA" "1"')
    assert "\\-\\-config" in page  # the options, from the click command
    assert "afilia\\-decisions(1)" in page or "afilia-decisions(1)" in page
    pending = (pages / "afilia-altas-pending.1").read_text()
    assert "List students waiting for their alta." in pending  # the --help text


def test_the_install_compiles_bytecode_so_a_read_only_system_never_recompiles(
    installed: Path,
) -> None:
    [package] = installed.glob("lib/python3*/site-packages/daemon")
    assert list((package / "__pycache__").glob("cli*.pyc")) or list(
        (package / "cli" / "__pycache__").glob("*.pyc")
    )
    assert list((package / "domain" / "__pycache__").glob("classification*.pyc"))


def test_the_installed_afilia_passes_doctor_and_answers_a_student(
    installed: Path, tmp_path: Path
) -> None:
    afilia = installed / "bin" / "afilia"
    config = tmp_path / "config.toml"
    shutil.copy(installed / "share" / "afilia" / "config.example.toml", config)
    at = ("--config", config)
    _run(afilia, *at, "db", "upgrade", cwd=tmp_path)
    _run(afilia, *at, "term", "add", "ACTUAL", "--start", "2026-01-01", "--end", "2030-12-31",
         cwd=tmp_path)  # fmt: skip
    roster = write_roster_csv(tmp_path / "roster.csv", [ANA_ROW, *roster_students(3, seed=8)])
    _run(afilia, *at, "roster", "import", roster, cwd=tmp_path)
    checked = _run(afilia, *at, "doctor", "--fix", cwd=tmp_path)
    assert "Ready for go-live" in checked

    inbox = tmp_path / "var" / "mail"
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    raw = student_mail(
        f"Ana <{ANA_ROW['Correo institucional']}>",
        attachments=(("constancia.pdf", "application/pdf", constancia_pdf(ConstanciaTruth())),),
    )
    (inbox / "new" / "1.eml").write_bytes(raw)
    _run(afilia, *at, "run", "--once", cwd=tmp_path)
    [reply] = list((tmp_path / "var" / "outbox" / "new").iterdir())
    assert b"Subject:" in reply.read_bytes()
    decisions = _run(afilia, *at, "decisions", cwd=tmp_path)
    assert "UTE2026001" in decisions
