"""Use case: print the FOR-24-02 delivery log (Bitácora de Entrega de Credencial Escolar) of
one credential batch, to sign at the counter: the school, the batch and its pickup dates and
place, then one line per credential with the delivery date filled in for those handed over
and an empty "Firma" column. What the log may still show is decided by
``domain.delivery_log`` from the retention (``retention.delivery_log_years``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daemon.domain.calendar import local_date
from daemon.domain.delivery_log import BatchInfo, DeliveryLog, LogEntry, delivery_log
from daemon.domain.policy import Policy
from daemon.errors import AfiliaError
from daemon.services.printable_sheets import field, heading, new_sheet, save_private, table
from daemon.services.purge import PURGED
from daemon.store.procedure import (
    ActionKind,
    CredentialBatchRow,
    CredentialPrintRow,
    ProcedureActionRow,
)
from daemon.store.schema import StudentRow

TITLE = "FOR-24-02 Bitácora de Entrega de Credencial Escolar"
HEADERS = ("No.", "Matrícula", "Nombre", "Programa educativo", "Fecha de entrega", "Firma")


class DeliveryLogError(AfiliaError):
    """No such batch, or its log is past its retention."""


def load_delivery_log(
    session: Session, batch_id: int, *, policy: Policy, tz: ZoneInfo, today: date
) -> DeliveryLog:
    batch = session.get(CredentialBatchRow, batch_id)
    if batch is None:
        raise DeliveryLogError(f"no credential batch {batch_id}")
    info = BatchInfo(
        batch.id,
        local_date(batch.printed_at, tz),
        batch.pickup_from,
        batch.pickup_until,
        batch.place,
    )
    deliveries = {
        action.matricula: action
        for action in session.scalars(
            select(ProcedureActionRow)
            .where(
                ProcedureActionRow.kind == str(ActionKind.DELIVERED),
                ProcedureActionRow.batch_id == batch_id,
            )
            .order_by(ProcedureActionRow.at, ProcedureActionRow.id)
        )
    }
    entries = []
    for matricula, student in session.execute(
        select(CredentialPrintRow.matricula, StudentRow)
        .outerjoin(StudentRow, StudentRow.matricula == CredentialPrintRow.matricula)
        .where(CredentialPrintRow.batch_id == batch_id)
    ):
        delivered = deliveries.get(matricula)
        entries.append(
            LogEntry(
                matricula,
                _name(student),
                student.programa if student is not None else "",
                local_date(delivered.at, tz) if delivered is not None else None,
                purged=delivered is not None and delivered.actor == PURGED,
            )
        )
    log = delivery_log(
        policy.school.name,
        policy.school.office,
        info,
        entries,
        today=today,
        retention_years=policy.retention.delivery_log_years,
    )
    if log is None:
        years = policy.retention.delivery_log_years
        raise DeliveryLogError(
            f"the FOR-24-02 log of batch {batch_id} is past its {years}-year retention"
        )
    return log


def _name(student: StudentRow | None) -> str:
    if student is None:
        return ""
    parts = (student.nombres, student.apellido_paterno, student.apellido_materno)
    return " ".join(p for p in parts if p)


def write_delivery_log(log: DeliveryLog, path: Path, *, retention_years: int) -> None:
    workbook = Workbook()
    sheet = new_sheet(workbook, f"FOR-24-02 lote {log.batch.batch_id}", landscape=True)
    heading(sheet, 1, TITLE, size=14)
    heading(sheet, 2, log.school)
    field(sheet, 3, "Área", log.office)
    field(sheet, 4, "Lote", log.batch.batch_id)
    field(sheet, 5, "Impreso el", log.batch.printed_on)
    field(
        sheet,
        6,
        "Fechas de entrega",
        f"del {log.batch.pickup_from:%d/%m/%Y} al {log.batch.pickup_until:%d/%m/%Y}",
    )
    field(sheet, 7, "Lugar de entrega", log.batch.place or "")
    field(
        sheet,
        8,
        "Conservación",
        f"{retention_years} años (PAB-24, 7. Registros); impreso el {log.today:%d/%m/%Y}",
    )
    rows = [
        (number, row.matricula, row.nombre, row.programa, row.delivered_on, "")
        for number, row in enumerate(log.rows, start=1)
    ]
    table(sheet, 10, HEADERS, rows, widths=(6, 16, 38, 30, 16, 34), row_height=30)
    save_private(workbook, path)


def list_batches(session: Session, tz: ZoneInfo) -> list[tuple[BatchInfo, int, int]]:
    """Every printed batch, oldest first, with how many cards it has and how many of them
    were handed over: the ids ``afilia credenciales log`` takes."""
    printed = dict(
        session.execute(
            select(CredentialPrintRow.batch_id, func.count()).group_by(CredentialPrintRow.batch_id)
        ).all()
    )
    delivered = dict(
        session.execute(
            select(ProcedureActionRow.batch_id, func.count())
            .where(
                ProcedureActionRow.kind == str(ActionKind.DELIVERED),
                ProcedureActionRow.batch_id.is_not(None),
            )
            .group_by(ProcedureActionRow.batch_id)
        ).all()
    )
    return [
        (
            BatchInfo(b.id, local_date(b.printed_at, tz), b.pickup_from, b.pickup_until, b.place),
            printed.get(b.id, 0),
            delivered.get(b.id, 0),
        )
        for b in session.scalars(
            select(CredentialBatchRow).order_by(
                CredentialBatchRow.printed_at, CredentialBatchRow.id
            )
        )
    ]
