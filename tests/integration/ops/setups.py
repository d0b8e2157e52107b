"""Config files for operations tests: a good local set-up, and ways to break it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHOOL = """
[school]
name = "Universidad Tecnológica de Ejemplo"
address = "servicios.estudiantiles@ute.example.edu.mx"
registros_patronales = ["Y5410123108"]
profile = "{profile}"
"""


def minimal_templates(directory: Path) -> Path:
    """One template pair and its samples: what the renderer's check needs, nothing more."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "_samples.toml").write_text("", encoding="utf-8")
    (directory / "acuse_recibido.txt.j2").write_text(
        "{% block subject %}Acuse recibido{% endblock %}\nHola, {{ school.name }}.\n",
        encoding="utf-8",
    )
    (directory / "acuse_recibido.html.j2").write_text(
        "<p>Hola, {{ school.name }}.</p>\n", encoding="utf-8"
    )
    return directory


def write_config(
    directory: Path,
    *,
    database_url: str | None = None,
    profile: str = "ut-cuatrimestral",
    mailboxes: str | None = None,
    outgoing: str | None = None,
    extra: str = "",
    **_: Any,
) -> Path:
    """A config in ``directory`` with state in ``directory/state``; the parts can be swapped."""
    state = directory / "state"
    templates = minimal_templates(directory / "templates")
    database_url = database_url or f"sqlite:///{state / 'afilia.db'}"
    mailboxes = (
        mailboxes
        or f"""
[[mailboxes]]
kind = "maildir"
name = "local"
path = "{state / "mail"}"
"""
    )
    outgoing = (
        outgoing
        or f"""
[outgoing.transport]
kind = "maildir"
path = "{state / "outbox"}"
"""
    )
    text = (
        f'state_dir = "{state}"\ntemplates_dir = "{templates}"\n{extra}\n'
        + SCHOOL.format(profile=profile)
        + f'\n[database]\nurl = "{database_url}"\n'
        + mailboxes
        + "\n[outgoing]\n"
        + outgoing
    )
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
