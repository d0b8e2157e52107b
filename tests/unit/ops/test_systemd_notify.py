"""sd_notify messages as systemd receives them, on a real AF_UNIX datagram socket."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon import systemd_notify


def _receive(sock: socket.socket) -> str:
    sock.settimeout(2)
    return sock.recv(4096).decode()


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def test_ready_carries_the_status_line(notify_socket: socket.socket) -> None:
    assert systemd_notify.ready("2 buzones OK, base de datos al día")
    assert _receive(notify_socket) == "READY=1\nSTATUS=2 buzones OK, base de datos al día"


def test_status_watchdog_and_stopping(notify_socket: socket.socket) -> None:
    systemd_notify.status("processing\nmessage 3")
    assert _receive(notify_socket) == "STATUS=processing message 3"
    systemd_notify.watchdog_ping()
    assert _receive(notify_socket) == "WATCHDOG=1"
    systemd_notify.stopping("finishing the message in hand")
    assert _receive(notify_socket) == "STOPPING=1\nSTATUS=finishing the message in hand"


def test_abstract_namespace_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"afilia-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert systemd_notify.notify(READY=1)
        assert _receive(sock) == "READY=1"


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert systemd_notify.ready("x") is False


def test_a_vanished_socket_does_not_stop_the_daemon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert systemd_notify.watchdog_ping() is False


def test_watchdog_interval_is_half_of_watchdogsec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "60000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert systemd_notify.watchdog_interval() == 30.0


def test_no_watchdog_when_unset_or_meant_for_another_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert systemd_notify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_USEC", "60000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert systemd_notify.watchdog_interval() is None
