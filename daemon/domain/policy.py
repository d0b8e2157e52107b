"""The school's policy: who we are at IMSS plus the rules profile (``rules/*.toml``).

These are plain dataclasses so the core stays free of IO libraries; ``daemon.rules_profile``
validates the TOML into them (pydantic reads the ``__pydantic_config__`` dict below, no import
needed here), so a typo in a profile is refused at start with the key named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from daemon.domain.student import RosterStatus

_STRICT = {"extra": "forbid"}


class CoveredOtherRegime(StrEnum):
    """What to do with a student already covered through a job or a parent's insurance."""

    ACCEPT = "accept"  # covered: no alta, the card is issued
    ASK = "ask"  # covered, but staff confirm with the student


class MovementDays(StrEnum):
    """When the school can apply altas/bajas at IMSS."""

    ANY_BUSINESS_DAY = "any_business_day"
    SIXTEENTH_AND_MONTH_END = "16_and_month_end"


@dataclass(frozen=True, slots=True)
class School:
    """Set in the config file ([school]); one instance per school."""

    __pydantic_config__ = _STRICT

    name: str
    registros_patronales: tuple[str, ...]
    office: str = "Servicios Estudiantiles"
    office_hours: str = "lunes a viernes de 9:00 a 15:00 h"
    office_location: str = ""
    # Extra ways our employer name is written on constancias ("UNIVERSIDAD TECNOLOGICA DE...").
    employer_name_patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IntakeRules:
    __pydantic_config__ = _STRICT

    max_age_days: int = 5
    covered_other_regime: CoveredOtherRegime = CoveredOtherRegime.ACCEPT
    reply_to_duplicates: bool = True
    accept_nss_acuse: bool = False
    # Business days staff take to settle a document sent to review (said in the reply).
    review_business_days: int = 2
    # Subject keywords that make a mail a baja request / a carnet for the file; empty = off.
    baja_request_keywords: tuple[str, ...] = ()
    carnet_subject_keywords: tuple[str, ...] = ()
    # Subject or opening-line keywords of a mail asking for the hoja de afiliación (TecNM
    # leaflet, procedures/002): afilia answers with the PDF when we insure the student.
    hoja_afiliacion_keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProcedureRules:
    """Timings of the procedure, in business days unless the name says otherwise."""

    __pydantic_config__ = _STRICT

    term_kind: str = "cuatrimestre"
    movement_days: MovementDays = MovementDays.ANY_BUSINESS_DAY
    eligibility_survey: bool = False
    keeps_carnet_on_file: bool = False
    request_reminder_every: int = 3
    request_deadline: int = 10
    alta_sla: int = 15
    credential_sla: int = 15
    credential_corrective_days: int = 2
    # Paso 5: staff check the alta on the IMSS portal this long after registering it (in
    # movement-day profiles, after the movement), and only then is the student told.
    portal_check_after_hours: int = 24
    carnet_after_hours: int = 24  # the carnet reminder, after the student was told
    pickup_reminder_before: int = 1
    resello_window: int = 15
    resello_reminder_before: int = 3
    bajas_list_after: int = 20
    nss_acuse_within_days: int = 0  # high schools: 3 calendar days after enrolment; 0 = off
    # Roster statuses that end the insurance we gave: PAB-24 paso 11 deregisters only the
    # bajas definitivas (a student on leave keeps it); a high school (seed 004) ends it at a
    # baja temporal or definitiva.
    coverage_ends_with: tuple[RosterStatus, ...] = (RosterStatus.BAJA_DEFINITIVA,)


@dataclass(frozen=True, slots=True)
class Retention:
    __pydantic_config__ = _STRICT

    renuncia_years: int = 3  # FOR-24-01
    delivery_log_years: int = 2  # FOR-24-02
    raw_mail_days: int = 400


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as staff read it: ``afilia doctor`` lists them, decisions cite them by name."""

    __pydantic_config__ = _STRICT

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Policy:
    __pydantic_config__ = _STRICT

    profile: str
    description: str
    school: School
    intake: IntakeRules = field(default_factory=IntakeRules)
    procedure: ProcedureRules = field(default_factory=ProcedureRules)
    retention: Retention = field(default_factory=Retention)
    links: dict[str, str] = field(default_factory=dict)  # IMSS pages named in replies
    texts: dict[str, str] = field(default_factory=dict)  # school-specific wording for templates
    rules: tuple[Rule, ...] = ()

    def is_our_registro(self, registro: str | None) -> bool:
        if not registro:
            return False
        wanted = _compact(registro)
        return any(_compact(ours) == wanted for ours in self.school.registros_patronales)

    def resembles_our_registro(self, registro: str | None) -> bool:
        """Two characters or fewer away from one of ours (same length): an OCR confusion
        (E/F, 8/B, 0/O) or a typo of our own registro, never proof of another employer."""
        if not registro or self.is_our_registro(registro):
            return False
        wanted = _compact(registro)
        return any(
            len(ours := _compact(mine)) == len(wanted)
            and sum(a != b for a, b in zip(ours, wanted, strict=True)) <= 2
            for mine in self.school.registros_patronales
        )


def _compact(registro: str) -> str:
    return "".join(ch for ch in registro.upper() if ch.isalnum())
