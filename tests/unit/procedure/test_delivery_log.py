"""PAB-24 §7: the FOR-24-02 Bitácora de Entrega de Credencial Escolar is kept 2 years."""

from __future__ import annotations

from datetime import date

from daemon.domain.delivery_log import BatchInfo, LogEntry, delivery_log

BATCH = BatchInfo(3, date(2026, 5, 18), date(2026, 5, 20), date(2026, 5, 22), "Ventanilla")
DELIVERED = LogEntry("A1", "ANA", "TSU TI", date(2026, 5, 20))
LATER = LogEntry("B1", "BETO", "TSU TI", date(2026, 6, 3))
NEVER = LogEntry("C1", "CARLA", "TSU TI", None)


def _shown(today: date, *entries: LogEntry) -> list[str] | None:
    log = delivery_log("UTE", "Servicios", BATCH, entries, today=today, retention_years=2)
    return None if log is None else [row.matricula for row in log.rows]


def test_paso_8_log_lists_each_credential_of_the_batch_delivered_or_to_sign() -> None:
    log = delivery_log(
        "UTE", "Servicios", BATCH, [NEVER, LATER, DELIVERED], today=date(2026, 5, 21),
        retention_years=2,
    )  # fmt: skip
    assert log is not None
    assert [(r.matricula, r.delivered_on) for r in log.rows] == [
        ("A1", date(2026, 5, 20)),
        ("B1", date(2026, 6, 3)),
        ("C1", None),
    ]
    assert log.delivered == 2


def test_section_7_each_delivery_is_kept_two_years_and_not_longer() -> None:
    assert _shown(date(2028, 5, 20), DELIVERED, LATER) == ["A1", "B1"]
    assert _shown(date(2028, 5, 21), DELIVERED, LATER) == ["B1"]
    assert _shown(date(2028, 6, 4), DELIVERED, LATER) is None


def test_section_7_purged_delivery_is_not_printed_again() -> None:
    purged = LogEntry("A1", "ANA", "TSU TI", date(2026, 5, 20), purged=True)
    assert _shown(date(2026, 6, 1), purged, NEVER) == ["C1"]


def test_section_7_uncollected_card_stays_to_sign_two_years_after_the_pickup_days() -> None:
    assert _shown(date(2028, 5, 22), NEVER) == ["C1"]
    assert _shown(date(2028, 5, 23), NEVER) is None
