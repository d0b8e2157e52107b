"""The embedded defaults: a local Maildir inbox and a local Maildir outbox."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from daemon.mail.maildir_mailbox import MaildirMailbox
from daemon.mail.maildir_mailer import MaildirMailer
from daemon.mail.ports import OutgoingMail
from tests.fixtures.emails import student_mail


def drop(inbox: Path, name: str, raw: bytes, *, sub: str = "new", age: float = 0) -> Path:
    path = inbox / sub / name
    path.write_bytes(raw)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_missing_maildir_is_created_private(tmp_path: Path) -> None:
    MaildirMailbox("local", tmp_path / "mail")
    for sub in ("", "new", "cur", "tmp", ".procesados"):
        assert stat.S_IMODE((tmp_path / "mail" / sub).stat().st_mode) == 0o700


def test_pending_yields_new_and_cur_oldest_first(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path)
    drop(tmp_path, "3.c.host", b"Subject: c\r\n\r\n", age=10)
    drop(tmp_path, "1.a.host:2,S", b"Subject: a\r\n\r\n", sub="cur", age=30)
    drop(tmp_path, "2.b.host", b"Subject: b\r\n\r\n", age=20)
    fetched = list(box.pending())
    assert [m.ref.uid_key for m in fetched] == ["1.a.host", "2.b.host", "3.c.host"]
    assert fetched[0].raw == b"Subject: a\r\n\r\n"
    assert fetched[0].ref.uidvalidity == 0
    assert fetched[0].ref.mailbox == "local"


def test_processed_mail_moves_to_procesados_and_is_not_pending(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path)
    drop(tmp_path, "1.a.host", student_mail())
    (mail,) = box.pending()
    box.mark_processed(mail.ref)
    box.mark_processed(mail.ref)  # a second time after a restart is harmless
    assert list(box.pending()) == []
    assert os.listdir(tmp_path / ".procesados" / "cur") == ["1.a.host:2,"]


def test_a_batch_of_decided_mails_moves_at_once_and_the_others_stay(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path)
    for n in range(5):
        drop(tmp_path, f"{n}.m.host", student_mail(), sub="cur" if n == 3 else "new", age=10 - n)
    decided = [m.ref for m in box.pending() if m.ref.uid_key != "4.m.host"]
    box.mark_processed_many(decided)
    box.mark_processed_many(decided)  # again after a restart: nothing left to move
    assert [m.ref.uid_key for m in box.pending()] == ["4.m.host"]
    assert sorted(os.listdir(tmp_path / ".procesados" / "cur")) == [
        "0.m.host:2,",
        "1.m.host:2,",
        "2.m.host:2,",
        "3.m.host:2,",
    ]


def test_oversized_mail_is_read_as_headers_only(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path, max_message_bytes=1000)
    drop(tmp_path, "1.big.host", b"Subject: big\r\n\r\n" + b"x" * 5000)
    (mail,) = box.pending()
    assert mail.truncated
    assert mail.raw == b"Subject: big\r\n\r\n"
    assert mail.size == 5016


def test_wait_for_new_wakes_when_a_mail_arrives(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path, poll_seconds=0.05)
    drop(tmp_path, "1.old.host", b"Subject: old\r\n\r\n")
    list(box.pending())
    stop = threading.Event()
    assert box.wait_for_new(0.2, stop) is False
    threading.Timer(0.1, drop, (tmp_path, "2.new.host", b"Subject: new\r\n\r\n")).start()
    started = time.monotonic()
    assert box.wait_for_new(5, stop) is True
    assert time.monotonic() - started < 2


def test_wait_for_new_returns_at_once_on_stop(tmp_path: Path) -> None:
    box = MaildirMailbox("local", tmp_path, poll_seconds=0.05)
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert box.wait_for_new(30, stop) is False
    assert time.monotonic() - started < 1


def reply(message_id: str = "<r1@afilia>") -> OutgoingMail:
    return OutgoingMail(
        message_id=message_id,
        sender="servicios@ute.example.edu.mx",
        recipients=("ana@example.com",),
        raw=b"Message-ID: " + message_id.encode() + b"\r\n\r\nhola\r\n",
    )


def test_outbox_writes_one_private_file_per_message_id(tmp_path: Path) -> None:
    mailer = MaildirMailer(tmp_path / "outbox")
    results = mailer.deliver([reply("<r1@afilia>"), reply("<r2@afilia>")])
    assert [r.delivered for r in results] == [True, True]
    files = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(files) == 2
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert os.listdir(tmp_path / "outbox" / "tmp") == []


def test_delivering_the_same_message_twice_leaves_one_file(tmp_path: Path) -> None:
    mailer = MaildirMailer(tmp_path / "outbox")
    mailer.deliver([reply()])
    # a reader (the newcomer's mail client) moved it to cur/ meanwhile
    (only,) = (tmp_path / "outbox" / "new").iterdir()
    only.rename(tmp_path / "outbox" / "cur" / f"{only.name}:2,S")
    assert mailer.deliver([reply()])[0].delivered
    assert list((tmp_path / "outbox" / "new").iterdir()) == []
    assert len(list((tmp_path / "outbox" / "cur").iterdir())) == 1
