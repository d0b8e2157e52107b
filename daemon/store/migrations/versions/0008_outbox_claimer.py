"""outbox.claimed_by: who holds a row's short lease, so only its heartbeat renews it

The outbox claim was a fixed 300 s, so replies claimed by a killed daemon waited five
minutes. It is now a lease of a few seconds on the database's clock that the claiming
process renews while it sends; the column says whose lease it is.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
