"""The one place that builds adapters from the settings and hands them to use cases.

Nothing is built at import time: the CLI creates an ``App`` and each property builds its
part on first use, so ``afilia --help`` needs no config and ``afilia db upgrade`` needs no
mailbox.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from daemon.config import Settings, load_settings
from daemon.domain.policy import Policy
from daemon.rules_profile import load_policy
from daemon.store.blobs import BlobStore
from daemon.store.db import make_engine, session_factory

if TYPE_CHECKING:
    from daemon.mail.compose import Renderer


class App:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.config_path)

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.settings)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url())

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.blob_dir)

    @cached_property
    def renderer(self) -> Renderer:
        from daemon.mail.compose import Renderer

        templates = self.settings.templates_dir
        return Renderer(templates)

    def reload_policy(self) -> Policy:
        """SIGHUP: validate the new rules first; keep the old ones if they are bad."""
        fresh = load_policy(self.settings)
        self.__dict__["policy"] = fresh
        return fresh
