"""sd_notify(3) without libsystemd: tell systemd we are ready, alive, or stopping.

Under ``Type=notify`` systemd waits for READY=1 before it calls the unit started, shows
STATUS= in ``systemctl status``, and with ``WatchdogSec=`` restarts the service if
WATCHDOG=1 pings stop. Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op, so
the daemon runs the same from a terminal.
"""

from __future__ import annotations

import os
import socket

import structlog

log = structlog.get_logger(__name__)


def _address() -> str | None:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return None
    if address.startswith("@"):  # abstract namespace socket
        return "\0" + address[1:]
    return address


def notify(**fields: str | int) -> bool:
    """Send ``KEY=value`` lines (e.g. ``notify(READY=1, STATUS="...")``).

    Returns True when a message was sent; False outside systemd. A failing socket is logged
    and ignored: systemd's bookkeeping must never stop the daemon.
    """
    address = _address()
    if address is None or not fields:
        return False
    message = "\n".join(f"{key}={_one_line(value)}" for key, value in fields.items())
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as err:
        log.warning("systemd.notify_failed", error=str(err))
        return False
    return True


def _one_line(value: str | int) -> str:
    return str(value).replace("\n", " ")


def ready(status: str = "") -> bool:
    """The database and mailbox checks passed: systemd may call the unit started."""
    return notify(READY=1, STATUS=status) if status else notify(READY=1)


def status(text: str) -> bool:
    return notify(STATUS=text)


def watchdog_ping() -> bool:
    """From the main loop, more often than ``watchdog_interval()``."""
    return notify(WATCHDOG=1)


def stopping(status: str = "") -> bool:
    return notify(STOPPING=1, STATUS=status) if status else notify(STOPPING=1)


def watchdog_interval() -> float | None:
    """Seconds between pings (half of WatchdogSec=), or None when no watchdog is set.

    $WATCHDOG_PID, when set, names the process the watchdog is meant for; a child process
    that inherited the environment must not ping on the daemon's behalf.
    """
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    try:
        microseconds = int(usec)
    except ValueError:
        return None
    if microseconds <= 0:
        return None
    return microseconds / 1_000_000 / 2
