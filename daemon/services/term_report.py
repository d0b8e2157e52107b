"""Use case: the term report staff take to Rectoría's Alta Dirección meeting (PAB-24 paso
12), as a printable XLSX: the term's dates, altas and credentials in time and late against
the §8 plazos, the salidas no conformes with their corrective actions, and the §6 indicator.
What it counts is ``domain.term_report``; this module gathers the data and writes the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.orm import Session

from daemon.domain.calendar import BusinessCalendar
from daemon.domain.digest import Indicator, OverdueKind
from daemon.domain.policy import Policy
from daemon.domain.term_report import SalidaNoConforme, Tally, TermReport, term_report
from daemon.errors import AfiliaError
from daemon.services.corrective_actions import load_corrective_actions
from daemon.services.printable_sheets import (
    as_percent,
    field,
    heading,
    new_sheet,
    save_private,
    table,
)
from daemon.services.procedure_actions import load_cases, load_terms

_SALIDA = {OverdueKind.ALTA: "Alta en el IMSS", OverdueKind.CREDENTIAL: "Entrega de credencial"}
SUMMARY_HEADERS = (
    "Salida (PAB-24, 8)",
    "En tiempo",
    "Fuera de tiempo (ya atendidas)",
    "Vencidas sin atender",
    "Pendientes en plazo",
    "Total",
    "% en tiempo",
)
SALIDA_HEADERS = (
    "Matrícula",
    "Nombre",
    "Salida no conforme",
    "Plazo desde",
    "Fecha límite",
    "Días hábiles",
    "Atendida el",
    "Acciones correctivas (fecha, quién, qué)",
)


class TermReportError(AfiliaError):
    """No term to report on."""


def build_term_report(
    session: Session,
    *,
    term_name: str | None,
    today: date,
    policy: Policy,
    calendar: BusinessCalendar,
    tz: ZoneInfo,
) -> TermReport:
    """The named term, or the one running today (else the last one that started)."""
    terms = load_terms(session)
    if term_name is not None:
        term = next((t for t in terms if t.name == term_name.strip()), None)
        if term is None:
            known = ", ".join(t.name for t in terms) or "none yet"
            raise TermReportError(f"no term named {term_name!r} (terms: {known})")
    else:
        started = [t for t in terms if t.starts_on <= today]
        term = next((t for t in started if t.contains(today)), started[-1] if started else None)
        if term is None:
            raise TermReportError("no term has started yet: name one with --term")
    return term_report(
        load_cases(session, tz),
        term,
        terms,
        load_corrective_actions(session, tz),
        today=today,
        policy=policy,
        calendar=calendar,
        tz=tz,
    )


def write_term_report(report: TermReport, path: Path, *, policy: Policy) -> None:
    rules = policy.procedure
    kind = rules.term_kind
    workbook = Workbook()
    sheet = new_sheet(workbook, "Resumen", landscape=True)
    heading(
        sheet, 1, f"Informe del {kind} {report.term.name} para Rectoría (Alta Dirección)", size=14
    )
    heading(sheet, 2, policy.school.name)
    field(
        sheet,
        3,
        "Procedimiento",
        "PAB-24 Altas-Bajas al seguro facultativo y emisión de credenciales",
    )
    field(sheet, 4, "Área", policy.school.office)
    field(sheet, 5, "Fecha del informe", report.today)
    dates = report.dates
    heading(sheet, 7, f"Fechas del {kind}")
    field(sheet, 8, "Inicio", dates.starts_on)
    field(sheet, 9, "Fin", dates.ends_on)
    field(sheet, 10, f"Plazo de altas ({rules.alta_sla} días hábiles)", dates.alta_deadline)
    field(
        sheet,
        11,
        f"Plazo de credenciales ({rules.credential_sla} días hábiles)",
        dates.credential_deadline,
    )
    field(
        sheet, 12, f"Plazo de resello ({rules.resello_window} días hábiles)", dates.resello_deadline
    )
    field(
        sheet,
        13,
        f"Lista de bajas de Control Escolar ({rules.bajas_list_after} días hábiles)",
        dates.bajas_list_due,
    )
    heading(
        sheet, 15, "Salidas (plazo contado desde el inicio, o desde el documento si llegó después)"
    )
    after = table(
        sheet,
        16,
        SUMMARY_HEADERS,
        [
            _tally_row("Altas en el IMSS", report.altas),
            _tally_row("Credenciales de estudiante", report.credentials),
        ],
        widths=(44, 14, 16, 16, 16, 10, 12),
        repeat_header=False,
    )
    heading(
        sheet,
        after + 1,
        "Indicador (PAB-24, 6): credenciales entregadas / matrícula de nuevo ingreso con "
        "vigencia de derechos (meta 100 %)",
    )
    row = table(
        sheet,
        after + 2,
        ("Periodo", "Credenciales entregadas", "Nuevo ingreso con vigencia", "Resultado"),
        [
            _indicator_row(f"{kind.capitalize()} {report.term.name}", report.indicator),
            _indicator_row(f"Año {report.term.starts_on.year}", report.year_indicator),
        ],
        widths=(44, 14, 16, 16),
        repeat_header=False,
    )
    with_action = sum(1 for s in report.salidas if s.actions)
    field(
        sheet,
        row + 1,
        "Salidas no conformes",
        f"{len(report.salidas)} ({with_action} con acción correctiva registrada; detalle en la "
        "hoja «Salidas no conformes»)",
    )
    as_percent(sheet, ((17, 7), (18, 7), (after + 3, 4), (after + 4, 4)))
    detail = new_sheet(workbook, "Salidas no conformes", landscape=True)
    heading(detail, 1, f"Salidas no conformes del {kind} {report.term.name}", size=14)
    heading(detail, 2, policy.school.name)
    rows = [_salida_row(s) for s in report.salidas]
    if not rows:
        rows = [("", "Ninguna: todo se hizo dentro de plazo.", "", "", "", "", "", "")]
    table(detail, 4, SALIDA_HEADERS, rows, widths=(16, 34, 22, 13, 13, 10, 13, 70))
    save_private(workbook, path)


def _tally_row(label: str, tally: Tally) -> tuple[object, ...]:
    share = tally.in_time / tally.total if tally.total else None
    return (label, tally.in_time, tally.late, tally.late_open, tally.pending, tally.total, share)


def _indicator_row(label: str, indicator: Indicator | None) -> tuple[object, ...]:
    if indicator is None or not indicator.with_vigencia:
        delivered = indicator.delivered if indicator else 0
        return (label, delivered, 0, "sin datos")
    return (
        label,
        indicator.delivered,
        indicator.with_vigencia,
        indicator.delivered / indicator.with_vigencia,
    )


def _salida_row(salida: SalidaNoConforme) -> tuple[object, ...]:
    actions = (
        "\n".join(f"{a.at:%d/%m/%Y %H:%M} ({a.actor}): {a.action}" for a in salida.actions)
        or "Sin acción correctiva registrada"
    )
    return (
        salida.matricula,
        salida.nombre,
        _SALIDA[salida.kind],
        salida.since,
        salida.deadline,
        f"{salida.business_days} (plazo {salida.limit})",
        salida.done_on if salida.done_on else "sin atender",
        actions,
    )
