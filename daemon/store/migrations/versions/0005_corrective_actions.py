"""corrective actions: what staff did about each salida no conforme (PAB-24 paso 12)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matricula", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrective_actions_matricula", "corrective_actions", ["matricula"])
    op.create_index("ix_corrective_actions_at", "corrective_actions", ["at"])


def downgrade() -> None:
    op.drop_index("ix_corrective_actions_at", table_name="corrective_actions")
    op.drop_index("ix_corrective_actions_matricula", table_name="corrective_actions")
    op.drop_table("corrective_actions")
