"""The schema revision this afilia needs, read from its migration files without importing
Alembic or SQLAlchemy (both cost a large part of a CLI start), and the check against the
revision a database holds."""

from __future__ import annotations

import re
from pathlib import Path

from daemon.errors import SchemaOutOfDateError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision: str = "([^"]+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)', re.MULTILINE)


def head_revision() -> str:
    """The newest migration, read from the migration files without importing Alembic (half
    a second at every CLI start): the revision no other file names as its down_revision.
    A test holds this to Alembic's own ``ScriptDirectory.get_current_head()``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN_REVISION.search(text)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise AssertionError(f"the migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def check_revision(current: str | None) -> None:
    """Refuse a database whose schema is not this afilia's (older, newer or empty)."""
    head = head_revision()
    if current != head:
        shown = current or "empty database"
        raise SchemaOutOfDateError(
            f"database schema is at {shown}, this afilia needs {head}: run 'afilia db upgrade'"
        )
