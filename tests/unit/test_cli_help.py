"""Every command and every option explains itself in ``--help``."""

from __future__ import annotations

from collections.abc import Iterator

import click

from daemon.cli import main


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, f"{path} {name}")


def test_every_command_and_option_has_help_text() -> None:
    undocumented = []
    for path, command in _commands(main, "afilia"):
        if not (command.help or "").strip():
            undocumented.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help" and not param.help:
                undocumented.append(f"{path} {'/'.join(param.opts)}")
    assert undocumented == []
