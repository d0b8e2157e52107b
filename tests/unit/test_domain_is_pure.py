"""The core must stay free of IO: a test walks its imports (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "daemon" / "domain"
FORBIDDEN = (
    "daemon.mail",
    "daemon.store",
    "daemon.services",
    "daemon.documents",
    "daemon.cli",
    "daemon.config",
    "sqlalchemy",
    "jinja2",
    "imapclient",
    "aiosmtplib",
    "pdfplumber",
    "pypdfium2",
    "structlog",
    "apscheduler",
    "socket",
    "subprocess",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_domain_imports_no_io_library_nor_outer_layer() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 5
    offending = {
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offending == set()
