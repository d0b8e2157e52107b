"""PAB-24 step 10: 20 business days after term start Control Escolar owes the list of
temporary and permanent leaves; the digest reminds staff until they import one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from daemon.services.digest import prepare_digest
from daemon.services.reminders import Mailing
from daemon.store.db import transaction
from daemon.store.schema import StudentRow
from tests.integration.procedure.campus import Campus, at, matriculas, roster_rows

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-MAY-AGO", D(2026, 5, 4), D(2026, 8, 28)
DUE = D(2026, 6, 1)  # the 20th business day after 4 May 2026
ROWS = roster_rows(3, seed=23)


def _due(campus: Campus, moment: datetime) -> date | None:
    mailing = Mailing.from_app(campus.app, moment)
    with transaction(campus.app.sessions) as session:
        return prepare_digest(session, mailing, moment).digest.bajas_list_due


def test_only_an_import_after_the_due_day_stops_the_leave_list_reminder(tmp_path: Path) -> None:
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(ROWS, at(D(2026, 4, 29), 10), term=TERM)

    assert _due(campus, at(D(2026, 5, 29), 8)) is None
    assert _due(campus, at(DUE, 8)) == DUE
    # A student record edited by hand (or by anything but an import) is not the list.
    with transaction(campus.app.sessions) as session:
        session.execute(
            update(StudentRow)
            .where(StudentRow.matricula == matriculas(ROWS)[0])
            .values(programa="OTRO", updated_at=datetime(2026, 6, 1, 16, tzinfo=UTC))
        )
    assert _due(campus, at(D(2026, 6, 2), 8)) == DUE
    # The registrar's list may say nobody left: importing it still counts.
    campus.import_roster(ROWS[:1], at(D(2026, 6, 2), 9))
    assert _due(campus, at(D(2026, 6, 2), 8)) == DUE  # a digest built before the import
    assert _due(campus, at(D(2026, 6, 3), 8)) is None
    campus.close()
