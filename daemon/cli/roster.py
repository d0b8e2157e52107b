"""Roster commands: import the registrar's export, look a student up."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from daemon.cli.moment import acting_moment

if TYPE_CHECKING:
    from daemon.bootstrap import App
    from daemon.services.roster_import import RosterImportReport

_PROGRESS_FROM_ROWS = 5000  # smaller files finish before anyone wonders
_LISTED_STATUS_CHANGES = 50
_ANNOUNCE_FROM_BYTES = 512 * 1024  # an XLSX this size takes seconds to read


def register(main: click.Group) -> None:
    """Add this module's commands to the ``afilia`` group."""
    main.add_command(roster)


@click.group()
def roster() -> None:
    """The registrar's roster (Control Escolar export)."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--term", "term_name", metavar="NAME", help="Link students to this term.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--now", metavar="DATETIME", help="Import as of this moment (simulations, tests).")
@click.pass_obj
def import_command(
    app: App, file: Path, term_name: str | None, dry_run: bool, as_json: bool, now: str | None
) -> None:
    """Load the registrar's roster (CSV or XLSX) or leave/withdrawal list into afilia.

    Adds new students and updates changed ones (idempotent: importing the same file
    twice changes nothing). Rows with an invalid CURP, a repeated matrícula or CURP, an
    unknown status or a missing value are listed and skipped; the rest is imported.
    Students missing from the file are kept. Columns the file lacks keep their stored
    values, so a baja list with only matrícula, CURP, name and status updates statuses.

    Without --term, students are linked to the term whose dates contain today.
    Exit status 0 even when rows were rejected; 2 when the file cannot be read.
    """
    from daemon.roster_file import read_roster
    from daemon.services.roster_import import import_roster
    from daemon.store.db import require_current_schema, transaction

    moment = acting_moment(app, now)
    require_current_schema(app.engine)
    started = time.monotonic()
    if _size(file) >= _ANNOUNCE_FROM_BYTES:
        click.echo(f"roster: reading {file}", err=True)
    sheet = read_roster(file)
    large = len(sheet.lines) >= _PROGRESS_FROM_ROWS
    if large:
        click.echo(f"roster: read {len(sheet.lines)} rows from {file}", err=True)

    def progress(stage: str, done: int, total: int) -> None:
        if large:
            click.echo(f"roster: {stage} {done}/{total}", err=True)

    today = moment.astimezone(app.settings.tz).date()
    with transaction(app.sessions) as session:
        report = import_roster(
            session,
            sheet,
            source=str(file),
            today=today,
            now=moment,
            actor=_actor(),
            term_name=term_name,
            dry_run=dry_run,
            progress=progress,
        )
    if large:
        click.echo(f"roster: done in {time.monotonic() - started:.1f}s", err=True)
    if not dry_run and (report.added or report.changed):
        _redecide_held(app, moment)
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
    else:
        click.echo(describe(report, today))


def _redecide_held(app: App, moment: datetime) -> None:
    """Documents held as not_enrolled / identity_mismatch get a real decision now."""
    from daemon.services.held_documents import redecide_held

    intake = app.intake(lambda: moment)
    try:
        held = redecide_held(intake, moment)
    finally:
        intake.reader.close()
    if held.decided_again:
        click.echo(f"roster: {held.decided_again} held documents decided again", err=True)


def describe(report: RosterImportReport, today: date) -> str:
    """The summary staff read after an import: counts first, then each refused row."""
    lines = [
        f"roster import of {report.source} ({report.file_format})"
        + (": DRY RUN, nothing written" if report.dry_run else ""),
        f"term: {report.term}"
        if report.term
        else f"term: none contains {today.isoformat()}; students not linked to a term",
        f"rows read:        {report.rows}",
        f"added:            {len(report.added)}",
        f"changed:          {len(report.changed)}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in report.changed_fields().items()) + ")"
            if report.changed
            else ""
        ),
        f"unchanged:        {report.unchanged}",
        f"rejected:         {len(report.rejected)}",
        f"not in this file: {report.not_in_file} (kept as they are)",
    ]
    if report.columns_absent:
        lines.append(
            "columns not in the file (stored values kept): " + ", ".join(report.columns_absent)
        )
    status_changes = [c for c in report.changed if "status" in c.fields]
    if status_changes:
        lines.append("status changes:")
        for change in status_changes[:_LISTED_STATUS_CHANGES]:
            before, after = change.fields["status"]
            lines.append(f"  {change.matricula}: {before} -> {after}")
        if len(status_changes) > _LISTED_STATUS_CHANGES:
            more = len(status_changes) - _LISTED_STATUS_CHANGES
            lines.append(f"  ... and {more} more (see --json)")
    if report.rejected:
        lines.append("rejected rows:")
        lines.extend(f"  {rejection.describe()}" for rejection in report.rejected)
    return "\n".join(lines)


@roster.command("show")
@click.argument("matricula")
@click.option("--json", "as_json", is_flag=True, help="Print the student as one JSON object.")
@click.pass_obj
def show(app: App, matricula: str, as_json: bool) -> None:
    """Print what the roster says about one student."""
    from sqlalchemy import select

    from daemon.store.db import require_current_schema, transaction
    from daemon.store.schema import StudentRow, TermRow

    require_current_schema(app.engine)
    with transaction(app.sessions) as session:
        row = session.get(StudentRow, matricula.strip().upper())
        if row is None:
            raise click.ClickException(f"no student with matrícula {matricula}")
        term = session.scalar(select(TermRow.name).where(TermRow.id == row.term_id))
        record = {
            "matricula": row.matricula,
            "curp": row.curp,
            "nombres": row.nombres,
            "apellido_paterno": row.apellido_paterno,
            "apellido_materno": row.apellido_materno,
            "email_institucional": row.email_institucional,
            "email_personal": row.email_personal,
            "programa": row.programa,
            "term_number": row.term_number,
            "status": row.status,
            "new_entry": row.new_entry,
            "term": term,
            "updated_at": row.updated_at.isoformat(),
        }
    if as_json:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        width = max(len(k) for k in record)
        click.echo("\n".join(f"{k.ljust(width)}  {v}" for k, v in record.items()))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_roster reports the problem


def _actor() -> str:
    """Who ran the import, for the audit log: the login behind sudo if there is one."""
    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"
