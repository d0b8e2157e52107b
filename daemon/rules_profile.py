"""Load a ``rules/*.toml`` profile into the domain ``Policy``, refusing unknown keys."""

from __future__ import annotations

import tomllib
from dataclasses import asdict
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from daemon.config import Settings, describe_errors
from daemon.domain.policy import Policy, School
from daemon.errors import ConfigError

_POLICY = TypeAdapter(Policy)


def default_rules_dir() -> Path:
    """``rules/`` beside the package in a checkout, or the copy inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "rules", here / "_data" / "rules"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("cannot find the rules/ directory; set rules_dir in the config")


def available_profiles(rules_dir: Path) -> list[str]:
    return sorted(p.stem for p in rules_dir.glob("*.toml"))


def load_policy(settings: Settings) -> Policy:
    rules_dir = settings.rules_dir or default_rules_dir()
    school = School(
        name=settings.school.name,
        registros_patronales=settings.school.registros_patronales,
        office=settings.school.office,
        office_hours=settings.school.office_hours,
        office_location=settings.school.office_location,
        employer_name_patterns=settings.school.employer_name_patterns,
    )
    return load_profile(rules_dir / f"{settings.school.profile}.toml", school)


def load_profile(path: Path, school: School) -> Policy:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        known = ", ".join(available_profiles(path.parent)) or "none"
        raise ConfigError(
            f"rules profile '{path.stem}' not found in {path.parent} (available: {known})"
        ) from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"rules profile {path} is not valid TOML: {err}") from err
    raw.setdefault("profile", path.stem)
    raw["school"] = asdict(school)
    try:
        return _POLICY.validate_python(raw)
    except ValidationError as err:
        raise ConfigError(f"rules profile {path}: invalid\n{describe_errors(err, Policy)}") from err
