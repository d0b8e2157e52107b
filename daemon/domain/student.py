"""A student as the registrar's roster (Control Escolar) describes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RosterStatus(StrEnum):
    ACTIVO = "ACTIVO"
    BAJA_TEMPORAL = "BAJA TEMPORAL"
    BAJA_DEFINITIVA = "BAJA DEFINITIVA"
    ESTADIA = "ESTADÍA"

    @property
    def is_enrolled(self) -> bool:
        """Active and internship students keep insurance and re-stamp their card (PAB-24 4.5)."""
        return self in (RosterStatus.ACTIVO, RosterStatus.ESTADIA)


@dataclass(frozen=True, slots=True)
class Student:
    matricula: str
    curp: str
    nombres: str
    apellido_paterno: str
    apellido_materno: str = ""
    email_institucional: str = ""
    email_personal: str = ""
    programa: str = ""
    term_number: int = 1
    status: RosterStatus = RosterStatus.ACTIVO
    new_entry: bool = False
    enrolled_on: date | None = None  # the registrar's enrolment date, when the roster has it

    @property
    def nombre_completo(self) -> str:
        parts = (self.nombres, self.apellido_paterno, self.apellido_materno)
        return " ".join(p for p in parts if p)

    @property
    def emails(self) -> tuple[str, ...]:
        found = (self.email_institucional, self.email_personal)
        return tuple(e.strip().lower() for e in found if e and e.strip())

    def reply_address(self) -> str:
        """Institutional address first: it is the one the school can vouch for."""
        return (self.emails or ("",))[0]
