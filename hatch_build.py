"""Wheel build hook: a man page for ``afilia`` and one for each of its subcommands
(``afilia-altas-pending.1``...), generated from the click commands by click-man, so they
can never say other than ``--help`` does. They ship in the wheel's data as
``share/man/man1/afilia*.1`` (with the units and the guide: /opt/afilia/share/...).

The hook imports ``daemon.cli``, hence ``require-runtime-dependencies`` in pyproject.toml.
Dates come from ``SOURCE_DATE_EPOCH`` when set (reproducible builds).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ManPagesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        from click_man.core import write_man_pages

        sys.path.insert(0, self.root)
        try:
            from daemon.cli import main
        finally:
            sys.path.remove(self.root)
        self._pages = Path(tempfile.mkdtemp(prefix="afilia-man-"))
        write_man_pages("afilia", main, version=self.metadata.version, target_dir=self._pages)
        for page in sorted(self._pages.glob("*.1")):
            build_data["shared_data"][str(page)] = f"share/man/man1/{page.name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        pages = getattr(self, "_pages", None)
        if pages is not None:
            shutil.rmtree(pages, ignore_errors=True)
