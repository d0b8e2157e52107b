"""A deployed afilia for one rules profile, driven day by day as a school would drive it.

Unlike ``conftest.School`` (stand-in templates, decisions written straight to the table),
everything here goes through the real doors: the roster is imported with ``afilia roster
import``, students' mails land in the Maildir inbox and are read, classified and answered
by ``run_once`` (real PDFs, real parsing), staff act with the CLI or by mail, and the
reminder sweep and the digest run with ``--now``. Every mail is rendered from the real
templates in ``templates/email`` with the contexts the services build, so a variable a
template needs and a service does not pass fails the run.
"""

from __future__ import annotations

import email
import email.utils
import io
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from click.testing import CliRunner
from sqlalchemy import select
from stdnum import luhn

from daemon.app import run_once
from daemon.bootstrap import App
from daemon.cli import main
from daemon.domain.identifiers import curp_birth_date
from daemon.domain.student import RosterStatus, Student
from daemon.store.db import transaction
from daemon.store.schema import OutboxRow
from tests.fixtures import roster as r
from tests.fixtures.deployment import STAFF_ADDRESS, Deployment, make_deployment
from tests.fixtures.documents import (
    ConstanciaTruth,
    NssAcuseTruth,
    RenunciaTruth,
    constancia_pdf,
    nss_acuse_pdf,
    renuncia_pdf,
)
from tests.fixtures.emails import student_mail

TZ = ZoneInfo("America/Mexico_City")
AUTHSERV = "mx.ute.example.edu.mx"  # as make_deployment configures it
STUDENT_PURPOSES = ("reply", "reminder", "notice")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on the school's wall clock."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def nss_for(student: Student) -> str:
    """A valid NSS (Luhn check digit) of the student's own."""
    base = f"{int(student.matricula[-5:]) + 1000:010d}"
    return base + luhn.calc_check_digit(base)


# --- the roster -------------------------------------------------------------------------


def roster_rows(
    count: int,
    *,
    seed: int,
    new_entry: bool = True,
    term_number: int | None = None,
    status: RosterStatus = RosterStatus.ACTIVO,
    first: int = 0,
) -> list[dict[str, str]]:
    """Registrar rows for ``count`` students, all in the same situation.

    ``first`` skips that many generated students, so groups drawn with the same seed never
    share a matrícula or a CURP.
    """
    rows = r.roster_students(first + count, seed)[first:]
    number = term_number or (1 if new_entry else 3)
    return [
        {
            **row,
            r.CUATRIMESTRE: str(number),
            r.ESTATUS: str(status),
            r.NUEVO_INGRESO: "S" if new_entry else "N",
        }
        for row in rows
    ]


def matriculas(rows: Iterable[dict[str, str]]) -> list[str]:
    return [row[r.MATRICULA] for row in rows]


def student_of(row: dict[str, str]) -> Student:
    return Student(
        matricula=row[r.MATRICULA],
        curp=row[r.CURP],
        nombres=row[r.NOMBRES].upper(),
        apellido_paterno=row[r.PATERNO].upper(),
        apellido_materno=row[r.MATERNO].upper(),
        email_institucional=row[r.EMAIL_INSTITUCIONAL].lower(),
        email_personal=row[r.EMAIL_PERSONAL].lower(),
        programa=row[r.PROGRAMA],
        term_number=int(row[r.CUATRIMESTRE]),
        status=RosterStatus(row[r.ESTATUS]),
        new_entry=row[r.NUEVO_INGRESO] == "S",
    )


def with_status(rows: Iterable[dict[str, str]], status: RosterStatus) -> list[dict[str, str]]:
    """The same students as the registrar's leave/withdrawal list shows them."""
    return [{**row, r.ESTATUS: str(status)} for row in rows]


# --- what students send -----------------------------------------------------------------


def constancia_truth(student: Student, issued: date, base: ConstanciaTruth) -> ConstanciaTruth:
    """``base`` (not insured, insured here, a worker's child...) drawn for this student."""
    return replace(
        base,
        nss=nss_for(student),
        curp=student.curp,
        nombre=student.nombre_completo,
        sexo=student.curp[10],
        fecha_nacimiento=curp_birth_date(student.curp),
        fecha_expedicion=issued,
    )


def constancia_mail(student: Student, now: datetime, base: ConstanciaTruth | None = None) -> bytes:
    """The student's own constancia, downloaded the day before sending it."""
    issued = now.astimezone(TZ).date() - timedelta(days=1)
    pdf = constancia_pdf(constancia_truth(student, issued, base or ConstanciaTruth()))
    return _from(student, now, "Constancia de vigencia", (("constancia.pdf", pdf),))


