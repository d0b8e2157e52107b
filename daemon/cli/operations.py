"""Commands for the sysadmin: doctor, status, auth login, database backup and restore."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from daemon.bootstrap import App


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

    from daemon.metrics import health_summary, render_summary
    from daemon.store.db import require_current_schema

    settings = app.settings
    require_current_schema(app.engine)
    names = [m.name for m in settings.mailboxes]
    summary = health_summary(app.sessions, datetime.now(UTC), settings.tz, names)
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
@click.option("--authorize-url", help="Authorization endpoint (oauth2_generic only).")
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
    from daemon.mail.oauth_login import interactive_login

    interactive_login(
        app,
        mailbox_name=mailbox_name,
        for_smtp=for_smtp,
        authorize_url=authorize_url,
        redirect_uri=redirect_uri,
        prompt=lambda text: click.prompt(text, err=True),
        say=lambda text: click.echo(text, err=True),
    )


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
