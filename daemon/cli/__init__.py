"""The ``afilia`` command. Each command group lives in its own module and registers here."""

from __future__ import annotations

import sys
from typing import Any

import click

from daemon.errors import AfiliaError


class _AfiliaGroup(click.Group):
    """Turns our own errors into one clear line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AfiliaError as err:
            click.echo(f"afilia: error: {err}", err=True)
            sys.exit(2)


@click.group(cls=_AfiliaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $AFILIA_CONFIG, else /etc/afilia/config.toml).",
)
@click.version_option(package_name="afilia")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """afilia: answers students' IMSS constancias and waivers by email and tells staff
    what to do at IMSS each day.

    Start with 'afilia db upgrade', then 'afilia roster import FILE', then 'afilia run'.
    """
    from daemon.bootstrap import App
    from daemon.config_location import config_path_from

    app = App(config_path_from(config))
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register_all() -> None:
    from daemon.cli import documents, intake, operations, procedure, quarantine, roster

    for module in (intake, roster, documents, procedure, operations, quarantine):
        module.register(main)
    from daemon.cli import follow_up, reports  # after procedure: they extend its groups

    for module in (follow_up, reports):
        module.register(main)


_register_all()
