"""``afilia doctor``: everything that must hold before go-live, checked one by one.

Each check is a small function returning ``Check`` lines; a failure says what is wrong and
the one thing to do about it. A check that cannot run because an earlier one failed (no
database checks without a config) is not shown as a failure of its own: the first cause is
the one to fix. ``--fix`` repairs only what is safe to repair unattended: missing IMAP
folders, a missing state directory, loose state-directory permissions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import ssl
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from enum import StrEnum
from pathlib import Path

from daemon.bootstrap import App
from daemon.config import (
    AuthMethod,
    ImapSource,
    MaildirOutgoing,
    MaildirSource,
    Security,
    SmtpOutgoing,
    _ServerLogin,
)
from daemon.errors import AfiliaError, ConfigError, SchemaOutOfDateError
from daemon.mail.oauth import TokenProvider, build_token_provider

MIN_FREE_BYTES = 200 * 1024 * 1024  # below this, stop: blobs and the SQLite file need room
WARN_FREE_BYTES = 1024 * 1024 * 1024


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"  # worth a look, does not block go-live
    FAIL = "fail"  # blocks go-live


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str
    fix: str = ""

    @property
    def blocks(self) -> bool:
        return self.verdict is Verdict.FAIL


def ok(name: str, detail: str) -> Check:
    return Check(name, Verdict.OK, detail)


def warn(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, Verdict.WARN, detail, fix)


def fail(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, Verdict.FAIL, detail, fix)


@dataclass(frozen=True)
class DoctorOptions:
    fix: bool = False
    send_test_to: str | None = None
    ssl_context: ssl.SSLContext | None = None  # tests: trust a local server's certificate


def run_checks(app: App, now: datetime, options: DoctorOptions = DoctorOptions()) -> list[Check]:
    """Every check in go-live order; stops early only when there is no usable config."""
    try:
        settings = app.settings
    except ConfigError as err:
        return [fail("config", str(err), f"edit {app.config_path} and run 'afilia doctor' again")]
    results = [ok("config", f"{settings.config_path} (school: {settings.school.name})")]
    results.extend(check_rules_and_templates(app, now))
    results.extend(check_database(app))
    if all(c.verdict is Verdict.OK for c in results if c.name in ("database", "schema")):
        results.extend(check_roster_and_term(app, now))
    results.extend(check_state_dir(settings.state_dir, fix=options.fix))
    results.extend(check_clock(settings.school.timezone, now))
    providers = {}
    for login_name, login in _logins(app):
        if login.auth is AuthMethod.PASSWORD:
            continue
        checked, providers[login_name] = check_oauth(login_name, login, settings.state_dir)
        results.append(checked)
    for source in settings.mailboxes:
        if isinstance(source, ImapSource):
            provider = providers.get(f"mailbox {source.name}")
            results.extend(check_imap(source, provider, options))
        else:
            results.extend(check_maildir(source, fix=options.fix))
    transport = settings.outgoing.transport
    if isinstance(transport, SmtpOutgoing):
        results.extend(
            check_smtp(transport, providers.get("smtp"), settings.school.address, options)
        )
    else:
        results.extend(check_maildir_outbox(transport))
    return results


def _logins(app: App) -> Iterator[tuple[str, _ServerLogin]]:
    for source in app.settings.mailboxes:
        if isinstance(source, ImapSource):
            yield f"mailbox {source.name}", source
    transport = app.settings.outgoing.transport
    if isinstance(transport, SmtpOutgoing):
        yield "smtp", transport


# -- rules, templates, database ---------------------------------------------------------------


def check_rules_and_templates(app: App, now: datetime) -> list[Check]:
    try:
        policy = app.policy
    except ConfigError as err:
        fix = "set [school] profile to one of the available ones, or fix that file"
        return [fail("rules profile", str(err), fix)]
    results = [ok("rules profile", f"'{app.settings.school.profile}' is valid")]
    try:
        renderer = app.renderer
        problems = renderer.check_all(policy, now.astimezone(app.settings.tz).date())
        if not renderer.names():
            problems.append(f"no templates (*.txt.j2) in {renderer.templates_dir}")
    except (AfiliaError, OSError) as err:
        problems = [str(err)]
    if problems:
        shown = "; ".join(problems[:5]) + (
            f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        )
        results.append(fail("templates", shown, "fix these templates (templates_dir)"))
    else:
        results.append(ok("templates", "every template renders with sample data"))
    return results


def check_database(app: App) -> list[Check]:
    from daemon.store.db import current_revision, head_revision, require_current_schema

    try:
        engine = app.engine
        require_current_schema(engine)
    except SchemaOutOfDateError as err:
        return [ok("database", "reachable"), fail("schema", str(err), "run 'afilia db upgrade'")]
    except AfiliaError as err:
        return [
            fail(
                "database",
                str(err).splitlines()[0],
                "check [database] url and the password secret; is the server running?",
            )
        ]
    backend = engine.url.get_backend_name()
    revision = current_revision(engine)
    assert revision == head_revision()
    return [ok("database", f"{backend} reachable"), ok("schema", f"at {revision} (current)")]


def check_roster_and_term(app: App, now: datetime) -> list[Check]:
    """Go-live needs this term and its roster: without them afilia would answer every
    student "no te encontramos en la lista de alumnos inscritos"."""
    from sqlalchemy import func, select

    from daemon.store.db import transaction
    from daemon.store.schema import StudentRow, TermRow

    today = now.astimezone(app.settings.tz).date()
    with transaction(app.sessions) as session:
        students = session.scalar(select(func.count()).select_from(StudentRow)) or 0
        current = session.scalars(
            select(TermRow.name).where(TermRow.starts_on <= today, TermRow.ends_on >= today)
        ).first()
        upcoming = session.scalars(
            select(TermRow.name).where(TermRow.starts_on > today).order_by(TermRow.starts_on)
        ).first()
    results = []
    if current is not None:
        results.append(ok("term", f"'{current}' covers today ({today:%d/%m/%Y})"))
    elif upcoming is not None:
        results.append(
            warn("term", f"no term covers today; next: '{upcoming}'", "nothing to do before it")
        )
    else:
        results.append(
            fail(
                "term",
                f"no term covers today ({today:%d/%m/%Y})",
                "afilia term add NAME --start YYYY-MM-DD --end YYYY-MM-DD",
            )
        )
    if students:
        results.append(ok("roster", f"{students} students"))
    else:
        results.append(
            fail(
                "roster",
                "no student imported: every student would be told they are not enrolled",
                "afilia roster import FILE --term NAME (the registrar's export)",
            )
        )
    return results


# -- local files, clock -----------------------------------------------------------------------


def check_state_dir(state_dir: Path, *, fix: bool) -> list[Check]:
    name = "state directory"
    if not state_dir.exists():
        if not fix:
            return [fail(name, f"{state_dir} does not exist", "run 'afilia doctor --fix'")]
        state_dir.mkdir(mode=0o700, parents=True)
    info = state_dir.stat()
    results: list[Check] = []
    if info.st_uid != os.geteuid():
        results.append(
            fail(
                name,
                f"{state_dir} belongs to uid {info.st_uid}, afilia runs as uid {os.geteuid()}",
                f"chown -R {os.geteuid()} {state_dir} (systemd's StateDirectory= does it)",
            )
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        if fix and info.st_uid == os.geteuid():
            state_dir.chmod(0o700)
            results.append(ok(name, f"{state_dir} was {mode:04o}, now 0700"))
        else:
            results.append(
                fail(
                    name,
                    f"{state_dir} is {mode:04o}: others can read students' documents",
                    f"chmod 0700 {state_dir} (or 'afilia doctor --fix')",
                )
            )
    elif not results:
        results.append(ok(name, f"{state_dir} is 0700 and ours"))
    if not os.access(state_dir, os.W_OK):
        results.append(fail(name, f"{state_dir} is not writable", f"chown/chmod {state_dir}"))
    free = shutil.disk_usage(state_dir).free
    shown = f"{free / 1024**3:.1f} GiB free on the state directory's disk"
    if free < MIN_FREE_BYTES:
        results.append(fail("disk space", shown, "free disk space or move state_dir"))
    elif free < WARN_FREE_BYTES:
        results.append(warn("disk space", shown, "plan for more space (blobs grow every term)"))
    else:
        results.append(ok("disk space", shown))
    return results


def check_clock(timezone: str, now: datetime) -> list[Check]:
    """The school's zone is known, the clock is plausible and, where visible, synchronised."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(timezone))
    results: list[Check] = []
    if now.year < 2025:
        results.append(fail("clock", f"system time is {now:%Y-%m-%d}", "set the clock (NTP)"))
        return results
    synced = _ntp_synchronized()
    detail = f"{local:%Y-%m-%d %H:%M} {timezone} (UTC{local:%z})"
    if synced is False:
        results.append(warn("clock", detail + "; NTP not synchronised", "timedatectl set-ntp true"))
    else:
        results.append(ok("clock", detail + ("; NTP synchronised" if synced else "")))
    return results


