"""The config file is validated at start; every problem names the key and never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.config import load_settings
from daemon.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _example(tmp_path: Path, replace: tuple[str, str] | None = None) -> Path:
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    return _write(tmp_path, text)


def test_example_config_is_valid_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    settings = load_settings(_example(tmp_path))
    assert settings.state_dir == tmp_path / "var"
    assert settings.database_url() == f"sqlite:///{tmp_path}/var/afilia.db"
    assert settings.school.registros_patronales == ("Y5410123108",)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = _example(tmp_path)
    path.write_text(path.read_text() + "\n[limits2]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"limits2: afilia has no setting 'limits2' here; "):
        load_settings(path)


def test_a_misspelled_key_is_named_with_the_key_it_most_looks_like(tmp_path: Path) -> None:
    path = _example(tmp_path, ("office_hours", "ofice_hours"))
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    said = str(raised.value)
    assert "school.ofice_hours: afilia has no setting 'ofice_hours' here" in said
    assert "did you mean 'office_hours'?" in said
    assert "Extra inputs" not in said


def test_a_problem_in_a_list_entry_counts_entries_from_one(tmp_path: Path) -> None:
    path = _example(tmp_path)
    text = path.read_text()
    first = text.index("[[mailboxes]]")
    path.write_text(text[:first] + '[[mailboxes]]\nkind = "maildir"\nname = "x"\n\n' + text[first:])
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert "mailboxes[1]" in str(raised.value)
    assert "is required but missing" in str(raised.value)


def test_wrong_type_names_the_nested_key(tmp_path: Path) -> None:
    path = _example(tmp_path, ("per_minute = 30", 'per_minute = "many"'))
    with pytest.raises(ConfigError, match=r"outgoing\.per_minute"):
        load_settings(path)


def test_inline_password_is_refused_with_the_alternative(tmp_path: Path) -> None:
    path = _example(tmp_path, ('path = "var/outbox"', 'path = "var/outbox"\npassword = "x"'))
    with pytest.raises(ConfigError, match="password_env"):
        load_settings(path)


def test_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = _example(tmp_path, ('"America/Mexico_City"', '"America/Ciudad_Gotica"'))
    with pytest.raises(ConfigError, match=r"school\.timezone: unknown time zone"):
        load_settings(path)


def test_missing_secret_variable_is_a_clear_error(tmp_path: Path) -> None:
    path = _example(
        tmp_path,
        (
            'url = "sqlite:///var/afilia.db"',
            'url = "sqlite:///var/afilia.db"\npassword_env = "NOPE_X"',
        ),
    )
    with pytest.raises(ConfigError, match="NOPE_X"):
        load_settings(path).database_url()


def test_cli_reports_a_bad_config_in_one_line_without_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "[school\nname = 1")
    result = CliRunner().invoke(main, ["--config", str(path), "decisions"])
    assert result.exit_code == 2
    assert "is not valid TOML" in result.output
    assert "Traceback" not in result.output


def test_cli_reports_a_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.toml"), "db", "upgrade"])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_unknown_rules_profile_lists_the_available_ones(tmp_path: Path) -> None:
    from daemon.rules_profile import load_policy

    path = _example(tmp_path, ('profile = "ut-cuatrimestral"', 'profile = "nope"'))
    with pytest.raises(ConfigError, match=r"'nope' not found .*ut-cuatrimestral"):
        load_policy(load_settings(path))
