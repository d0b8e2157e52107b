"""The unit files are valid and hardened: systemd-analyze rates them 2.0 or lower."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration

UNITS = REPO / "systemd"
INSTALLED_BINARY = "/opt/afilia/bin/afilia"
_EXPOSURE = re.compile(r"Overall exposure level for (\S+): (\d+\.\d+) (\w+)")


def _instance(tmp_path: Path, unit: str, instance_name: str | None = None) -> Path:
    """The unit as systemd would load it; ExecStart points at this checkout's afilia."""
    name = unit.replace("@.", f"@{instance_name}.") if instance_name else unit
    text = (UNITS / unit).read_text(encoding="utf-8")
    afilia = Path(sys.executable).parent / "afilia"  # the console script of this venv
    path = tmp_path / name
    path.write_text(text.replace(INSTALLED_BINARY, str(afilia)), encoding="utf-8")
    return path


def exposure(unit_file: Path) -> tuple[float, str]:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = _EXPOSURE.search(result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(2)), found.group(3)


@pytest.mark.parametrize(
    ("unit", "instance_name"), [("afilia.service", None), ("afilia@.service", "ute-norte")]
)
def test_unit_is_rated_ok_by_systemd_analyze_security(
    tmp_path: Path, unit: str, instance_name: str | None
) -> None:
    score, verdict = exposure(_instance(tmp_path, unit, instance_name))
    assert score <= 2.0, f"{unit} exposure {score} {verdict}"
    assert verdict == "OK"


@pytest.mark.parametrize(
    ("unit", "instance_name"), [("afilia.service", None), ("afilia@.service", "ute-norte")]
)
def test_unit_passes_systemd_analyze_verify(
    tmp_path: Path, unit: str, instance_name: str | None
) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(_instance(tmp_path, unit, instance_name))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_service_tells_systemd_when_it_is_ready_and_alive() -> None:
    text = (UNITS / "afilia.service").read_text(encoding="utf-8")
    for line in ("Type=notify", "Restart=on-failure", "StateDirectory=afilia"):
        assert line in text.splitlines()
    assert re.search(r"^WatchdogSec=\d+", text, re.MULTILINE)
    assert re.search(r"^LoadCredential=", text, re.MULTILINE)


def test_the_template_keeps_each_school_apart() -> None:
    text = (UNITS / "afilia@.service").read_text(encoding="utf-8")
    assert "Environment=AFILIA_CONFIG=/etc/afilia/%i.toml" in text
    assert "StateDirectory=afilia/%i" in text
    assert "LoadCredential=afilia:/etc/afilia/credentials/%i" in text
