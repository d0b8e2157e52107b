"""students' emails stored lowercased, so the sender lookup uses the column indexes

Until this version the lookup compared lower(column) and scanned the whole roster (25 ms
per mail at 50,000 students). The roster import already lowercased what it wrote; rows
written any other way are lowercased here, and every later write is (schema.EmailAddress).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_STUDENTS = sa.table(
    "students",
    sa.column("matricula", sa.String),
    sa.column("email_institucional", sa.String),
    sa.column("email_personal", sa.String),
)


def upgrade() -> None:
    # Lowercased in Python, as every later write is: SQLite's lower() folds ASCII only.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            _STUDENTS.c.matricula, _STUDENTS.c.email_institucional, _STUDENTS.c.email_personal
        )
    ).all()
    changed = [
        {"key": matricula, "institucional": _folded(inst), "personal": _folded(pers)}
        for matricula, inst, pers in rows
        if (inst, pers) != (_folded(inst), _folded(pers))
    ]
    if changed:
        connection.execute(
            _STUDENTS.update()
            .where(_STUDENTS.c.matricula == sa.bindparam("key"))
            .values(
                email_institucional=sa.bindparam("institucional"),
                email_personal=sa.bindparam("personal"),
            ),
            changed,
        )


def _folded(address: str | None) -> str | None:
    return None if address is None else address.strip().lower()


def downgrade() -> None:
    pass  # lowercase addresses are what every earlier version reads correctly
