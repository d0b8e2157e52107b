"""A batch of decided mails leaves the inbox in one UID MOVE (or one COPY + STORE +
EXPUNGE), not one per mail: the cost of a move grows with the folder's size."""

from __future__ import annotations

from typing import Any

import pytest
from imapclient import IMAPClient

from daemon.mail.inbound import parse_mail
from tests.fixtures.emails import student_mail
from tests.integration.mail.test_imap_mailbox import mailbox
from tests.servers.dovecot import DovecotAccount

pytestmark = pytest.mark.integration


def _count(monkeypatch: pytest.MonkeyPatch, *commands: str) -> list[tuple[str, Any]]:
    calls: list[tuple[str, Any]] = []
    for command in commands:
        real = getattr(IMAPClient, command)

        def counted(
            self: IMAPClient, *args: Any, _real: Any = real, _name: str = command, **kw: Any
        ) -> Any:
            calls.append((_name, args[0]))
            return _real(self, *args, **kw)

        monkeypatch.setattr(IMAPClient, command, counted)
    return calls


def test_a_batch_moves_with_one_uid_move(
    dovecot: DovecotAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        dovecot.append(student_mail(message_id=f"<m{n}@x>"))
    box = mailbox(dovecot, processed_folder="afilia/procesados")
    mails = list(box.pending())
    calls = _count(monkeypatch, "move")
    box.mark_processed_many([m.ref for m in mails[:4]])
    assert calls == [("move", [int(m.ref.uid_key) for m in mails[:4]])]
    moved = [parse_mail(r).message_id for r in dovecot.folder_messages("afilia.procesados")]
    assert sorted(moved) == [f"<m{n}@x>" for n in range(4)]
    assert [m.ref.uid_key for m in box.pending()] == [mails[4].ref.uid_key]
    box.mark_processed_many([m.ref for m in mails[:4]])  # again, after a restart: nothing
    box.mark_processed_many([])
    box.close()


def test_without_move_a_batch_is_one_copy_one_store_one_expunge(
    dovecot_without_move: DovecotAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = dovecot_without_move
    for n in range(3):
        account.append(student_mail(message_id=f"<m{n}@x>"))
    box = mailbox(account, processed_folder="procesados")
    mails = list(box.pending())
    calls = _count(monkeypatch, "copy", "add_flags", "uid_expunge")
    box.mark_processed_many([m.ref for m in mails])
    box.close()
    uids = [int(m.ref.uid_key) for m in mails]
    assert [name for name, _ in calls] == ["copy", "add_flags", "uid_expunge"]
    assert all(list(target) == uids for _, target in calls)
    assert account.folder_messages("INBOX") == []
    assert len(account.folder_messages("procesados")) == 3
