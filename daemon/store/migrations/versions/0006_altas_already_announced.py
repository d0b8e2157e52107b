"""altas announced before paso 5's portal check existed count as verified

Until this version the student was told of the alta the moment staff registered it. Those
students already got their notice: record the portal check as done for them (at the
moment of the alta), so the digest does not ask staff to verify altas of past terms and
nobody is told twice.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANNOUNCED = """
INSERT INTO procedure_actions (matricula, kind, at, actor, batch_id, note)
SELECT a.matricula, 'alta_verified', a.at, 'migration:0006', NULL,
       'avisado al registrar el alta, antes de la verificación en el portal'
FROM procedure_actions a
WHERE a.kind = 'alta_done'
  AND EXISTS (
    SELECT 1 FROM outbox o WHERE o.dedupe_key = 'alta_done:' || a.matricula || ':' || a.id
  )
  AND NOT EXISTS (
    SELECT 1 FROM procedure_actions v
    WHERE v.kind = 'alta_verified' AND v.matricula = a.matricula AND v.at >= a.at
  )
"""


def upgrade() -> None:
    op.execute(sa.text(_ANNOUNCED))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM procedure_actions WHERE actor = 'migration:0006'"))
