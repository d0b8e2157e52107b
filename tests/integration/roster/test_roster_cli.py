"""``afilia roster import`` as staff run it: a config file, a SQLite database, a real export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from daemon.bootstrap import App
from daemon.cli import main
from daemon.store.db import transaction, upgrade
from daemon.store.schema import StudentRow
from tests.fixtures.roster import CURP, MATRICULA, roster_students, write_roster_csv
from tests.integration.roster.conftest import add_terms, write_config

pytestmark = pytest.mark.integration

NOW = "2026-09-01T09:00"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A deployment whose database has the current schema and this year's terms."""
    path = write_config(tmp_path)
    app = App(path)
    upgrade(app.engine)
    add_terms(app.sessions)
    app.engine.dispose()
    return path


def _afilia(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def _students(config: Path) -> int:
    app = App(config)
    try:
        with transaction(app.sessions) as session:
            return session.scalar(select(func.count()).select_from(StudentRow)) or 0
    finally:
        app.engine.dispose()


def test_import_prints_the_summary_and_each_rejected_row_and_exits_0(
    config: Path, tmp_path: Path
) -> None:
    rows = roster_students(12, seed=21)
    rows[3][CURP] = "GOMA050317MDFNRNA9"
    path = write_roster_csv(tmp_path / "inscritos.csv", rows, encoding="utf-8-sig", delimiter=";")

    result = _afilia(config, "roster", "import", str(path), "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "term: 2026-SEP-DIC" in result.stdout
    assert "added:            11" in result.stdout
    assert "rejected:         1" in result.stdout
    assert f"row 5 ({rows[3][MATRICULA]}): invalid CURP" in result.stdout
    assert _students(config) == 11


def test_json_report_lists_added_changed_and_rejected(config: Path, tmp_path: Path) -> None:
    rows = roster_students(3, seed=22)
    rows[0]["Estatus"] = "ACTIVO"
    path = write_roster_csv(tmp_path / "inscritos.csv", rows)
    _afilia(config, "roster", "import", str(path), "--now", NOW)
    rows[0]["Estatus"] = "estadia"
    rows[1]["CURP"] = "NOT-A-CURP"

    result = _afilia(
        config, "roster", "import", str(write_roster_csv(path, rows)), "--json", "--now", NOW
    )

    report = json.loads(result.stdout)
    assert report["added"] == []
    assert report["changed"] == [
        {"matricula": rows[0][MATRICULA], "fields": {"status": ["ACTIVO", "ESTADÍA"]}}
    ]
    assert report["unchanged"] == 1
    assert [(r["row"], r["problem"]) for r in report["rejected"]] == [(3, "invalid_curp")]
    assert report["term"] == "2026-SEP-DIC"


def test_dry_run_shows_what_would_happen_and_writes_nothing(config: Path, tmp_path: Path) -> None:
    path = write_roster_csv(tmp_path / "inscritos.csv", roster_students(5, seed=23))

    result = _afilia(config, "roster", "import", str(path), "--dry-run")

    assert result.exit_code == 0
    assert "DRY RUN" in result.stdout
    assert "added:            5" in result.stdout
    assert _students(config) == 0


def test_an_unreadable_file_exits_2_with_one_clear_line(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "inscritos.csv"
    path.write_text("Matrícula;Nombre\nUTE1;ANA\n", encoding="utf-8")

    result = _afilia(config, "roster", "import", str(path))

    assert result.exit_code == 2
    assert "missing required column(s): CURP, Estatus" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(config: Path, tmp_path: Path) -> None:
    result = _afilia(config, "roster", "import", str(tmp_path / "no-such.xlsx"))

    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_an_unknown_term_exits_2_naming_the_known_ones(config: Path, tmp_path: Path) -> None:
    path = write_roster_csv(tmp_path / "inscritos.csv", roster_students(2, seed=24))

    result = _afilia(config, "roster", "import", str(path), "--term", "2030-X")

    assert result.exit_code == 2
    assert "no term named '2030-X' (terms: 2026-MAY-AGO, 2026-SEP-DIC)" in result.stderr
    assert _students(config) == 0


def test_a_database_without_schema_is_refused_with_the_upgrade_hint(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    path = write_roster_csv(tmp_path / "inscritos.csv", roster_students(2, seed=25))

    result = _afilia(config, "roster", "import", str(path))

    assert result.exit_code == 2
    assert "run 'afilia db upgrade'" in result.stderr


def test_large_files_report_progress_on_stderr(config: Path, tmp_path: Path) -> None:
    path = write_roster_csv(tmp_path / "inscritos.csv", roster_students(5000, seed=26))

    result = _afilia(config, "roster", "import", str(path), "--json")

    assert result.exit_code == 0
    assert "roster: read 5000 rows" in result.stderr
    assert "roster: writing 5000/5000" in result.stderr
    assert len(json.loads(result.stdout)["added"]) == 5000


def test_show_prints_one_student(config: Path, tmp_path: Path) -> None:
    rows = roster_students(2, seed=27)
    _afilia(config, "roster", "import", str(write_roster_csv(tmp_path / "r.csv", rows)))

    result = _afilia(config, "roster", "show", rows[1][MATRICULA].lower(), "--json")

    assert json.loads(result.stdout)["curp"] == rows[1][CURP]


def test_the_installed_command_imports_a_file(config: Path, tmp_path: Path) -> None:
    path = write_roster_csv(tmp_path / "r.csv", roster_students(3, seed=28), encoding="cp1252")

    done = subprocess.run(
        [sys.executable, "-m", "daemon", "--config", str(config), "roster", "import", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "added:            3" in done.stdout
