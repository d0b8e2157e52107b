"""Retention (PAB-24 records): FOR-24-01 waivers 3 years after the end of their term, the
FOR-24-02 delivery log after 2 years, raw mails (and what we sent) after ``raw_mail_days``.

``afilia purge --dry-run`` says what would go on a given day and deletes nothing; the purge
forgets the content but keeps the facts, so a student is never asked again nor shown as
waiting for a card they collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from daemon.store.db import transaction
from daemon.store.procedure import ActionKind, ProcedureActionRow
from daemon.store.schema import AuditRow, DecisionRow, DocumentRow, InboundMessageRow, OutboxRow
from tests.integration.procedure.campus import (
    Campus,
    at,
    constancia_mail,
    matriculas,
    renuncia_mail,
    roster_rows,
)

pytestmark = pytest.mark.integration

D = date
TERM, START, END = "2026-MAY-AGO", D(2026, 5, 4), D(2026, 8, 28)
ROWS = roster_rows(2, seed=17)
INSURED, WAIVED = matriculas(ROWS)


def _purge(campus: Campus, moment: str, *, dry_run: bool = False) -> dict[str, int]:
    output = campus.cli("purge", *(("--dry-run",) if dry_run else ()), "--now", moment)
    header, *rows = output.splitlines()
    assert header.split() == (["WOULD", "PURGE", "COUNT"] if dry_run else ["PURGED", "COUNT"])
    return {name: int(count) for name, count in (line.split() for line in rows)}


@pytest.fixture
def campus(tmp_path: Path) -> Iterator[Campus]:
    """One student sent a constancia, the other a waiver before the term began; both
    collected their card on 15 May 2026."""
    campus = Campus.open(tmp_path / "afilia", "ut-cuatrimestral")
    campus.cli("term", "add", TERM, "--start", START.isoformat(), "--end", END.isoformat())
    campus.import_roster(ROWS, at(D(2026, 4, 29), 10), term=TERM)
    campus.send(renuncia_mail(campus.students[WAIVED], at(D(2026, 4, 30), 10)))
    campus.intake(at(D(2026, 4, 30), 10))
    campus.send(constancia_mail(campus.students[INSURED], at(D(2026, 5, 5), 10)))
    campus.intake(at(D(2026, 5, 5), 10))
    campus.cli(
        "credenciales", "printed", "--all", "--from", "2026-05-14", "--until", "2026-05-19",
        now=at(D(2026, 5, 12), 10),
    )  # fmt: skip
    campus.cli("credenciales", "delivered", INSURED, WAIVED, now=at(D(2026, 5, 15), 11))
    campus.intake(at(D(2026, 5, 15), 11))  # sends the pickup notices
    yield campus
    campus.close()


def _files(campus: Campus) -> dict[str, str]:
    """kind -> blob digest: the two raw mails and the two documents."""
    with transaction(campus.app.sessions) as session:
        documents = dict(session.execute(select(DocumentRow.kind, DocumentRow.sha256)).all())
        mails = session.scalars(
            select(InboundMessageRow.raw_sha256).order_by(InboundMessageRow.received_at)
        ).all()
    return {"waiver_mail": mails[0], "constancia_mail": mails[1], **documents}


def _exists(campus: Campus, digest: str) -> bool:
    return campus.app.blobs.path_for(digest).exists()


def test_dry_run_names_each_record_the_day_its_retention_ends_and_deletes_nothing(
    campus: Campus,
) -> None:
    files = _files(campus)
    nothing = {
        "waivers_FOR-24-01": 0,
        "deliveries_FOR-24-02": 0,
        "raw_mails": 0,
        "sent_mails": 0,
        "files": 0,
    }
    assert _purge(campus, "2027-06-01T12:00", dry_run=True) == nothing
    # 400 days after each mail: both mails, our two replies, the constancia (not the waiver).
    raw = {**nothing, "raw_mails": 2, "sent_mails": 2, "files": 3}
    assert _purge(campus, "2027-06-10T12:00", dry_run=True) == raw
    assert _purge(campus, "2028-05-15T12:00", dry_run=True)["deliveries_FOR-24-02"] == 0
    assert _purge(campus, "2028-05-16T08:00", dry_run=True)["deliveries_FOR-24-02"] == 2
    # The waiver came before the term; it is kept 3 years after the term's end (28/08/2026).
    assert _purge(campus, "2029-08-28T12:00", dry_run=True)["waivers_FOR-24-01"] == 0
    assert _purge(campus, "2029-08-29T08:00", dry_run=True)["waivers_FOR-24-01"] == 1
    assert all(_exists(campus, digest) for digest in files.values())
    with transaction(campus.app.sessions) as session:
        purges = select(func.count()).select_from(AuditRow).where(AuditRow.action == "purge")
        assert session.scalar(purges) == 0


def test_purge_forgets_the_content_and_keeps_the_facts(campus: Campus) -> None:
    files = _files(campus)

    purged = _purge(campus, "2027-06-10T12:00")
    assert purged["raw_mails"] == 2
    assert not _exists(campus, files["waiver_mail"])
    assert not _exists(campus, files["constancia_mail"])
    assert not _exists(campus, files["constancia"])
    assert _exists(campus, files["renuncia"])  # kept for its own three years
    with transaction(campus.app.sessions) as session:
        fields = dict(session.execute(select(DocumentRow.kind, DocumentRow.fields)).all())
        answered = OutboxRow.template.in_(["waiver_received", "accepted_not_insured"])
        replies = session.scalars(select(OutboxRow.raw).where(answered)).all()
    assert fields["constancia"] == {}
    assert fields["renuncia"]["matricula"] == WAIVED
    assert replies == [b"", b""]
    assert set(_purge(campus, "2027-06-10T12:00").values()) == {0}  # nothing left to do

    assert _purge(campus, "2028-05-16T08:00")["deliveries_FOR-24-02"] == 2
    with transaction(campus.app.sessions) as session:
        deliveries = session.scalars(
            select(ProcedureActionRow).where(ProcedureActionRow.kind == str(ActionKind.DELIVERED))
        ).all()
    assert sorted(d.matricula for d in deliveries) == sorted([INSURED, WAIVED])
    assert {d.actor for d in deliveries} == {"purged"}
    # Their cards stay delivered: nobody is asked to print or hand them over again.
    assert campus.cli("credenciales", "pending") == "no cards to print or deliver\n"

    assert _purge(campus, "2029-08-29T08:00")["waivers_FOR-24-01"] == 1
    assert not _exists(campus, files["renuncia"])
    with transaction(campus.app.sessions) as session:
        waiver = select(DocumentRow.fields).where(DocumentRow.kind == "renuncia")
        assert session.scalars(waiver).one() == {}
        outcomes = sorted(session.scalars(select(DecisionRow.outcome)).all())
        audits = session.scalars(select(AuditRow.detail).where(AuditRow.action == "purge")).all()
    assert outcomes == ["accepted_not_insured", "waiver_received"]
    assert len(audits) == 3  # the empty run changed nothing and recorded nothing
