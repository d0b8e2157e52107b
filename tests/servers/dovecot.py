"""A real Dovecot IMAP server on loopback, for integration tests.

One server per test session (it starts in well under a second); each test gets a fresh
account of its own, so mailbox state never leaks between tests and nothing has to be
cleaned up under a running server. Configuration, mail, sockets and the log all live in a
temporary directory. As root, Dovecot's own unprivileged users run the processes; as a
normal user, everything runs as that user.

Fixtures: ``dovecot`` (an account on the shared server), ``dovecot_without_move`` (an account
on a server that does not announce MOVE), ``dovecot_server_factory`` (private servers a
test may stop and restart).
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from daemon.config import ImapSource
from tests.servers.tls import test_ca

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "afilia-test-password"
_accounts = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _users() -> dict[str, str]:
    """Who runs Dovecot's processes and owns the mail."""
    if os.geteuid() != 0:
        me = getpass.getuser()
        return {"internal": me, "login": me, "mail": me}
    try:
        pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:  # pragma: no cover - the Debian package creates both
        return {"internal": "nobody", "login": "nobody", "mail": "nobody"}
    return {"internal": "dovecot", "login": "dovenull", "mail": "dovecot"}


@dataclass
class DovecotServer:
    root: Path
    port: int
    capabilities: str = ""  # imap_capability override ("" = Dovecot's own list)
    tls: bool = False  # STARTTLS on ``port`` and implicit TLS on ``tls_port`` (test CA)
    tls_port: int = 0
    xoauth2: bool = False  # accept XOAUTH2, checking the bearer token like the password
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=_users)

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def write_config(self) -> None:
        mail_root = self.root / "mail"
        mail_root.mkdir(exist_ok=True)
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        mail_user = pwd.getpwnam(self.users["mail"])
        os.chown(mail_root, mail_user.pw_uid, mail_user.pw_gid)
        capability = f"imap_capability = {self.capabilities}\n" if self.capabilities else ""
        ssl_settings = "ssl = no"
        xoauth2 = " xoauth2" if self.xoauth2 else ""
        if self.tls:
            pem = test_ca().issue_cert("127.0.0.1", "localhost")
            (self.root / "cert.pem").write_bytes(b"".join(b.bytes() for b in pem.cert_chain_pems))
            (self.root / "key.pem").write_bytes(pem.private_key_pem.bytes())
            ssl_settings = (
                f"ssl = yes\nssl_cert = <{self.root}/cert.pem\nssl_key = <{self.root}/key.pem"
            )
        chroot = "" if os.geteuid() == 0 else "service imap-login {\n  chroot =\n}\n"
        self.config_path.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_path}
protocols = imap
listen = 127.0.0.1
{ssl_settings}
disable_plaintext_auth = no
# Tests log in wrongly on purpose: no failure delay, no per-IP penalty for loopback.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
auth_mechanisms = plain login{xoauth2}
default_internal_user = {self.users["internal"]}
default_internal_group = {grp.getgrgid(pwd.getpwnam(self.users["internal"]).pw_gid).gr_name}
default_login_user = {self.users["login"]}
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:{mail_root}/%u
mail_fsync = never
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 2 mins
{capability}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{chroot}
""",
            encoding="utf-8",
        )

    def start(self, timeout: float = 15.0) -> None:
        if self.process is not None:
            return
        self.write_config()
        with (self.root / "stderr.txt").open("ab") as stderr:
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.config_path)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group: stop(kill=True) ends all of it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.diagnostics()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe,
            ):
                if probe.recv(64).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start listening:\n{self.diagnostics()}")

    def stop(self, *, kill: bool = False) -> None:
        """Shut down cleanly, or ``kill``: SIGKILL the whole server at once, as a crash or a
        pulled cable would, so clients see their connections die without a goodbye."""
        process, self.process = self.process, None
        if process is None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        else:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def diagnostics(self) -> str:
        parts = []
        for path in (self.root / "stderr.txt", self.log_path):
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def new_account(self) -> DovecotAccount:
        """Any user name logs in with ``PASSWORD`` (static passdb): a new name is a new,
        empty mailbox, with no file for Dovecot to re-read."""
        return DovecotAccount(server=self, user=f"alumno{next(_accounts)}", password=PASSWORD)


@dataclass
class DovecotAccount:
    server: DovecotServer
    user: str
    password: str
    host: str = "127.0.0.1"

    @property
    def port(self) -> int:
        return self.server.port

    def settings(self, **overrides: Any) -> ImapSource:
        """``ImapSource`` settings for this account (plain IMAP on loopback)."""
        values: dict[str, Any] = {
            "kind": "imap",
            "name": "dovecot",
            "host": self.host,
            "port": self.port,
            "security": "none",
            "username": self.user,
            "timeout_seconds": 10.0,
            "poll_seconds": 0.2,
        }
        values.update(overrides)
        return ImapSource.model_validate(values)

    @contextlib.contextmanager
    def client(self) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def folder_messages(self, folder: str = "INBOX") -> list[bytes]:
        """The full bytes of every mail in ``folder`` (deleted ones too), in UID order."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            if not uids:
                return []
            fetched = client.fetch(uids, ["BODY.PEEK[]"])
            return [bytes(fetched[uid][b"BODY[]"]) for uid in uids]

    def folder_flags(self, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
            return [tuple(fetched[uid][b"FLAGS"]) for uid in uids]

    def folders(self) -> list[str]:
        with self.client() as client:
            return [str(name) for _flags, _delim, name in client.list_folders()]


def _start(capabilities: str = "", *, tls: bool = False, xoauth2: bool = False) -> DovecotServer:
    if not Path(DOVECOT).exists():
        pytest.fail("dovecot is not installed (scripts/test installs dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="afilia-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes must reach their files
    server = DovecotServer(
        root=root,
        port=free_port(),
        capabilities=capabilities,
        tls=tls,
        tls_port=free_port() if tls else 0,
        xoauth2=xoauth2,
    )
    server.start()
    return server


def _discard(server: DovecotServer) -> None:
    server.stop(kill=True)
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    server = _start()
    yield server
    _discard(server)


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> DovecotAccount:
    """A fresh account (empty INBOX) on the shared Dovecot."""
    return dovecot_server.new_account()


@pytest.fixture(scope="session")
def dovecot_without_move_server(dovecot_server: DovecotServer) -> Iterator[DovecotServer]:
    probe = dovecot_server.new_account()
    with probe.client() as client:
        capabilities = [c.decode() for c in client.capabilities()]
    reduced = " ".join(c for c in capabilities if c.upper() != "MOVE")
    server = _start(capabilities=reduced)
    yield server
    _discard(server)


@pytest.fixture
def dovecot_without_move(dovecot_without_move_server: DovecotServer) -> DovecotAccount:
    """A fresh account on a Dovecot that does not announce MOVE (COPY/EXPUNGE fallback)."""
    return dovecot_without_move_server.new_account()


@pytest.fixture
def dovecot_server_factory() -> Iterator[Callable[..., DovecotServer]]:
    """Private servers for tests that stop or restart them, or need ``tls=True``
    (STARTTLS/IMAPS with the test CA) or ``xoauth2=True``; all removed afterwards."""
    started: list[DovecotServer] = []

    def make(*, tls: bool = False, xoauth2: bool = False) -> DovecotServer:
        server = _start(tls=tls, xoauth2=xoauth2)
        started.append(server)
        return server

    yield make
    for server in started:
        _discard(server)
