"""The one place that builds adapters from the settings and hands them to use cases.

Nothing is built at import time: the CLI creates an ``App`` and each property builds its
part on first use, so ``afilia --help`` needs no config and ``afilia db upgrade`` needs no
mailbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon.errors import ConfigError

if TYPE_CHECKING:  # each part is imported when first built: 'afilia --help' needs none
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from daemon.config import Settings
    from daemon.documents import DocumentReader
    from daemon.domain.calendar import BusinessCalendar
    from daemon.domain.policy import Policy
    from daemon.mail.compose import Renderer
    from daemon.mail.ports import Mailbox, Mailer, Shard
    from daemon.metrics import Metrics
    from daemon.services.ingest import Intake
    from daemon.store.blobs import BlobStore


class App:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    @cached_property
    def settings(self) -> Settings:
        from daemon.config import load_settings

        return load_settings(self.config_path)

    @cached_property
    def policy(self) -> Policy:
        from daemon.rules_profile import load_policy

        return load_policy(self.settings)

    @cached_property
    def engine(self) -> Engine:
        from daemon.store.db import make_engine

        return make_engine(self.settings.database_url())

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from daemon.store.db import session_factory

        return session_factory(self.engine)

    @cached_property
    def blobs(self) -> BlobStore:
        from daemon.store.blobs import BlobStore

        return BlobStore(self.settings.blob_dir)

    @cached_property
    def renderer(self) -> Renderer:
        from daemon.mail.compose import Renderer

        templates = self.settings.templates_dir
        return Renderer(templates, tz=self.settings.tz)

    def close(self) -> None:
        """Release the database connections, if any were opened (CLI exit, in-process use)."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def reload(self) -> None:
        """SIGHUP: validate the new rules and templates first; keep the old ones if bad."""
        from daemon.mail.compose import Renderer
        from daemon.rules_profile import load_policy

        policy = load_policy(self.settings)
        renderer = Renderer(self.settings.templates_dir, tz=self.settings.tz)
        problems = renderer.check_all(policy)
        if problems:
            raise ConfigError("templates refused: " + "; ".join(problems))
        self.__dict__["policy"] = policy
        self.__dict__["renderer"] = renderer

    def calendar(self) -> BusinessCalendar:
        from daemon.services.calendar_settings import business_calendar

        return business_calendar(self.settings)

    def intake(
        self,
        clock: Callable[[], datetime],
        reader: DocumentReader | None = None,
        metrics: Metrics | None = None,
        on_decided: Callable[[], None] | None = None,
    ) -> Intake:
        from daemon.documents import ReadLimits
        from daemon.domain.calendar import next_movement_date
        from daemon.services.ingest import Intake
        from daemon.services.mail_reading import MailReader
        from daemon.services.staff_commands import handle_staff_mail

        settings, policy, renderer = self.settings, self.policy, self.renderer
        calendar = self.calendar()
        limits = self.settings.limits
        return Intake(
            settings=settings,
            policy=policy,
            sessions=self.sessions,
            blobs=self.blobs,
            reader=reader
            or MailReader(ReadLimits.from_settings(limits), workers=limits.parse_workers),
            renderer=renderer,
            clock=clock,
            staff_handler=partial(
                handle_staff_mail, settings=settings, policy=policy, renderer=renderer
            ),
            next_movement=lambda today: next_movement_date(today, policy, calendar),
            metrics=metrics,
            on_decided=on_decided,
        )

    def mailboxes(self, shard: Shard | None = None) -> list[Mailbox]:
        from daemon.config import ImapSource
        from daemon.mail.imap_mailbox import ImapMailbox
        from daemon.mail.maildir_mailbox import MaildirMailbox
        from daemon.mail.oauth import build_token_provider

        built: list[Mailbox] = []
        for source in self.settings.mailboxes:
            if isinstance(source, ImapSource):
                built.append(
                    ImapMailbox(
                        source,
                        password=source.password(),
                        token_provider=build_token_provider(
                            source, state_dir=self.settings.state_dir
                        ),
                        max_message_bytes=self.settings.limits.max_message_bytes,
                    )
                )
            else:
                built.append(
                    MaildirMailbox(
                        source.name,
                        source.path,
                        quarantine_folder=source.quarantine_folder,
                        max_message_bytes=self.settings.limits.max_message_bytes,
                    )
                )
        for mailbox in built:
            mailbox.shard = shard
        return built

    def mailer(self) -> Mailer:
        from daemon.config import SmtpOutgoing
        from daemon.mail.maildir_mailer import MaildirMailer
        from daemon.mail.oauth import build_token_provider
        from daemon.mail.smtp_mailer import SmtpMailer

        transport = self.settings.outgoing.transport
        if isinstance(transport, SmtpOutgoing):
            return SmtpMailer(
                transport,
                password=transport.password(),
                token_provider=build_token_provider(transport, state_dir=self.settings.state_dir),
            )
        return MaildirMailer(transport.path)

    def periodic_jobs(
        self, digest_time: time
    ) -> list[tuple[str, Callable[[App, datetime], object], dict[str, Any]]]:
        """(job id, function(app, now), trigger) for the scheduler; fixed ids."""
        from daemon.services.digest import run_digest
        from daemon.services.health_alerts import run_mailbox_alerts
        from daemon.services.purge import run_purge
        from daemon.services.reminders import run_reminder_sweep
        from daemon.services.review_mails import run_review_mails

        return [
            ("reminders", run_reminder_sweep, {"minutes": 15}),
            ("mailbox-alerts", run_mailbox_alerts, {"minutes": 5}),
            ("review-mails", run_review_mails, {"minutes": 15}),
            ("digest", run_digest, {"hour": digest_time.hour, "minute": digest_time.minute}),
            ("purge", run_purge, {"hour": 3, "minute": 17}),
        ]
