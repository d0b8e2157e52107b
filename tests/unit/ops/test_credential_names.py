"""The secret names the example config and the ops guide use are the ones the systemd
units hand the service: ``LoadCredential=afilia:/etc/afilia/credentials`` loads each file
of that directory as credential ``afilia_<file name>``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SECRET = re.compile(r'^[#\s]*\w+_file\s*=\s*"([^"]+)"', re.MULTILINE)


def _prefixes() -> set[str]:
    found = set()
    for unit in (REPO / "systemd").glob("*.service"):
        for name in re.findall(r"^LoadCredential=([^:\s]+):", unit.read_text(), re.MULTILINE):
            found.add(f"{name}_")
    return found


@pytest.mark.parametrize("document", ["config.example.toml", "docs/operations.md"])
def test_every_secret_file_named_in_the_examples_is_a_credential_the_unit_loads(
    document: str,
) -> None:
    prefixes = _prefixes()
    assert prefixes == {"afilia_"}
    names = [n for n in _SECRET.findall((REPO / document).read_text()) if "/" not in n]
    assert names, f"{document} names no secret file"
    assert [n for n in names if not any(n.startswith(p) for p in prefixes)] == []
