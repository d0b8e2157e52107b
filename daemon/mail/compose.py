"""Outbound composition: Spanish jinja2 templates -> a MIME message, byte for byte repeatable.

The outbox stores the exact bytes to send before sending them, and a resend after a crash
must be the very same mail, so nothing here reads the clock or draws random numbers: the
``Date`` comes from the caller, the Message-ID from the outbox key, the MIME boundaries from
the Message-ID. Templates are data (``templates/email/``): one ``NAME.txt.j2`` (with a
``{% block subject %}``) and one ``NAME.html.j2`` per mail; files starting with ``_`` are
layouts and partials. ``_samples.toml`` there holds sample contexts, so ``check_all`` can
render every template before a (re)load is accepted.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from daemon.domain.policy import MovementDays, Policy
from daemon.domain.student import RosterStatus, Student
from daemon.errors import ConfigError

_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
_WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_SAMPLES = "_samples.toml"
_NONE = "__none__"
_MSG_ID = re.compile(r"<[^<>\s]+>")
_MAX_REFERENCES = 20
_MAX_ID_CHARS = 995


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def default_templates_dir() -> Path:
    """``templates/email`` beside the package in a checkout, or the copy inside a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (
        package.parent / "templates" / "email",
        package / "_data" / "templates" / "email",
    ):
        if candidate.is_dir():
            return candidate
    raise ConfigError("cannot find the templates/email directory; set templates_dir")


SCHOOL_TZ = ZoneInfo("America/Mexico_City")  # the config's default [school] timezone


def fecha(value: date) -> str:
    """18 de noviembre de 2026"""
    return f"{value.day} de {_MONTHS[value.month - 1]} de {value.year}"


def fecha_corta(value: date) -> str:
    """18/11/2026"""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def dia(value: date) -> str:
    """lunes 23 de noviembre: for dates close enough that the year goes without saying."""
    return f"{_WEEKDAYS[value.weekday()]} {value.day} de {_MONTHS[value.month - 1]}"


def fecha_hora(value: datetime) -> str:
    """18 de noviembre de 2026, 14:05 h"""
    return f"{fecha(value)}, {value:%H:%M} h"


def hora(value: datetime) -> str:
    """14:05 h"""
    return f"{value:%H:%M} h"


