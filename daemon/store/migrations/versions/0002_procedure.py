"""procedure: staff actions (altas, bajas, FOR-24-02 deliveries, resellos), credential batches

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pickup_from", sa.Date(), nullable=False),
        sa.Column("pickup_until", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_credential_batches_printed_at", "credential_batches", ["printed_at"], unique=False
    )
    op.create_table(
        "procedure_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matricula", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["credential_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_procedure_actions_matricula", "procedure_actions", ["matricula"])
    op.create_index("ix_procedure_actions_kind", "procedure_actions", ["kind"])
    op.create_index("ix_procedure_actions_at", "procedure_actions", ["at"])
    op.create_table(
        "credential_prints",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("matricula", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["credential_batches.id"]),
        sa.PrimaryKeyConstraint("batch_id", "matricula"),
    )
    op.create_index("ix_credential_prints_matricula", "credential_prints", ["matricula"])


def downgrade() -> None:
    op.drop_index("ix_credential_prints_matricula", table_name="credential_prints")
    op.drop_table("credential_prints")
    op.drop_index("ix_procedure_actions_at", table_name="procedure_actions")
    op.drop_index("ix_procedure_actions_kind", table_name="procedure_actions")
    op.drop_index("ix_procedure_actions_matricula", table_name="procedure_actions")
    op.drop_table("procedure_actions")
    op.drop_index("ix_credential_batches_printed_at", table_name="credential_batches")
    op.drop_table("credential_batches")
