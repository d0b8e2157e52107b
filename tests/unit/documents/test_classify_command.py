"""`afilia classify` on files: one JSON object per file, clear errors, no roster needed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from daemon.cli import main
from tests.fixtures import documents as docs

REPO = Path(__file__).resolve().parents[3]


def _config(tmp_path: Path) -> Path:
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    lines = [
        f'url = "sqlite:///{tmp_path}/afilia.db"' if line.startswith("url = ") else line
        for line in text.splitlines()
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_prints_one_json_object_per_file(tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(docs.constancia_pdf(docs.insured_here(), "stacked"))
    (tmp_path / "r.pdf").write_bytes(docs.renuncia_pdf(docs.RenunciaTruth(has_signature=False)))
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(_config(tmp_path)),
            "classify",
            "--json",
            "--today",
            "2026-11-20",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "r.pdf"),
        ],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["outcome"] for r in records] == ["accepted_insured_here", "waiver_incomplete"]
    first = records[0]
    assert set(first) >= {"file", "document", "fields", "outcome", "reasons", "confidence"}
    assert first["document"] == "constancia"
    assert first["fields"]["fecha_expedicion"] == "2026-11-18"
    assert first["reasons"][0] == "emitted 2026-11-18, 2 days before receipt, max 5"
    assert "no roster" in result.stderr


def test_classify_names_a_missing_file_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(_config(tmp_path)), "classify", str(tmp_path / "nope.pdf")]
    )
    assert result.exit_code == 1
    assert "nope.pdf: no such file" in result.stderr
    assert "Traceback" not in result.output
