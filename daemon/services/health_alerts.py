"""Job: tell staff when a mailbox has not been read for an hour, and when it recovers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from daemon.services.health import mailbox_is_down
from daemon.services.outbox import Purpose, queue_mail
from daemon.store.db import transaction
from daemon.store.schema import MailboxHealthRow

if TYPE_CHECKING:
    from daemon.bootstrap import App


def run_mailbox_alerts(app: App, now: datetime) -> int:
    """Queue the down/recovered alerts that are due; returns how many were queued."""
    recipients = app.settings.staff.digest_recipients()
    if not recipients:
        return 0
    queued = 0
    with transaction(app.sessions) as session:
        for row in session.scalars(select(MailboxHealthRow)):
            if not row.alerted_down and mailbox_is_down(row, now):
                template, key, row.alerted_down = "mailbox_down", "down", True
                stamp = row.down_since
            elif row.alerted_down and row.down_since is None:
                template, key, row.alerted_down = "mailbox_recovered", "up", False
                stamp = row.last_success_at
            else:
                continue
            context = {
                "mailbox": row.mailbox,
                "since": row.down_since or row.last_error_at,
                "last_success_at": row.last_success_at,
                "last_error": row.last_error,
            }
            for recipient in recipients:
                queued += queue_mail(
                    session,
                    renderer=app.renderer,
                    settings=app.settings,
                    policy=app.policy,
                    purpose=Purpose.ALERT,
                    template=template,
                    context=context,
                    recipient=recipient,
                    dedupe_key=f"mailbox-{key}:{row.mailbox}:{stamp}:{recipient}",
                    now=now,
                )
    return queued
