"""The procedure's own records: what staff did (altas, bajas, deliveries, resellos) and the
credential batches they printed. Everything else about a student's standing is derived from
the intake ``decisions``; see ``daemon.services.procedure_actions.load_cases``.

The delivery actions are the FOR-24-02 delivery log (who, when, by whom), purged after the
retention the profile sets.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from daemon.store.schema import Base


class ActionKind(StrEnum):
    ALTA_DONE = "alta_done"
    ALTA_VERIFIED = "alta_verified"  # paso 5: seen on the IMSS portal; the student is told
    ALTA_NOT_SHOWING = "alta_not_showing"  # not on the portal: the alta is pending again
    BAJA_DONE = "baja_done"
    DELIVERED = "delivered"  # FOR-24-02
    RESELLO_DONE = "resello_done"
    REPOSICION_PAID = "reposicion_paid"  # policy 4.4: a duplicate card, paid


class ProcedureActionRow(Base):
    __tablename__ = "procedure_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matricula: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(320))  # staff address, or "cli:<user>"
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("credential_batches.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CredentialBatchRow(Base):
    __tablename__ = "credential_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    printed_at: Mapped[datetime] = mapped_column(index=True)
    pickup_from: Mapped[date] = mapped_column(Date)
    pickup_until: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(320))


class CredentialPrintRow(Base):
    __tablename__ = "credential_prints"

    batch_id: Mapped[int] = mapped_column(ForeignKey("credential_batches.id"), primary_key=True)
    matricula: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class CorrectiveActionRow(Base):
    """PAB-24 paso 12: what staff did about one salida no conforme (an alta not done or a
    credential not delivered in time), who did it and when. Kept with the procedure's
    records; the digest follows up on the salidas that have none, or whose fault remains."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matricula: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # OverdueKind: "alta" or "credencial"
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(320))  # staff address, or "cli:<user>"
    at: Mapped[datetime] = mapped_column(index=True)