def _ntp_synchronized() -> bool | None:
    timedatectl = shutil.which("timedatectl")
    if timedatectl is None:
        return None
    try:
        found = subprocess.run(
            [timedatectl, "show", "--property=NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = found.stdout.strip()
    return {"yes": True, "no": False}.get(value) if found.returncode == 0 else None


# -- OAuth, mailboxes, SMTP ---------------------------------------------------------------------


def check_oauth(
    name: str, login: _ServerLogin, state_dir: Path
) -> tuple[Check, TokenProvider | None]:
    """A forced token refresh now, so an expired secret shows before go-live, not at 3 a.m."""
    label = f"oauth2 {name}"
    if login.auth is AuthMethod.PASSWORD:
        return ok(label, "password login (no OAuth2)"), None
    try:
        provider = build_token_provider(login, state_dir=state_dir)
        assert provider is not None
        provider(force_refresh=True)
    except AfiliaError as err:
        return fail(label, str(err), _oauth_fix(login)), None
    note = f"{login.auth}: token obtained for {login.username}"
    token_file = login.oauth2.refresh_token_file if login.oauth2 else None
    if token_file is not None:
        path = token_file if token_file.is_absolute() else state_dir / token_file
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            return (
                fail(label, f"{path} is {mode:04o}", f"chmod 0600 {path}"),
                provider,
            )
        note += f"; refresh token in {path} (0600)"
    return ok(label, note), provider


def _oauth_fix(login: _ServerLogin) -> str:
    if login.oauth2 and login.oauth2.refresh_token_file:
        return "run 'afilia auth login' to get a new refresh token"
    if login.auth is AuthMethod.OAUTH2_GOOGLE:
        return "check the service account key and its domain-wide delegation (docs/operations.md)"
    if login.auth is AuthMethod.OAUTH2_MICROSOFT:
        return "check tenant_id, client_id and the client secret (not expired?) in Entra"
    return "use auth = 'oauth2_microsoft' or 'oauth2_google' (docs/operations.md)"


def check_imap(
    source: ImapSource, provider: TokenProvider | None, options: DoctorOptions
) -> list[Check]:
    from imapclient import IMAPClient, SocketTimeout
    from imapclient.exceptions import IMAPClientError, LoginError

    label = f"mailbox {source.name}"
    if source.auth is not AuthMethod.PASSWORD and provider is None:
        return [fail(label, "no OAuth2 token (see above)", "fix the oauth2 check first")]
    implicit_tls = source.security is Security.TLS
    port = source.port or (993 if implicit_tls else 143)
    where = f"{source.username}@{source.host}:{port}"
    timeout = min(source.timeout_seconds, 20.0)
    try:
        client = IMAPClient(
            source.host,
            port=port,
            ssl=implicit_tls,
            ssl_context=options.ssl_context,
            timeout=SocketTimeout(connect=timeout, read=timeout),
        )
    except (IMAPClientError, OSError) as err:
        return [fail(label, f"cannot connect to {where}: {err}", "check host, port and security")]
    try:
        if source.security is Security.STARTTLS:
            client.starttls(options.ssl_context)
        if provider is None:
            client.login(source.username, source.password() or "")
        else:
            client.oauth2_login(source.username, provider())
        folders = _folder_names(client)
    except LoginError as err:
        fix = (
            "check username and the password secret"
            if provider is None
            else "check that the app may use IMAP for this mailbox (Entra: IMAP.AccessAsApp "
            "and Exchange service principal; Google: delegation scopes)"
        )
        return [fail(label, f"login rejected for {where}: {_text(err)}", fix)]
    except (IMAPClientError, OSError, AfiliaError) as err:
        return [fail(label, f"{where}: {_text(err)}", "check the server and the network")]
    finally:
        _logout(client)
    results = [ok(label, f"logged in as {where}")]
    missing = [f for f in (source.folder, source.processed_folder) if f.lower() not in folders]
    if missing and options.fix:
        results.append(_create_folders(source, provider, options, missing))
    elif missing:
        results.append(
            fail(
                f"{label} folders",
                f"missing: {', '.join(missing)}",
                "run 'afilia doctor --fix' to create them",
            )
        )
    else:
        results.append(ok(f"{label} folders", f"{source.folder} and {source.processed_folder}"))
    return results


def _folder_names(client: object) -> set[str]:
    names: set[str] = set()
    for _flags, delimiter, name in client.list_folders():  # type: ignore[attr-defined]
        sep = delimiter.decode() if isinstance(delimiter, bytes) else (delimiter or "/")
        text = name.decode() if isinstance(name, bytes) else str(name)
        names.add(text.replace(sep, "/").lower())
        for prefix in ("inbox/",):  # servers that keep folders under INBOX
            if text.replace(sep, "/").lower().startswith(prefix):
                names.add(text.replace(sep, "/").lower().removeprefix(prefix))
    return names


def _create_folders(
    source: ImapSource, provider: TokenProvider | None, options: DoctorOptions, missing: list[str]
) -> Check:
    from daemon.mail.imap_mailbox import ImapMailbox

    label = f"mailbox {source.name} folders"
    if source.folder in missing:
        return fail(
            label, f"the watched folder {source.folder} does not exist", "fix [mailbox] folder"
        )
    mailbox = ImapMailbox(
        source, source.password(), token_provider=provider, ssl_context=options.ssl_context
    )
    try:
        mailbox.ensure_folders()
    except AfiliaError as err:
        return fail(label, f"cannot create {', '.join(missing)}: {err}", "create it by hand")
    finally:
        mailbox.close()
    return ok(label, f"created {', '.join(missing)}")


def _logout(client: object) -> None:
    from imapclient.exceptions import IMAPClientError

    with contextlib.suppress(IMAPClientError, OSError):  # the check is over either way
        client.logout()  # type: ignore[attr-defined]


def _text(err: BaseException) -> str:
    """The server's words, without Python's b'...' wrapping."""
    text = str(err)
    found = re.fullmatch(r"b(['\"])(.*)\1", text, re.DOTALL)
    if found:
        text = found.group(2)
    return text.splitlines()[0][:300] if text else type(err).__name__


def check_maildir(source: MaildirSource, *, fix: bool) -> list[Check]:
    label = f"mailbox {source.name}"
    missing = [d for d in ("new", "cur", "tmp") if not (source.path / d).is_dir()]
    if missing and fix:
        for part in missing:
            (source.path / part).mkdir(mode=0o700, parents=True, exist_ok=True)
        return [ok(label, f"local Maildir {source.path} created")]
    if missing:
        return [fail(label, f"{source.path} is not a Maildir", "run 'afilia doctor --fix'")]
    return [ok(label, f"local Maildir {source.path}")]


def check_maildir_outbox(transport: MaildirOutgoing) -> list[Check]:
    return [
        warn(
            "outgoing mail",
            f"replies go to the local Maildir {transport.path}, not to students",
            'configure [outgoing.transport] kind = "smtp" for go-live',
        )
    ]


def check_smtp(
    transport: SmtpOutgoing,
    provider: TokenProvider | None,
    our_address: str,
    options: DoctorOptions,
) -> list[Check]:
    import aiosmtplib

    label = "smtp"
    if transport.auth is not AuthMethod.PASSWORD and provider is None:
        return [fail(label, "no OAuth2 token (see above)", "fix the oauth2 check first")]
    implicit_tls = transport.security is Security.TLS
    port = transport.port or (465 if implicit_tls else 587)
    where = f"{transport.username or '(no login)'}@{transport.host}:{port}"

    async def probe() -> None:
        smtp = aiosmtplib.SMTP(
            hostname=transport.host,
            port=port,
            use_tls=implicit_tls,
            start_tls=transport.security is Security.STARTTLS,
            username=(transport.username or None) if provider is None else transport.username,
            password=transport.password() if provider is None and transport.username else None,
            oauth_token_generator=provider.async_token if provider is not None else None,
            tls_context=options.ssl_context,
            timeout=min(transport.timeout_seconds, 20.0),
        )
        await smtp.connect()
        try:
            if options.send_test_to:
                await smtp.send_message(_test_message(our_address, options.send_test_to))
        finally:
            await smtp.quit()

    try:
        asyncio.run(probe())
    except aiosmtplib.SMTPAuthenticationError as err:
        return [fail(label, f"login rejected for {where}: {err.message}", _smtp_fix(transport))]
    except (aiosmtplib.SMTPException, OSError, AfiliaError) as err:
        return [fail(label, f"{where}: {err}", "check host, port, security and the network")]
    if options.send_test_to:
        return [ok(label, f"logged in as {where}; test mail sent to {options.send_test_to}")]
    return [ok(label, f"logged in as {where} (nothing sent)")]


def _smtp_fix(transport: SmtpOutgoing) -> str:
    if transport.auth is AuthMethod.OAUTH2_MICROSOFT:
        return "enable SMTP AUTH for the mailbox and grant SMTP.SendAsApp (docs/operations.md)"
    if transport.auth is AuthMethod.PASSWORD:
        return "check username and the password secret"
    return "check the OAuth2 grant for SMTP"


def _test_message(sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "afilia: correo de prueba"
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "Este es un correo de prueba de afilia (afilia doctor --send-test).\n"
        "Si lo recibió, el envío de respuestas funciona.\n"
    )
    return message


# -- the checklist ----------------------------------------------------------------------------

_MARKS = {Verdict.OK: "✓", Verdict.WARN: "!", Verdict.FAIL: "✗"}


def render_checklist(results: Iterable[Check], config_path: Path) -> str:
    results = list(results)
    lines = [f"afilia doctor: {config_path}"]
    for check in results:
        first, *rest = check.detail.splitlines() or [""]
        lines.append(f"{_MARKS[check.verdict]} {check.name}: {first}")
        for extra in rest:
            lines.append(f"    {extra}")
        if check.fix and check.verdict is not Verdict.OK:
            lines.append(f"    fix: {check.fix}")
    blocking = sum(1 for c in results if c.blocks)
    warnings = sum(1 for c in results if c.verdict is Verdict.WARN)
    if blocking:
        lines.append(f"{blocking} problem(s) block go-live; {warnings} warning(s).")
    else:
        lines.append(f"Ready for go-live; {warnings} warning(s).")
    return "\n".join(lines)


def exit_status(results: Iterable[Check]) -> int:
    return 1 if any(c.blocks for c in results) else 0
