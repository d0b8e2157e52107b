"""Commands for the sysadmin: doctor, status, auth login, database backup and restore."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from daemon.errors import ConfigError

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.config import _ServerLogin


def register(main: click.Group) -> None:
    """Add this module's commands to the ``afilia`` group (``db`` comes from intake)."""
    main.add_command(doctor)
    main.add_command(status)
    main.add_command(auth)
    db = main.commands.get("db")
    if isinstance(db, click.Group):
        db.add_command(db_backup)
        db.add_command(db_restore)


@click.command()
@click.option("--fix", is_flag=True, help="Create missing folders and directories, fix modes.")
@click.option(
    "--send-test",
    "send_test",
    metavar="ADDRESS",
    help="Also send one test mail to ADDRESS through the configured SMTP server.",
)
@click.pass_obj
def doctor(app: App, fix: bool, send_test: str | None) -> None:
    """Check the whole set-up before go-live; exit status 1 when something blocks it.

    Config, rules profile, templates, database and schema, state directory, clock, OAuth2
    tokens, each mailbox login and its folders, SMTP login (nothing is sent unless
    --send-test).
    """
    from daemon.doctor import DoctorOptions, exit_status, render_checklist, run_checks

    results = run_checks(app, datetime.now(UTC), DoctorOptions(fix=fix, send_test_to=send_test))
    click.echo(render_checklist(results, app.config_path))
    sys.exit(exit_status(results))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Health from the database: mailboxes last read, outbox queue, today's decisions."""
    import json

    from daemon.health_summary import render_summary, status_summary

    settings = app.settings
    summary = status_summary(settings, datetime.now(UTC), lambda: app.engine)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        click.echo(render_summary(summary, settings.tz))


@click.group()
def auth() -> None:
    """OAuth2 set-up for IMAP/SMTP (Google Workspace, Microsoft 365)."""


@auth.command("login")
@click.option("--mailbox", "mailbox_name", metavar="NAME", help="The [[mailboxes]] entry.")
@click.option("--smtp", "for_smtp", is_flag=True, help="The [outgoing.transport] SMTP login.")
@click.option(
    "--authorize-url", help="Google's authorization endpoint, if not the usual (oauth2_google)."
)
@click.option(
    "--redirect-uri",
    default="http://localhost",
    show_default=True,
    help="Must be registered with the app; the browser lands there with ?code=...",
)
@click.pass_obj
def auth_login(
    app: App,
    mailbox_name: str | None,
    for_smtp: bool,
    authorize_url: str | None,
    redirect_uri: str,
) -> None:
    """Sign in once in a browser and store the refresh token (refresh_token_file, 0600).

    Prints a URL; open it, sign in as the mailbox, and paste back the address the browser
    ends on (it fails to load: that is expected) or just its code= value.
    """
    from daemon.mail import oauth
    from daemon.mail.refresh_token_file import store_refresh_token

    name, login = _oauth_login(app, mailbox_name, for_smtp)
    settings = login.oauth2
    assert settings is not None
    if settings.refresh_token_file is None:
        raise ConfigError(
            f"{name}: 'afilia auth login' is for refresh tokens; set oauth2.refresh_token_file "
            "(client-credentials and service-account set-ups need no sign-in)"
        )
    token_file = settings.refresh_token_file
    if not token_file.is_absolute():
        token_file = app.settings.state_dir / token_file
    if not settings.client_id:
        raise ConfigError(f"{name}: oauth2.client_id is missing")
    sign_in = oauth.start_sign_in(login, redirect_uri, authorize_url)
    click.echo(f"Sign in as {login.username} ({name}) here:\n\n  {sign_in.url}\n", err=True)
    pasted = click.prompt("Paste the address the browser ended on (or its code)", err=True)
    refresh_token = sign_in.finish(oauth.code_from_pasted(pasted, sign_in.state))
    store_refresh_token(token_file, refresh_token)
    provider = oauth.build_token_provider(login, state_dir=app.settings.state_dir)
    assert provider is not None
    provider(force_refresh=True)  # proves the stored token works before we say so
    click.echo(f"refresh token stored in {token_file} (0600); {name} is ready", err=True)


def _oauth_login(app: App, mailbox_name: str | None, for_smtp: bool) -> tuple[str, _ServerLogin]:
    """The login section to sign in for; the only OAuth2 one when none is named."""
    from daemon.config import AuthMethod, ImapSource, SmtpOutgoing

    candidates: list[tuple[str, _ServerLogin]] = []
    for source in app.settings.mailboxes:
        if isinstance(source, ImapSource) and source.auth is not AuthMethod.PASSWORD:
            candidates.append((f"mailbox {source.name}", source))
    transport = app.settings.outgoing.transport
    if isinstance(transport, SmtpOutgoing) and transport.auth is not AuthMethod.PASSWORD:
        candidates.append(("smtp", transport))
    if mailbox_name:
        wanted = f"mailbox {mailbox_name}"
        candidates = [c for c in candidates if c[0] == wanted]
    elif for_smtp:
        candidates = [c for c in candidates if c[0] == "smtp"]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ConfigError('no matching IMAP/SMTP login uses OAuth2 (auth = "oauth2_...")')
    names = ", ".join(c[0] for c in candidates)
    raise ConfigError(f"several OAuth2 logins ({names}): choose one with --mailbox or --smtp")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def db_backup(app: App, file: Path) -> None:
    """Consistent copy of the live database into FILE (SQLite online backup or pg_dump)."""
    from daemon.backup import backup_database

    done = backup_database(app.settings.database_url(), file)
    click.echo(f"backup written to {done.path} ({done.size} bytes, {done.kind})")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask; the current data is replaced.")
@click.pass_obj
def db_restore(app: App, file: Path, yes: bool) -> None:
    """Replace the database's contents with a backup made by 'afilia db backup'.

    Stop the service first (systemctl stop afilia).
    """
    from daemon.backup import restore_database

    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True, err=True)
    restore_database(app.settings.database_url(), file)
    click.echo(f"restored from {file}; run 'afilia db upgrade' if it came from an older afilia")
