"""The hoja de afiliación (seed 002, the TecNM leaflet): the sheet a student insured by the
school takes to their clinic (UMF) to get the carnet de citas. afilia writes it from what it
already knows, so it is given only when our own records prove the insurance: an alta we
registered, or a constancia on file with our registro patronal. Otherwise nothing is
printed (never a document that may be wrong); the student is told what we need first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from daemon.domain.calendar import local_date
from daemon.domain.policy import Policy
from daemon.domain.procedure_state import StudentCase, baja_pending


@dataclass(frozen=True, slots=True)
class OurConstancia:
    """The latest constancia on file that showed our registro (accepted_insured_here)."""

    fecha: date  # its emission date, else the day we received it
    registro_patronal: str | None


@dataclass(frozen=True, slots=True)
class HojaDeAfiliacion:
    escuela: str
    nombre: str
    matricula: str
    curp: str
    nss: str
    programa: str
    afiliado_desde: date
    origen: str  # Spanish: what the date is ("alta en el IMSS" / "constancia de vigencia")
    registro_patronal: str
    emitida_el: date


def hoja_de_afiliacion(
    case: StudentCase,
    policy: Policy,
    *,
    today: date,
    tz: ZoneInfo,
    our_constancia: OurConstancia | None,
) -> HojaDeAfiliacion | None:
    """The hoja for this student, or None when our records do not prove that the school
    insures them now (no alta and no constancia with our registro, a baja since or pending,
    no NSS on file): then staff must look, and nothing wrong is ever printed."""
    if not case.insured_here or baja_pending(case, policy.procedure) or not case.nss:
        return None
    registros = policy.school.registros_patronales
    if our_constancia is not None and policy.is_our_registro(our_constancia.registro_patronal):
        registro = our_constancia.registro_patronal or registros[0]
    elif registros:
        registro = registros[0]
    else:
        return None
    if case.alta is not None:
        since, origen = local_date(case.alta.done_at, tz), "alta en el IMSS"
    elif our_constancia is not None:
        since, origen = our_constancia.fecha, "constancia de vigencia de derechos"
    else:
        return None
    student = case.student
    return HojaDeAfiliacion(
        escuela=policy.school.name,
        nombre=student.nombre_completo,
        matricula=student.matricula,
        curp=student.curp,
        nss=case.nss,
        programa=student.programa,
        afiliado_desde=since,
        origen=origen,
        registro_patronal=registro,
        emitida_el=today,
    )
