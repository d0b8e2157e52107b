"""SIGHUP reloads rules and templates; a bad edit is refused and the old ones stay in use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from daemon.errors import ConfigError
from tests.conftest import REPO
from tests.fixtures.deployment import Deployment, make_deployment

pytestmark = pytest.mark.integration


def _deployment_with_own_rules_and_templates(tmp_path: Path) -> tuple[Deployment, Path, Path]:
    rules, templates = tmp_path / "rules", tmp_path / "templates"
    shutil.copytree(REPO / "rules", rules)
    shutil.copytree(REPO / "templates" / "email", templates)
    deployment = make_deployment(tmp_path / "afilia")
    config = deployment.config_path.read_text(encoding="utf-8")
    config = config.replace(
        'state_dir = "', f'rules_dir = "{rules}"\ntemplates_dir = "{templates}"\nstate_dir = "', 1
    )
    deployment.config_path.write_text(config, encoding="utf-8")
    return deployment, rules, templates


def test_a_valid_rules_edit_is_picked_up_on_reload(tmp_path: Path) -> None:
    deployment, rules, _templates = _deployment_with_own_rules_and_templates(tmp_path)
    app = deployment.app()
    assert app.policy.intake.max_age_days == 5
    profile = rules / "ut-cuatrimestral.toml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("max_age_days = 5", "max_age_days = 7"),
        encoding="utf-8",
    )
    app.reload()
    assert app.policy.intake.max_age_days == 7
    app.engine.dispose()


def test_a_broken_rules_edit_is_refused_and_the_old_rules_stay(tmp_path: Path) -> None:
    deployment, rules, _templates = _deployment_with_own_rules_and_templates(tmp_path)
    app = deployment.app()
    before = app.policy
    profile = rules / "ut-cuatrimestral.toml"
    profile.write_text(profile.read_text(encoding="utf-8") + "\n[intake]\nbogus = 1\n")
    with pytest.raises(ConfigError, match="ut-cuatrimestral"):
        app.reload()
    assert app.policy is before
    app.engine.dispose()


def test_a_broken_template_edit_is_refused_and_the_old_templates_stay(tmp_path: Path) -> None:
    deployment, _rules, templates = _deployment_with_own_rules_and_templates(tmp_path)
    app = deployment.app()
    renderer = app.renderer
    template = templates / "too_old.txt.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{% if %}")  # syntax error
    with pytest.raises(ConfigError, match="too_old"):
        app.reload()
    assert app.renderer is renderer
    app.engine.dispose()
