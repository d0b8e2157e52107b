"""The command answers at once: ``--help`` loads no database, validation or PDF library, and
the schema check reads the migration files instead of importing Alembic."""

from __future__ import annotations

import json
import subprocess
import sys

from alembic.script import ScriptDirectory

from daemon.store.db import MIGRATIONS_DIR, head_revision

HEAVY = ("sqlalchemy", "pydantic", "pypdfium2", "pdfplumber", "holidays", "alembic", "jinja2")


def _modules_after(*args: str) -> set[str]:
    """The top-level packages loaded once ``afilia ARGS`` has run in a fresh interpreter."""
    probe = (
        "import json, sys\n"
        "from daemon.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_database_validation_or_pdf_library() -> None:
    loaded = _modules_after("--help")
    assert "click" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_a_command_s_help_imports_none_of_them_either() -> None:
    loaded = _modules_after("reminders", "--help")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_head_read_from_the_migration_files_is_alembic_s_own() -> None:
    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
