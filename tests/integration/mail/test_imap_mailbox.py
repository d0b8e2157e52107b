"""ImapMailbox against a real Dovecot: fetch, move, fallback, IDLE, reconnect."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from daemon.errors import PermanentError, TransientError
from daemon.mail.imap_mailbox import ImapMailbox
from daemon.mail.inbound import parse_mail
from tests.fixtures.emails import student_mail
from tests.servers.dovecot import DovecotAccount, DovecotServer
from tests.servers.tls import client_context

pytestmark = pytest.mark.integration


def mailbox(account: DovecotAccount, **overrides: object) -> ImapMailbox:
    max_bytes = overrides.pop("max_message_bytes", 25 * 1024 * 1024)
    box = ImapMailbox(
        account.settings(**overrides),
        account.password,
        max_message_bytes=int(max_bytes),  # type: ignore[call-overload]
        reconnect_base_seconds=0.1,
        reconnect_max_seconds=0.5,
    )
    return box


def test_pending_fetches_every_mail_oldest_first_with_uid_refs(dovecot: DovecotAccount) -> None:
    for n in range(3):
        dovecot.append(student_mail(message_id=f"<m{n}@example.com>"))
    box = mailbox(dovecot)
    fetched = list(box.pending())
    assert [parse_mail(m.raw).message_id for m in fetched] == [
        "<m0@example.com>",
        "<m1@example.com>",
        "<m2@example.com>",
    ]
    assert [m.ref.uid_key for m in fetched] == ["1", "2", "3"]
    assert all(m.ref.uidvalidity > 0 and m.ref.folder == "INBOX" for m in fetched)
    assert all(not m.truncated and m.size == len(m.raw) for m in fetched)
    box.close()


def test_fetching_does_not_use_or_set_seen(dovecot: DovecotAccount) -> None:
    dovecot.append(student_mail())
    box = mailbox(dovecot)
    list(box.pending())
    box.close()
    assert dovecot.folder_flags("INBOX") == [()]


def test_processed_mail_moves_to_the_processed_folder(dovecot: DovecotAccount) -> None:
    dovecot.append(student_mail(message_id="<a@x>"))
    dovecot.append(student_mail(message_id="<b@x>"))
    box = mailbox(dovecot, processed_folder="afilia/procesados")
    first, second = box.pending()
    box.mark_processed(first.ref)
    assert "afilia.procesados" in dovecot.folders()  # Dovecot's Maildir++ delimiter is "."
    assert [parse_mail(r).message_id for r in dovecot.folder_messages("afilia.procesados")] == [
        "<a@x>"
    ]
    assert [m.ref.uid_key for m in box.pending()] == [second.ref.uid_key]
    box.mark_processed(first.ref)  # again, after a restart: nothing happens
    box.close()


def test_without_move_falls_back_to_copy_delete_expunge(
    dovecot_without_move: DovecotAccount,
) -> None:
    account = dovecot_without_move
    account.append(student_mail(message_id="<a@x>"))
    account.append(student_mail(message_id="<b@x>"))
    box = mailbox(account, processed_folder="procesados")
    first, _second = box.pending()
    with account.client() as client:
        assert b"MOVE" not in client.capabilities()
    box.mark_processed(first.ref)
    box.close()
    assert [parse_mail(r).message_id for r in account.folder_messages("procesados")] == ["<a@x>"]
    assert [parse_mail(r).message_id for r in account.folder_messages("INBOX")] == ["<b@x>"]


def test_oversized_mail_is_fetched_as_headers_only(dovecot: DovecotAccount) -> None:
    big = student_mail(attachments=[("c.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 50_000)])
    dovecot.append(big)
    box = mailbox(dovecot, max_message_bytes=10_000)
    (mail,) = box.pending()
    box.close()
    assert mail.truncated
    assert mail.size == len(big.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert mail.raw.endswith(b"\r\n\r\n")
    assert len(mail.raw) < 2000


def test_uidvalidity_change_makes_old_refs_permanent_errors(
    dovecot: DovecotAccount,
) -> None:
    dovecot.append(student_mail())
    box = mailbox(dovecot)
    (mail,) = box.pending()
    stale = type(mail.ref)(mail.ref.mailbox, mail.ref.folder, mail.ref.uidvalidity + 1, "1")
    with pytest.raises(PermanentError, match="UIDVALIDITY"):
        box.mark_processed(stale)
    box.close()


def test_processed_folder_is_created_and_listed(dovecot: DovecotAccount) -> None:
    box = mailbox(dovecot, processed_folder="revisados")
    box.ensure_folders()
    assert "revisados" in box.folder_names()
    box.close()


def test_wrong_password_is_a_permanent_error(dovecot: DovecotAccount) -> None:
    box = ImapMailbox(dovecot.settings(), "not-the-password")
    with pytest.raises(PermanentError, match="login rejected"):
        list(box.pending())


def test_unreachable_server_is_a_transient_error(dovecot: DovecotAccount) -> None:
    from tests.servers.dovecot import free_port

    box = ImapMailbox(dovecot.settings(port=free_port()), dovecot.password)
    with pytest.raises(TransientError):
        list(box.pending())


def test_idle_wakes_up_when_mail_is_appended(dovecot: DovecotAccount) -> None:
    box = mailbox(dovecot)
    assert list(box.pending()) == []
    threading.Timer(0.3, dovecot.append, (student_mail(),)).start()
    started = time.monotonic()
    assert box.wait_for_new(10, threading.Event()) is True
    assert time.monotonic() - started < 5
    assert len(list(box.pending())) == 1
    box.close()


def test_idle_returns_on_stop_and_restarts_after_its_period(dovecot: DovecotAccount) -> None:
    box = mailbox(dovecot, idle_restart_seconds=0.5)
    list(box.pending())
    stop = threading.Event()
    started = time.monotonic()
    assert box.wait_for_new(10, stop) is False  # IDLE ended after idle_restart_seconds
    assert time.monotonic() - started < 3
    threading.Timer(0.2, stop.set).start()
    assert box.wait_for_new(10, stop) is False
    list(box.pending())  # the session is still usable after IDLE
    box.close()


def test_poll_mode_when_idle_is_disabled(dovecot: DovecotAccount) -> None:
    box = mailbox(dovecot, idle=False, poll_seconds=0.2)
    list(box.pending())
    dovecot.append(student_mail())
    assert box.wait_for_new(5, threading.Event()) is True
    assert len(list(box.pending())) == 1
    box.close()


def test_reconnects_after_the_server_restarts(
    dovecot_server_factory: type[DovecotServer],
) -> None:
    server = dovecot_server_factory()
    account = server.new_account()
    account.append(student_mail(message_id="<before@x>"))
    box = mailbox(account)
    (before,) = box.pending()
    stop = threading.Event()
    waiter: dict[str, bool] = {}

    def wait() -> None:
        waiter["woke"] = box.wait_for_new(20, stop)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.3)
    server.stop(kill=True)  # the IDLE connection dies under the mailbox, no BYE
    time.sleep(0.5)
    server.start()
    thread.join(15)
    assert waiter == {"woke": True}
    account.append(student_mail(message_id="<after@x>"))
    ids = [parse_mail(m.raw).message_id for m in box.pending()]
    assert ids == ["<before@x>", "<after@x>"]
    box.mark_processed(before.ref)
    box.close()


def test_xoauth2_login_refreshes_a_rejected_token_once(
    dovecot_server_factory: Callable[..., DovecotServer],
) -> None:
    # This Dovecot checks an XOAUTH2 bearer token like a password.
    dovecot = dovecot_server_factory(xoauth2=True).new_account()
    dovecot.append(student_mail())
    asked: list[bool] = []

    def tokens(force_refresh: bool) -> str:
        asked.append(force_refresh)
        return dovecot.password if force_refresh else "expired-token"

    box = ImapMailbox(dovecot.settings(), None, tokens)
    assert len(list(box.pending())) == 1
    assert asked == [False, True]
    box.close()


def test_xoauth2_with_a_revoked_token_is_a_permanent_error(
    dovecot_server_factory: Callable[..., DovecotServer],
) -> None:
    dovecot = dovecot_server_factory(xoauth2=True).new_account()
    box = ImapMailbox(dovecot.settings(), None, lambda _force: "revoked-token")
    with pytest.raises(PermanentError, match="login rejected"):
        list(box.pending())


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_connections_verify_the_server_certificate(
    dovecot_server_factory: Callable[..., DovecotServer], security: str
) -> None:
    server = dovecot_server_factory(tls=True)
    account = server.new_account()
    account.append(student_mail())
    port = server.tls_port if security == "tls" else server.port
    settings = account.settings(security=security, port=port)
    box = ImapMailbox(settings, account.password, ssl_context=client_context())
    assert len(list(box.pending())) == 1
    box.close()
    untrusting = ImapMailbox(settings, account.password)  # system CAs only
    with pytest.raises(TransientError):
        list(untrusting.pending())


def test_quarantined_mail_moves_to_a_quarantine_folder_created_when_missing(
    dovecot: DovecotAccount,
) -> None:
    dovecot.append(student_mail(message_id="<poison@x>"))
    dovecot.append(student_mail(message_id="<good@x>"))
    box = mailbox(dovecot, quarantine_folder="afilia/cuarentena")
    poison, good = box.pending()
    box.quarantine(poison.ref)
    assert "afilia.cuarentena" in dovecot.folders()
    assert [parse_mail(r).message_id for r in dovecot.folder_messages("afilia.cuarentena")] == [
        "<poison@x>"
    ]
    assert [m.ref.uid_key for m in box.pending()] == [good.ref.uid_key]
    box.close()


def test_fetched_mail_carries_the_servers_internaldate(dovecot: DovecotAccount) -> None:
    dovecot.append(student_mail(message_id="<dated@x>"))
    box = mailbox(dovecot)
    (fetched,) = box.pending()
    box.close()
    assert fetched.received_at is not None
    assert fetched.received_at.tzinfo is not None
    assert abs(time.time() - fetched.received_at.timestamp()) < 600
