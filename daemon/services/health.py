"""Mailbox health: when each mailbox was last read, and the staff alert when one is down.

A mailbox not read successfully for an hour is reported to staff by email, once, and again
once it recovers (issue 5). The alert rows go through the outbox under unique keys.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from daemon.store.db import transaction
from daemon.store.schema import MailboxHealthRow

DOWN_AFTER = timedelta(hours=1)


def _row(session: Session, mailbox: str) -> MailboxHealthRow:
    row = session.get(MailboxHealthRow, mailbox)
    if row is None:
        row = MailboxHealthRow(mailbox=mailbox, last_error="", alerted_down=False)
        session.add(row)
    return row


def record_mailbox_success(sessions: sessionmaker[Session], mailbox: str, now: datetime) -> None:
    with transaction(sessions) as session:
        row = _row(session, mailbox)
        row.last_success_at = now
        row.down_since = None


def record_mailbox_error(
    sessions: sessionmaker[Session], mailbox: str, now: datetime, error: str
) -> None:
    with transaction(sessions) as session:
        row = _row(session, mailbox)
        row.last_error_at = now
        row.last_error = error[:2000]
        if row.down_since is None:
            row.down_since = now


def mailbox_is_down(row: MailboxHealthRow, now: datetime) -> bool:
    """Down = failing, with no successful read, for an hour."""
    return row.down_since is not None and now - row.down_since >= DOWN_AFTER
