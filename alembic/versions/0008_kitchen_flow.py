"""Kitchen flow: stations and routing rules as data, courses held and fired, prep-time
targets and late tickets, item-level bumps, expo pickup.

Existing data keeps working as before: the three stations the code used to derive
(kitchen, bar, pastry) become rows, with the category rules the code hard-coded; every
ticket points at its station, was fired when created, and every item is a first course.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from restaurant_api.db import UTCDateTime, utcnow

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stations and category rules that were hard-coded in kitchen/service.py up to 0007.
_STATIONS = (("kitchen", 0, True), ("bar", 1, False), ("pastry", 2, False))
_CATEGORY_RULES = {
    "drinks": "bar",
    "drink": "bar",
    "beverages": "bar",
    "beverage": "bar",
    "bar": "bar",
    "cocktails": "bar",
    "wine": "bar",
    "beer": "bar",
    "desserts": "pastry",
    "dessert": "pastry",
    "pastry": "pastry",
}


def _create_tables() -> None:
    stations = op.create_table(
        "kitchen_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=40), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("is_expo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default_prep_minutes", sa.Integer(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kitchen_stations")),
        sa.UniqueConstraint("name_key", name=op.f("uq_kitchen_stations_name_key")),
    )
    routes = op.create_table(
        "kitchen_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("category_key", sa.String(length=60), nullable=True),
        sa.Column("menu_item_id", sa.Integer(), nullable=True),
        sa.Column("modifier_option_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN category_key IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN menu_item_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN modifier_option_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_kitchen_routes_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["menu_item_id"],
            ["menu_items.id"],
            name=op.f("fk_kitchen_routes_menu_item_id_menu_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["modifier_option_id"],
            ["modifier_options.id"],
            name=op.f("fk_kitchen_routes_modifier_option_id_modifier_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["kitchen_stations.id"],
            name=op.f("fk_kitchen_routes_station_id_kitchen_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kitchen_routes")),
        sa.UniqueConstraint("category_key", name=op.f("uq_kitchen_routes_category_key")),
        sa.UniqueConstraint("menu_item_id", name=op.f("uq_kitchen_routes_menu_item_id")),
        sa.UniqueConstraint(
            "modifier_option_id", name=op.f("uq_kitchen_routes_modifier_option_id")
        ),
    )
    op.create_index(
        op.f("ix_kitchen_routes_station_id"), "kitchen_routes", ["station_id"], unique=False
    )
    now = utcnow()
    op.bulk_insert(
        stations,
        [
            {
                "id": number + 1,
                "name": name,
                "name_key": name,
                "display_order": number,
                "is_expo": False,
                "is_default": is_default,
                "default_prep_minutes": None,
                "retired_at": None,
                "created_at": now,
                "updated_at": now,
            }
            for name, number, is_default in _STATIONS
        ],
    )
    station_ids = {name: number + 1 for name, number, _ in _STATIONS}
    op.bulk_insert(
        routes,
        [
            {"station_id": station_ids[station], "category_key": category, "created_at": now}
            for category, station in _CATEGORY_RULES.items()
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above: move the sequence past them.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('kitchen_stations', 'id'), "
            "(SELECT max(id) FROM kitchen_stations))"
        )


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("kitchen_ticket_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prep_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ready_at", UTCDateTime(), nullable=True))

    with op.batch_alter_table("kitchen_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("course", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("fired_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("late_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ready_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("served_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("pickup_ready_at", UTCDateTime(), nullable=True))

    # Every ticket so far was fired when created; ready and served times come from the
    # stored timeline (the last time it entered that status), so metrics cover old days.
    op.execute(
        "UPDATE kitchen_tickets SET station_id = COALESCE("
        "(SELECT s.id FROM kitchen_stations s WHERE s.name_key = lower(kitchen_tickets.station)),"
        " (SELECT s.id FROM kitchen_stations s WHERE s.is_default)),"
        " fired_at = created_at"
    )
    for status in ("ready", "served"):
        reached = "('ready', 'served')" if status == "ready" else "('served')"
        op.execute(
            f"UPDATE kitchen_tickets SET {status}_at = (SELECT max(e.at) FROM "
            "kitchen_ticket_events e WHERE e.ticket_id = kitchen_tickets.id "
            f"AND e.status = '{status}') WHERE status IN {reached}"
        )

    with op.batch_alter_table("kitchen_tickets", schema=None) as batch_op:
        batch_op.alter_column("station_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_kitchen_tickets_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kitchen_tickets_station_id"), ["station_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_kitchen_tickets_station_id_kitchen_stations"),
            "kitchen_stations",
            ["station_id"],
            ["id"],
        )

    with op.batch_alter_table("menu_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_course", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("prep_minutes", sa.Integer(), nullable=True))

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("course")

    with op.batch_alter_table("menu_items", schema=None) as batch_op:
        batch_op.drop_column("prep_minutes")
        batch_op.drop_column("default_course")

    # Held tickets were never fired: before this revision they did not exist.
    op.execute("DELETE FROM kitchen_tickets WHERE status = 'held'")
    with op.batch_alter_table("kitchen_tickets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_kitchen_tickets_station_id_kitchen_stations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_kitchen_tickets_station_id"))
        batch_op.drop_index(batch_op.f("ix_kitchen_tickets_due_at"))
        batch_op.drop_column("pickup_ready_at")
        batch_op.drop_column("served_at")
        batch_op.drop_column("ready_at")
        batch_op.drop_column("late_at")
        batch_op.drop_column("due_at")
        batch_op.drop_column("fired_at")
        batch_op.drop_column("course")
        batch_op.drop_column("station_id")

    with op.batch_alter_table("kitchen_ticket_lines", schema=None) as batch_op:
        batch_op.drop_column("ready_at")
        batch_op.drop_column("prep_minutes")

    op.drop_index(op.f("ix_kitchen_routes_station_id"), table_name="kitchen_routes")
    op.drop_table("kitchen_routes")
    op.drop_table("kitchen_stations")
