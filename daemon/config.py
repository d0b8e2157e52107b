"""The one TOML configuration file, validated at start.

Found at ``--config``, else ``$AFILIA_CONFIG``, else ``/etc/afilia/config.toml``. Relative
paths are relative to the file's own directory. Secrets are never inline: each is named by
an environment variable (``*_env``) or a file (``*_file``, e.g. a systemd credential).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import typing
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from daemon.config_location import DEFAULT_CONFIG_PATH as DEFAULT_CONFIG_PATH
from daemon.config_location import config_path_from as config_path_from
from daemon.errors import ConfigError

_INLINE_SECRET_KEYS = ("password", "client_secret", "refresh_token", "token", "secret")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in _INLINE_SECRET_KEYS:
                if key in data:
                    raise ValueError(
                        f"inline secret '{key}' is not allowed; "
                        f"use '{key}_env' (environment variable) or '{key}_file' instead"
                    )
        return data


class Secret(_Strict):
    """Where a secret comes from; resolved only when it is needed."""

    env: str | None = None
    file: Path | None = None

    def resolve(self) -> str | None:
        if self.env:
            value = os.environ.get(self.env)
            if value is None:
                raise ConfigError(f"environment variable {self.env} (a secret) is not set")
            return value
        if self.file:
            path = self.file
            if not path.is_absolute() and os.environ.get("CREDENTIALS_DIRECTORY"):
                path = Path(os.environ["CREDENTIALS_DIRECTORY"]) / path
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ConfigError(f"cannot read secret file {path}: {err.strerror}") from err
        return None


class Security(StrEnum):
    TLS = "tls"  # implicit TLS (IMAPS 993, SMTPS 465)
    STARTTLS = "starttls"
    NONE = "none"  # loopback and tests only


class AuthMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - an auth method name, not a secret
    OAUTH2_MICROSOFT = "oauth2_microsoft"
    OAUTH2_GOOGLE = "oauth2_google"
    # Was a hand-written client for any token endpoint; refused now with a clear message.
    OAUTH2_GENERIC = "oauth2_generic"


class OAuth2Settings(_Strict):
    tenant_id: str | None = None  # Microsoft Entra
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    # Another token endpoint: Google's token_uri; Microsoft's v2.0 token URL of another
    # cloud (msal's authority is derived from it). Test servers use it too.
    token_url: str | None = None
    scopes: tuple[str, ...] = ()
    # Where a refresh token lives; a rotated one is written back here (0600).
    refresh_token_file: Path | None = None
    service_account_file: Path | None = None  # Google domain-wide delegation

    def client_secret(self) -> str | None:
        return Secret(env=self.client_secret_env, file=self.client_secret_file).resolve()


class _ServerLogin(_Strict):
    host: str
    port: int | None = None
    security: Security = Security.TLS
    username: str = ""
    password_env: str | None = None
    password_file: Path | None = None
    auth: AuthMethod = AuthMethod.PASSWORD
    oauth2: OAuth2Settings | None = None
    timeout_seconds: float = 60.0

    def password(self) -> str | None:
        return Secret(env=self.password_env, file=self.password_file).resolve()

    @model_validator(mode="after")
    def _auth_has_what_it_needs(self) -> _ServerLogin:
        if self.auth is AuthMethod.OAUTH2_GENERIC:
            raise ValueError(
                "auth = 'oauth2_generic' is no longer supported: use 'oauth2_microsoft' or "
                "'oauth2_google' (oauth2.token_url still names another token endpoint)"
            )
        if self.auth is not AuthMethod.PASSWORD and self.oauth2 is None:
            raise ValueError(f"auth = '{self.auth}' needs an [oauth2] table")
        return self


class MaildirSource(_Strict):
    kind: Literal["maildir"]
    name: str = "maildir"
    path: Path
    quarantine_folder: str = "cuarentena"  # Maildir++ .cuarentena: mails that failed


class ImapSource(_ServerLogin):
    kind: Literal["imap"]
    name: str = "imap"
    folder: str = "INBOX"
    processed_folder: str = "afilia/procesados"
    quarantine_folder: str = "afilia/cuarentena"  # mails that failed; see afilia quarantine
    idle: bool = True
    poll_seconds: float = 60.0
    idle_restart_seconds: float = 540.0  # end and restart IDLE well under 29 minutes


MailboxSettings = Annotated[MaildirSource | ImapSource, Field(discriminator="kind")]


class MaildirOutgoing(_Strict):
    kind: Literal["maildir"]
    path: Path


class SmtpOutgoing(_ServerLogin):
    kind: Literal["smtp"]


OutgoingKind = Annotated[MaildirOutgoing | SmtpOutgoing, Field(discriminator="kind")]


class OutgoingSettings(_Strict):
    transport: OutgoingKind
    per_minute: int = Field(30, ge=1)
    per_day: int = Field(2000, ge=1)
    max_attempts: int = Field(8, ge=1)
    retry_base_seconds: float = Field(30.0, gt=0)
    retry_max_seconds: float = Field(3600.0, gt=0)
    replies_per_sender_per_hour: int = Field(5, ge=0)
    quiet_hours: tuple[time, time] | None = None  # reminders wait; replies do not


class SchoolSettings(_Strict):
    name: str
    address: str  # our own mailbox address: From of every reply, never answered
    registros_patronales: tuple[str, ...]
    profile: str = "ut-cuatrimestral"
    office: str = "Servicios Estudiantiles"
    office_hours: str = "lunes a viernes de 9:00 a 15:00 h"
    office_location: str = ""
    employer_name_patterns: tuple[str, ...] = ()
    timezone: str = "America/Mexico_City"
    non_working_days: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone '{value}'") from err
        return value

    @field_validator("registros_patronales")
    @classmethod
    def _some_registro(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one registro patronal of the school")
        return value


class StaffSettings(_Strict):
    addresses: tuple[str, ...] = ()  # who may send commands and receives the digest
    digest_to: tuple[str, ...] = ()  # defaults to addresses
    digest_time: time = time(7, 30)
    authserv_id: str = ""  # Authentication-Results authserv-id of OUR mail server

    def digest_recipients(self) -> tuple[str, ...]:
        return self.digest_to or self.addresses


class DatabaseSettings(_Strict):
    url: str = "sqlite:///afilia.db"
    password_env: str | None = None
    password_file: Path | None = None

    def password(self) -> str | None:
        return Secret(env=self.password_env, file=self.password_file).resolve()


class LimitSettings(_Strict):
    max_message_bytes: int = 25 * 1024 * 1024
    max_header_bytes: int = 256 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 10
    max_pages: int = 20
    parse_seconds: float = 10.0
    parse_memory_mb: int = 768
    parse_workers: int = Field(0, ge=0)  # 0 = one per core
    ocr: bool = False
    ocr_seconds: float = Field(60.0, gt=0)
    zip_max_entries: int = 10
    zip_max_total_bytes: int = 20 * 1024 * 1024
    zip_max_ratio: int = 100
    # "extract": read the documents inside a zip; "reject": answer asking for the plain PDF.
    zip_policy: Literal["extract", "reject"] = "extract"


class LoggingSettings(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    # auto: readable lines on a terminal, JSON otherwise (journald, files, pipes).
    format: Literal["auto", "json", "console"] = "auto"


class MetricsSettings(_Strict):
    enabled: bool = False
    address: str = "127.0.0.1"
    port: int = 9464


class Settings(_Strict):
    school: SchoolSettings
    state_dir: Path = Path("/var/lib/afilia")
    rules_dir: Path | None = None
    templates_dir: Path | None = None
    database: DatabaseSettings = DatabaseSettings()
    mailboxes: tuple[MailboxSettings, ...]
    outgoing: OutgoingSettings
    staff: StaffSettings = StaffSettings()
    limits: LimitSettings = LimitSettings()
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()
    config_path: Path | None = None

    @field_validator("mailboxes")
    @classmethod
    def _some_mailbox(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        if not value:
            raise ValueError("configure at least one [[mailboxes]] entry")
        names = [m.name for m in value]
        if len(set(names)) != len(names):
            raise ValueError(f"mailbox names must be unique, got {names}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.school.timezone)

    @property
    def blob_dir(self) -> Path:
        return self.state_dir / "blobs"

    def database_url(self) -> str:
        """The SQLAlchemy URL with the password from its secret, if one is configured."""
        from sqlalchemy.engine import make_url

        url = make_url(self.database.url)
        database = url.database
        relative_sqlite = (
            url.get_backend_name() == "sqlite"
            and database
            and database != ":memory:"
            and not Path(database).is_absolute()
        )
        if relative_sqlite and self.config_path is not None:
            url = url.set(database=str(self.config_path.parent / str(database)))
        password = self.database.password()
        if password is not None:
            url = url.set(password=password)
        return url.render_as_string(hide_password=False)


def load_settings(path: Path) -> Settings:
    """Read and validate the config; every problem becomes one ConfigError naming the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} not found (use --config or AFILIA_CONFIG)") from err
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from err
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{path}: invalid configuration\n{describe_errors(err)}") from err
    return _resolve_paths(settings, path.resolve().parent, path)


