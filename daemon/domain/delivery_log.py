"""FOR-24-02, the Bitácora de Entrega de Credencial Escolar of one printed batch (PAB-24
paso 8): what the printable log of a batch shows, given the day and the retention.

The log is kept ``retention.delivery_log_years`` (2 years) and not longer. A delivery stays
in it until that many years after the day it was handed over, the day the purge job forgets
who signed for which batch (``services.purge``); a card never collected stays as a line to
sign until that many years after the batch's last pickup day. Past both, the batch has no
log left to print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A credential of the batch, as the store has it."""

    matricula: str
    nombre: str
    programa: str
    delivered_on: date | None  # the delivery recorded against this batch, local date
    purged: bool = False  # the purge already forgot this delivery's FOR-24-02 details


@dataclass(frozen=True, slots=True)
class BatchInfo:
    batch_id: int
    printed_on: date
    pickup_from: date
    pickup_until: date
    place: str


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    school: str
    office: str
    batch: BatchInfo
    rows: tuple[LogEntry, ...]  # by matrícula; delivered ones carry their date
    today: date

    @property
    def delivered(self) -> int:
        return sum(1 for row in self.rows if row.delivered_on is not None)


def retention_ends(day: date, years: int) -> date:
    """The last day a record made on ``day`` is kept (the purge goes the day after)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def delivery_log(
    school: str,
    office: str,
    batch: BatchInfo,
    entries: Iterable[LogEntry],
    *,
    today: date,
    retention_years: int,
) -> DeliveryLog | None:
    """The batch's log as of ``today``, or None when all of it is past its retention."""
    rows = []
    for entry in sorted(entries, key=lambda e: e.matricula):
        if entry.delivered_on is not None:
            if entry.purged or retention_ends(entry.delivered_on, retention_years) < today:
                continue
        elif retention_ends(batch.pickup_until, retention_years) < today:
            continue
        rows.append(entry)
    if not rows:
        return None
    return DeliveryLog(school, office, batch, tuple(rows), today)