def school_time_filters(tz: ZoneInfo) -> dict[str, Callable[..., Any]]:
    """The date filters, each first moving an aware datetime to the school's time zone:
    the store keeps UTC, and a mail written at 19:21 in Mexico City must say that day and
    that hour, not UTC's. Plain dates are already local dates and pass as they are."""

    def local(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(tz)
        return value

    plain = {"fecha": fecha, "fecha_corta": fecha_corta, "dia": dia}
    timed = {"fecha_hora": fecha_hora, "hora": hora}
    filters: dict[str, Callable[..., Any]] = {}
    for name, render in (plain | timed).items():
        filters[name] = lambda value, render=render: render(local(value))
    return filters


def lineas(value: str) -> list[str]:
    """A multi-line ``[texts]`` entry as a list of non-empty lines (for bullet lists)."""
    return [line.strip().lstrip("-•").strip() for line in value.splitlines() if line.strip()]


def _finalize(value: Any) -> Any:
    # A None that slips through prints nothing rather than the English word "None".
    return "" if value is None else value


class Renderer:
    def __init__(self, templates_dir: Path | None = None, *, tz: ZoneInfo = SCHOOL_TZ) -> None:
        self.tz = tz
        self.templates_dir = templates_dir or default_templates_dir()
        if not self.templates_dir.is_dir():
            raise ConfigError(f"templates_dir {self.templates_dir} is not a directory")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_finalize,
        )
        self._env.filters.update(school_time_filters(tz), lineas=lineas)

    def names(self) -> list[str]:
        """Every mail this directory can render (a text template without layouts/partials)."""
        return sorted(
            p.name.removesuffix(".txt.j2")
            for p in self.templates_dir.glob("*.txt.j2")
            if not p.name.startswith("_")
        )

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail:
        try:
            text_template = self._env.get_template(f"{name}.txt.j2")
            html_template = self._env.get_template(f"{name}.html.j2")
            block = text_template.blocks.get("subject")
            if block is None:
                raise ConfigError(f"template {name}.txt.j2 has no {{% block subject %}}")
            variables = dict(context)
            subject = "".join(block(text_template.new_context(variables)))
            subject = " ".join(subject.split())
            variables["subject"] = subject
            text = _tidy_text(text_template.render(variables))
            html = html_template.render(variables)
        except jinja2.TemplateError as err:
            raise ConfigError(f"template {name}: {type(err).__name__}: {err}") from err
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
            raise ConfigError(f"template {name}: {type(err).__name__}: {err}") from err
        if not subject:
            raise ConfigError(f"template {name}: empty subject")
        return RenderedMail(subject=subject, text=text, html=html)

    def samples(self, policy: Policy, today: date) -> dict[str, list[dict[str, Any]]]:
        """Sample contexts per template from ``_samples.toml``: the full one, then one per
        ``_nullable`` variable set to None (so a template that prints an optional value
        without checking it is caught)."""
        path = self.templates_dir / _SAMPLES
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"cannot read template samples {path}: {err}") from err
        common = {k: _sample_value(k, v) for k, v in raw.get("common", {}).items()}
        found: dict[str, list[dict[str, Any]]] = {}
        for name in self.names():
            table = dict(raw.get(name, {}))
            nullable = table.pop("_nullable", [])
            full = {
                **base_context(policy, today),
                **common,
                **{k: _sample_value(k, v) for k, v in table.items()},
            }
            found[name] = [full, *({**full, key: None} for key in nullable)]
        return found

    def check_all(self, policy: Policy, today: date | None = None) -> list[str]:
        """Render every template with sample data; the problems, empty when all is well."""
        problems: list[str] = []
        for name in self.names():
            if not (self.templates_dir / f"{name}.html.j2").is_file():
                problems.append(f"{name}: no {name}.html.j2 beside {name}.txt.j2")
        try:
            samples = self.samples(policy, today or date(2026, 11, 18))
        except ConfigError as err:
            return [*problems, str(err)]
        for name, contexts in samples.items():
            for context in contexts:
                nulled = [k for k, v in context.items() if v is None]
                try:
                    rendered = self.render(name, context)
                except ConfigError as err:
                    problems.append(f"{err} (None: {', '.join(nulled) or '-'})")
                    continue
                for part in (rendered.subject, rendered.text, rendered.html):
                    if re.search(r"\bNone\b", part):
                        problems.append(f"template {name}: prints 'None'")
                        break
        return problems


def base_context(policy: Policy, today: date) -> dict[str, Any]:
    """What every template may use: who we are, the rules and today's date."""
    return {
        "policy": policy,
        "school": policy.school,
        "links": policy.links,
        "texts": policy.texts,
        "intake": policy.intake,
        "procedure": policy.procedure,
        "term_kind": policy.procedure.term_kind,
        "batched_movements": policy.procedure.movement_days is MovementDays.SIXTEENTH_AND_MONTH_END,
        "today": today,
    }