def describe_errors(err: ValidationError, model: object | None = None) -> str:
    """pydantic's errors in plain words: the key as it is written in the file (list entries
    counted from 1, as a person counts ``[[mailboxes]]``), what is wrong with it, and for
    an unknown key the known key it most looks like."""
    known = sorted(_known_keys(model if model is not None else Settings))
    lines = []
    for problem in err.errors():
        parts = [part for part in problem["loc"] if not _is_union_tag(part)]
        key = ".".join(
            f"[{part + 1}]" if isinstance(part, int) else str(part) for part in parts
        ).replace(".[", "[")
        lines.append(f"  - {key or '(top level)'}: {_plain(problem, parts, known)}")
    return "\n".join(lines)


def _plain(problem: Any, parts: list[object], known: list[str]) -> str:
    kind = problem["type"]
    if kind == "extra_forbidden":
        name = str(parts[-1]) if parts else ""
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"afilia has no setting '{name}' here{hint}"
    if kind == "missing":
        return "is required but missing"
    return str(problem["msg"]).removeprefix("Value error, ")


def _known_keys(model: object, seen: set[object] | None = None) -> set[str]:
    """Every key name a config (or rules profile) may contain, for "did you mean"."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    if isinstance(model, type) and issubclass(model, BaseModel):
        fields = {name: info.annotation for name, info in model.model_fields.items()}
    elif dataclasses.is_dataclass(model) and isinstance(model, type):
        hints = typing.get_type_hints(model)
        fields = {f.name: hints.get(f.name) for f in dataclasses.fields(model)}
    else:
        for arg in typing.get_args(model):
            names |= _known_keys(arg, seen)
        return names
    for name, annotation in fields.items():
        names.add(name)
        names |= _known_keys(annotation, seen)
    return names


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and part in {"maildir", "imap", "smtp"}


def _resolve_paths(settings: Settings, base: Path, path: Path) -> Settings:
    def fix(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    def fix_model(model: BaseModel) -> BaseModel:
        updates: dict[str, Any] = {}
        for name, value in model:
            if isinstance(value, Path) and not name.endswith("_file"):
                updates[name] = fix(value) or value
            elif isinstance(value, BaseModel):
                updates[name] = fix_model(value)
            elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
                updates[name] = tuple(fix_model(v) for v in value)
        return model.model_copy(update=updates)

    # Secret files (*_file) stay as written: a relative one is looked up in systemd's
    # $CREDENTIALS_DIRECTORY (LoadCredential=), else in the working directory.
    resolved = fix_model(settings)
    assert isinstance(resolved, Settings)
    return resolved.model_copy(update={"config_path": path.resolve()})
