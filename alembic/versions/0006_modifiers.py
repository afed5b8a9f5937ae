"""Kitchen ticket lines keep the kitchen names of the options chosen, as fired.

A ticket line is a copy of its order line at firing time (a changed line is voided and
fired again), so the options it printed are copied with it, like its name and modifiers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kitchen_ticket_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("kitchen_ticket_lines", schema=None) as batch_op:
        batch_op.drop_column("options")
