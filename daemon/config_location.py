"""Where the config file is: ``--config``, else ``$AFILIA_CONFIG``, else /etc/afilia.

Apart from ``daemon.config`` so that finding the file costs nothing: the command resolves it
before every subcommand, including ``--help``, and only reads it when the command needs it.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CONFIG_PATH = Path("/etc/afilia/config.toml")


def config_path_from(cli_value: str | os.PathLike[str] | None) -> Path:
    if cli_value:
        return Path(cli_value)
    if os.environ.get("AFILIA_CONFIG"):
        return Path(os.environ["AFILIA_CONFIG"])
    return DEFAULT_CONFIG_PATH
