"""Response cache generations: one PostgreSQL sequence per topic (restaurant_api.generations).

Sequences, not a table: `nextval` is not transactional, needs no row lock and is visible to
every session as soon as it returns, which is what the cache's ordering argument needs.
SQLite (one process) keeps its generations in memory: nothing to create.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed here (a migration must not change when the code does): restaurant_api.generations
# checks that its topics are these.
TOPICS = ("menu", "order", "kitchen_ticket", "table", "user")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for topic in TOPICS:
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS cache_generation_{topic}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for topic in TOPICS:
        op.execute(f"DROP SEQUENCE IF EXISTS cache_generation_{topic}")
