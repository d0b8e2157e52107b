"""A real afilia set-up on SQLite for the procedure: config file, migrated database, and
stand-in templates that only name themselves and the student, so these tests check which
mails go to whom, not their wording (the templates have their own tests)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from daemon.bootstrap import App
from daemon.cli import main
from daemon.domain.outcomes import Outcome
from daemon.domain.student import RosterStatus
from daemon.store.db import transaction, upgrade
from daemon.store.schema import DecisionRow, DocumentRow, InboundMessageRow, OutboxRow, StudentRow

TEMPLATES = (
    "request_constancia",
    "request_constancia_reminder",
    "alta_done",
    "carnet_reminder",
    "credential_pickup",
    "credential_pickup_reminder",
    "resello",
    "resello_reminder",
    "staff_command_result",
    "digest",
    "review_item",
    "review_quarantined",
    "review_settled",
)
STAFF = "coordinacion@ute.example.edu.mx"
AUTHSERV = "mx.ute.example.edu.mx"


def write_stub_templates(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in TEMPLATES:
        who = "{{ student.matricula if student is defined else '' }}"
        (directory / f"{name}.txt.j2").write_text(
            f"{{% block subject %}}{name} {who}{{% endblock %}}\n{name} {who}\n"
            "{% if deadline is defined and deadline %}plazo {{ deadline }}{% endif %}\n",
            encoding="utf-8",
        )
        (directory / f"{name}.html.j2").write_text(f"<p>{name} {who}</p>\n", encoding="utf-8")
    return directory


def write_config(tmp: Path, profile: str, quiet_hours: str = "") -> Path:
    templates = write_stub_templates(tmp / "templates")
    config = tmp / "config.toml"
    config.write_text(
        f"""
state_dir = "state"
templates_dir = "{templates}"
[school]
name = "Universidad Tecnológica de Ejemplo"
address = "servicios.estudiantiles@ute.example.edu.mx"
registros_patronales = ["Y5410123108"]
profile = "{profile}"
timezone = "America/Mexico_City"
[database]
url = "sqlite:///state/afilia.db"
[[mailboxes]]
kind = "maildir"
name = "local"
path = "mail"
[outgoing]
per_minute = 1000
per_day = 100000
{quiet_hours}
[outgoing.transport]
kind = "maildir"
path = "outbox"
[staff]
addresses = ["{STAFF}"]
authserv_id = "{AUTHSERV}"
""",
        encoding="utf-8",
    )
    return config


@dataclass
class School:
    """A migrated afilia plus helpers to put students and their mails in it."""

    app: App
    config: Path
    runner: CliRunner
    _uid: Iterator[int]

    def cli(self, *args: str) -> str:
        result = self.runner.invoke(main, ["--config", str(self.config), *args])
        assert result.exit_code == 0, result.output + str(result.exception)
        return result.stdout

    def add_student(
        self,
        matricula: str,
        *,
        term_id: int | None,
        seen: datetime,
        new_entry: bool = True,
        term_number: int = 1,
        status: RosterStatus = RosterStatus.ACTIVO,
    ) -> None:
        number = int.from_bytes(matricula.encode(), "big") % 10**14
        with transaction(self.app.sessions) as session:
            session.add(
                StudentRow(
                    matricula=matricula,
                    curp=f"CURP{number:014d}",
                    nombres="ALUMNA",
                    apellido_paterno="PRUEBA",
                    apellido_materno="",
                    email_institucional=f"{matricula.lower()}@alumnos.ute.example.edu.mx",
                    email_personal="",
                    programa="TSU EN TI",
                    term_number=term_number,
                    status=str(status),
                    new_entry=new_entry,
                    term_id=term_id,
                    created_at=seen,
                    updated_at=seen,
                )
            )

    def decide(
        self, matricula: str, outcome: Outcome, at: datetime, reasons: tuple[str, ...] = ()
    ) -> None:
        """What the intake would record for a mail from this student."""
        uid = next(self._uid)
        with transaction(self.app.sessions) as session:
            message = InboundMessageRow(
                mailbox="local",
                folder="INBOX",
                uidvalidity=1,
                uid_key=str(uid),
                message_id=f"<m{uid}@alumnos.example>",
                sender=f"{matricula.lower()}@alumnos.ute.example.edu.mx",
                subject="constancia",
                raw_sha256=f"{uid:064d}",
                size=100,
                received_at=at,
                processed_at=at,
            )
            session.add(message)
            session.flush()
            document = DocumentRow(
                message_pk=message.id,
                filename="constancia.pdf",
                sha256=f"{uid:064x}",
                kind="renuncia" if outcome is Outcome.WAIVER_RECEIVED else "constancia",
                confidence="text",
                problem=None,
                fields={"nss": "12345678903"},
            )
            session.add(document)
            session.flush()
            session.add(
                DecisionRow(
                    message_pk=message.id,
                    document_pk=document.id,
                    matricula=matricula,
                    outcome=str(outcome),
                    reasons=list(reasons),
                    decided_at=at,
                )
            )

    def mails(self) -> list[OutboxRow]:
        with transaction(self.app.sessions) as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def add_term(self, name: str, start: date, end: date) -> int:
        self.cli("term", "add", name, "--start", start.isoformat(), "--end", end.isoformat())
        from daemon.store.schema import TermRow

        with transaction(self.app.sessions) as session:
            return session.scalar(select(TermRow.id).where(TermRow.name == name))


@pytest.fixture
def make_school(tmp_path: Path) -> Callable[..., School]:
    def build(profile: str = "ut-cuatrimestral", quiet_hours: str = "") -> School:
        config = write_config(tmp_path, profile, quiet_hours)
        app = App(config)
        upgrade(app.engine)
        return School(app, config, CliRunner(), itertools.count(1))

    return build


def local(day: date, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("America/Mexico_City")
    )


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