def make_message_id(key: str, domain: str) -> str:
    """The same outbox key always gives the same Message-ID, so a resend is one mail."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<afilia.{digest}@{domain}>"


def build_message(
    rendered: RenderedMail,
    *,
    sender: str,
    sender_name: str,
    recipients: Sequence[str],
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str = "auto-replied",
    attachments: Sequence[tuple[str, str, bytes]] = (),
    date: datetime,
) -> bytes:
    """multipart/alternative (text + HTML), plus ``(filename, mime type, bytes)`` attachments
    in a multipart/mixed; identical arguments give identical bytes.

    Built with the ``email.mime`` classes and the compat32 policy: ``EmailMessage`` parses
    every header it is given back through the header registry, which made composing the
    reply the costliest step of deciding a mail (issue 11). Our header values are ours
    (templates and config), so nothing here needs that parsing; CR and LF are refused."""
    if date.tzinfo is None:
        raise ValueError("build_message needs an aware datetime for the Date header")
    for value in (rendered.subject, sender_name, sender, *recipients):
        if "\r" in value or "\n" in value:
            raise ValueError("a header value may not contain a line break")
    body = MIMEMultipart("alternative", policy=_COMPAT)
    for text, subtype in ((rendered.text, "plain"), (rendered.html, "html")):
        part = MIMEText(text if text.endswith("\n") else text + "\n", subtype, _UTF8_QP)
        del part["MIME-Version"]
        body.attach(part)
    msg: MIMEMultipart = body
    if attachments:
        msg = MIMEMultipart("mixed", policy=_COMPAT)
        del body["MIME-Version"]
        msg.attach(body)
        for filename, mime_type, data in attachments:
            maintype, _, subtype = mime_type.partition("/")
            attachment = MIMEApplication(data, subtype or "octet-stream")
            attachment.replace_header("Content-Type", f"{maintype}/{subtype or 'octet-stream'}")
            attachment.add_header("Content-Disposition", "attachment", filename=filename)
            del attachment["MIME-Version"]
            msg.attach(attachment)
    msg["From"] = formataddr((sender_name, sender), charset="utf-8")
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = Header(rendered.subject, _UTF8_QP, header_name="Subject")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"  # no out-of-office answers to our mails
    msg["Content-Language"] = "es-MX"
    _fix_boundaries(msg, message_id)
    parent = _msg_ids([in_reply_to] if in_reply_to else [])
    chain = _msg_ids(references)[-_MAX_REFERENCES:]
    return _with_threading(msg.as_bytes(policy=_COMPAT), parent[:1], chain)


_COMPAT = compat32.clone(linesep="\r\n")
_UTF8_QP = Charset("utf-8")
_UTF8_QP.header_encoding = QP  # "Recibimos tu constancia" stays readable in a raw view
_UTF8_QP.body_encoding = QP


def _with_threading(raw: bytes, parent: list[str], chain: list[str]) -> bytes:
    """In-Reply-To and References carry the original Message-IDs verbatim.

    The email package turns an id of 78+ characters (Outlook / Microsoft 365 ids) or a
    non-ASCII one into RFC 2047 encoded-words, and then the student's client does not
    thread our answer. So these two headers are written here, one id per folded line;
    CFWS between msg-ids is allowed (RFC 5322 3.6.4), inside one never.
    """
    lines = []
    if parent:
        lines.append(b"In-Reply-To: " + parent[0].encode("utf-8"))
    if chain:
        lines.append(b"References: " + b"\r\n ".join(i.encode("utf-8") for i in chain))
    if not lines:
        return raw
    end = raw.index(b"\r\n\r\n")
    return raw[:end] + b"".join(b"\r\n" + line for line in lines) + raw[end:]


def _fix_boundaries(msg: Message, message_id: str) -> None:
    # "=_" never occurs in quoted-printable or base64 bodies, so it cannot clash.
    seed = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
    for number, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_afilia_{seed}_{number}")


def _msg_ids(values: Sequence[str]) -> list[str]:
    """Only well-formed ``<id>`` tokens from the inbound headers: they are untrusted, so
    no control character, no surrogate, at most one header line long."""
    return [
        token
        for value in values
        if value
        for token in _MSG_ID.findall(value)
        if len(token) <= _MAX_ID_CHARS and token.isprintable() and _encodable(token)
    ]


def _encodable(token: str) -> bool:
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _sample_value(key: str, value: Any) -> Any:
    """A ``student`` table becomes a real ``Student``, ``"__none__"`` None (TOML has no null)."""
    if value == _NONE:
        return None
    if isinstance(value, dict) and key == "student":
        fields = dict(value)
        if "status" in fields:
            fields["status"] = RosterStatus(fields["status"])
        return Student(**fields)
    if isinstance(value, dict) and key == "term":
        return SimpleNamespace(**value)
    if key == "missing" and isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return {k: _sample_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sample_value("", item) for item in value]
    return value