def renuncia_mail(student: Student, now: datetime) -> bytes:
    truth = RenunciaTruth(
        nombre=student.nombre_completo,
        matricula=student.matricula,
        curp=student.curp,
        programa=student.programa,
        fecha=now.astimezone(TZ).date(),
    )
    return _from(student, now, "Carta renuncia", (("renuncia.pdf", renuncia_pdf(truth)),))


def acuse_mail(student: Student, now: datetime, *, subdelegacion: bool = False) -> bytes:
    truth = NssAcuseTruth(
        nss=None if subdelegacion else nss_for(student),
        curp=student.curp,
        nombre=student.nombre_completo,
        acudir_subdelegacion=subdelegacion,
    )
    return _from(student, now, "Acuse NSS", (("acuse.pdf", nss_acuse_pdf(truth)),))


def request_mail(
    student: Student,
    now: datetime,
    subject: str,
    body: str,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A mail that asks for something (a baja) or carries a carnet photo."""
    return _from(student, now, subject, attachments, body)


def _from(
    student: Student,
    now: datetime,
    subject: str,
    attachments: Iterable[tuple[str, bytes]],
    body: str = "Buen día, envío mi documento.\nSaludos.",
) -> bytes:
    typed = tuple(
        (name, "image/jpeg" if name.endswith(".jpg") else "application/pdf", data)
        for name, data in attachments
    )
    return student_mail(
        f"{student.nombres.title()} <{student.email_institucional}>",
        attachments=typed,
        subject=subject,
        body=body,
        date=now,
    )


def carnet_photo(student: Student) -> bytes:
    """A phone photo of the clinic card (a JPEG with the student's name on a card)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline="black", width=3)
    draw.text((40, 40), "IMSS  CARNET DE CITAS", fill="black")
    draw.text((40, 80), student.nombre_completo, fill="black")
    draw.text((40, 120), f"NSS {nss_for(student)}  UMF 023", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def staff_mail(now: datetime, body: str, *, number: int) -> bytes:
    """A command from the staff address, authenticated by our own server."""
    return (
        f"Authentication-Results: {AUTHSERV}; dkim=pass header.d=ute.example.edu.mx; dmarc=pass\r\n"
        f"From: Jefa de Servicios <{STAFF_ADDRESS}>\r\n"
        "To: servicios.estudiantiles@ute.example.edu.mx\r\n"
        "Subject: Re: Resumen diario\r\n"
        f"Message-ID: <staff{number}@ute.example.edu.mx>\r\n"
        f"Date: {email.utils.format_datetime(now)}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


# --- the deployment ---------------------------------------------------------------------


@click.pass_context
def _open_and_close(ctx: click.Context, config: str | None) -> None:
    """``afilia``'s own start-up, plus closing the database pool when the command ends: the
    command-line process exits at once, but here many commands share one test process and
    PostgreSQL connections left open are reported as leaks."""
    main.callback(config=config)  # type: ignore[misc]
    ctx.call_on_close(lambda: ctx.obj.engine.dispose())


afilia = type(main)(
    name="afilia", callback=_open_and_close, params=main.params, commands=main.commands
)

Event = tuple[datetime, Callable[[], Any]]


@dataclass
class Campus:
    deployment: Deployment
    app: App
    runner: CliRunner = field(default_factory=CliRunner)
    students: dict[str, Student] = field(default_factory=dict)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def open(cls, root: Path, profile: str, *, database_url: str | None = None) -> Campus:
        deployment = make_deployment(root, profile=profile, students=(), database_url=database_url)
        return cls(deployment, deployment.app())

    def close(self) -> None:
        self.app.engine.dispose()

    def cli(self, *args: str, now: datetime | None = None) -> str:
        moment = ("--now", now.isoformat()) if now is not None else ()
        result = self.runner.invoke(
            afilia, ["--config", str(self.deployment.config_path), *args, *moment]
        )
        assert result.exit_code == 0, f"afilia {' '.join(args)}: {result.output}"
        return result.stdout

    def act(self, moment: datetime, *args: str, file_of: Sequence[str] = ()) -> Event:
        """A staff CLI action at ``moment``; ``file_of`` matrículas go in a ``--file`` CSV."""

        def run() -> None:
            extra: tuple[str, ...] = ()
            if file_of:
                path = self.deployment.root / f"matriculas-{next(self._numbers)}.csv"
                path.write_text("matricula\n" + "\n".join(file_of) + "\n", encoding="utf-8")
                extra = ("--file", str(path))
            self.cli(*args, *extra, now=moment)

        return moment, run

    def import_roster(
        self, rows: Sequence[dict[str, str]], now: datetime, *, term: str | None = None
    ) -> None:
        path = self.deployment.root / f"roster-{next(self._numbers)}.csv"
        r.write_roster_csv(path, rows)
        self.cli("roster", "import", str(path), *(("--term", term) if term else ()), now=now)
        for row in rows:
            student = student_of(row)
            self.students[student.matricula] = student

    def send(self, raw: bytes) -> None:
        self.deployment.drop_mail(raw, f"{next(self._numbers):05d}.eml")

    def intake(self, now: datetime) -> None:
        """One ``afilia run --once`` pass at ``now``: read, decide, answer, send."""
        run_once(self.app, clock=lambda: now)

    def run(
        self,
        first: date,
        last: date,
        events: Iterable[Event],
        *,
        sweeps: Sequence[tuple[int, int]] = ((9, 0), (15, 0)),
        digests: Iterable[date] = (),
    ) -> None:
        """Day by day: events due before each sweep happen first, then the sweep runs; the
        digest goes at 7:30 on the days named."""
        todo = sorted(events, key=lambda e: e[0])
        digest_days = set(digests)
        day = first
        while day <= last:
            if day in digest_days:
                self.cli("digest", now=at(day, 7, 30))
            for hour, minute in sweeps:
                moment = at(day, hour, minute)
                while todo and todo[0][0] <= moment:
                    todo.pop(0)[1]()
                self.cli("reminders", now=moment)
            while todo and todo[0][0] < at(day + timedelta(days=1), 0):
                todo.pop(0)[1]()
            day += timedelta(days=1)
        assert not todo, f"events after the last day: {todo}"

    # --- what was sent ------------------------------------------------------------------

    def outbox(self) -> list[OutboxRow]:
        with transaction(self.app.sessions) as session:
            return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))

    def received(self) -> dict[str, list[tuple[date, str]]]:
        """Each student's mails (replies, reminders, notices) as (local date, template)."""
        found: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for mail in self.outbox():
            if mail.purpose not in STUDENT_PURPOSES or mail.matricula is None:
                continue  # staff mail, or a reply to someone not on the roster
            student = self.students[mail.matricula]
            assert mail.recipient == student.email_institucional, mail.recipient
            found[mail.matricula].append((mail.created_at.astimezone(TZ).date(), mail.template))
        return {m: sorted(v) for m, v in found.items()}

    def texts(self, template: str, matricula: str | None = None) -> list[str]:
        """The plain-text bodies (subject first) of the mails of one template."""
        return [
            f"{mail.subject}\n{plain_text(mail.raw)}"
            for mail in self.outbox()
            if mail.template == template and (matricula is None or mail.matricula == matricula)
        ]

    def digest_text(self, day: date) -> str:
        [text] = [
            f"{m.subject}\n{plain_text(m.raw)}"
            for m in self.outbox()
            if m.purpose == "digest" and m.created_at.astimezone(TZ).date() == day
        ]
        return text

    def digest_attachments(self, day: date) -> dict[str, str]:
        [raw] = [
            m.raw
            for m in self.outbox()
            if m.purpose == "digest" and m.created_at.astimezone(TZ).date() == day
        ]
        message = _parsed(raw)
        return {
            part.get_filename() or "": part.get_content() for part in message.iter_attachments()
        }


def _parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email_policy.default)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(raw: bytes) -> str:
    body = _parsed(raw).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def unfolded(text: str) -> str:
    """Text with its line breaks as spaces, to look for a sentence a template wrapped."""
    return " ".join(text.split())


def expect(
    groups: Iterable[tuple[Iterable[str], Sequence[tuple[date, str]]]],
) -> dict[str, list[tuple[date, str]]]:
    """{matrícula: sorted mails} from (students, their mails) pairs; later pairs add."""
    wanted: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for matriculas, mails in groups:
        for matricula in matriculas:
            wanted[matricula].extend(mails)
    return {m: sorted(v) for m, v in wanted.items()}


def differences(
    received: dict[str, list[tuple[date, str]]], wanted: dict[str, list[tuple[date, str]]]
) -> dict[str, tuple[list[tuple[date, str]], list[tuple[date, str]]]]:
    """Students whose mails differ from the promise: (received, promised)."""
    return {
        m: (received.get(m, []), wanted.get(m, []))
        for m in sorted(set(received) | set(wanted))
        if received.get(m, []) != wanted.get(m, [])
    }
