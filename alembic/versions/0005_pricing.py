"""Pricing: modifier groups and options, tax rates, preset discounts, service-charge rules;
dining options, chosen options and tax snapshots on orders; discounts, service charges and
the audit trail of a check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from restaurant_api.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discount_presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_discount_presets_discount_amount_not_negative")
        ),
        sa.CheckConstraint(
            "rate_ppm >= 0 AND rate_ppm <= 1000000",
            name=op.f("ck_discount_presets_discount_rate_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_presets")),
        sa.UniqueConstraint("name_key", name=op.f("uq_discount_presets_name_key")),
    )
    op.create_table(
        "modifier_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("min_selections", sa.Integer(), nullable=False),
        sa.Column("max_selections", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "max_selections >= 1", name=op.f("ck_modifier_groups_max_selections_positive")
        ),
        sa.CheckConstraint(
            "max_selections >= min_selections", name=op.f("ck_modifier_groups_max_not_below_min")
        ),
        sa.CheckConstraint(
            "min_selections >= 0", name=op.f("ck_modifier_groups_min_selections_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_groups")),
        sa.UniqueConstraint("name_key", name=op.f("uq_modifier_groups_name_key")),
    )
    op.create_table(
        "service_charge_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.Column("auto_min_guests", sa.Integer(), nullable=True),
        sa.Column("dining_options", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_service_charge_rules_charge_amount_not_negative")
        ),
        sa.CheckConstraint(
            "auto_min_guests IS NULL OR auto_min_guests >= 1",
            name=op.f("ck_service_charge_rules_auto_min_guests_positive"),
        ),
        sa.CheckConstraint(
            "rate_ppm >= 0 AND rate_ppm <= 1000000",
            name=op.f("ck_service_charge_rules_charge_rate_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_charge_rules")),
        sa.UniqueConstraint("name_key", name=op.f("uq_service_charge_rules_name_key")),
    )
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("inclusive", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("dining_options", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "rate_ppm >= 0 AND rate_ppm <= 1000000", name=op.f("ck_tax_rates_tax_rate_in_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint("name_key", name=op.f("uq_tax_rates_name_key")),
    )
    op.create_table(
        "category_tax_rates",
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("tax_rate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tax_rate_id"],
            ["tax_rates.id"],
            name=op.f("fk_category_tax_rates_tax_rate_id_tax_rates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category", "tax_rate_id", name=op.f("pk_category_tax_rates")),
    )
    op.create_table(
        "menu_item_modifier_groups",
        sa.Column("menu_item_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["modifier_groups.id"],
            name=op.f("fk_menu_item_modifier_groups_group_id_modifier_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["menu_item_id"],
            ["menu_items.id"],
            name=op.f("fk_menu_item_modifier_groups_menu_item_id_menu_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "menu_item_id", "group_id", name=op.f("pk_menu_item_modifier_groups")
        ),
    )
    op.create_table(
        "menu_item_tax_rates",
        sa.Column("menu_item_id", sa.Integer(), nullable=False),
        sa.Column("tax_rate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["menu_item_id"],
            ["menu_items.id"],
            name=op.f("fk_menu_item_tax_rates_menu_item_id_menu_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tax_rate_id"],
            ["tax_rates.id"],
            name=op.f("fk_menu_item_tax_rates_tax_rate_id_tax_rates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("menu_item_id", "tax_rate_id", name=op.f("pk_menu_item_tax_rates")),
    )
    op.create_table(
        "modifier_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=60), nullable=False),
        sa.Column("kitchen_name", sa.String(length=60), nullable=False),
        sa.Column("price_delta_cents", sa.BigInteger(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("is_available", sa.Boolean(), nullable=False),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["modifier_groups.id"],
            name=op.f("fk_modifier_options_group_id_modifier_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modifier_options")),
        sa.UniqueConstraint(
            "group_id", "name_key", name=op.f("uq_modifier_options_group_id_name_key")
        ),
    )
    with op.batch_alter_table("modifier_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_modifier_options_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "order_service_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.Column("tax_rates", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("remove_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_order_service_charges_order_charge_amount")
        ),
        sa.CheckConstraint(
            "rate_ppm >= 0 AND rate_ppm <= 1000000",
            name=op.f("ck_order_service_charges_order_charge_rate"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_order_service_charges_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_service_charges_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_order_service_charges_removed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["service_charge_rules.id"],
            name=op.f("fk_order_service_charges_rule_id_service_charge_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_service_charges")),
    )
    with op.batch_alter_table("order_service_charges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_service_charges_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "order_discounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("preset_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rate_ppm", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("is_comp", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("remove_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_order_discounts_order_discount_amount")
        ),
        sa.CheckConstraint(
            "rate_ppm >= 0 AND rate_ppm <= 1000000",
            name=op.f("ck_order_discounts_order_discount_rate"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_order_discounts_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_discounts_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_discounts_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["preset_id"],
            ["discount_presets.id"],
            name=op.f("fk_order_discounts_preset_id_discount_presets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_order_discounts_removed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_order_discounts_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_discounts")),
    )
    with op.batch_alter_table("order_discounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_discounts_line_id"), ["line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_discounts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_discounts_status"), ["status"], unique=False)

    op.create_table(
        "order_audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("discount_id", sa.Integer(), nullable=True),
        sa.Column("service_charge_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("total_before_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_after_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_order_audit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["users.id"],
            name=op.f("fk_order_audit_entries_approver_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["order_discounts.id"],
            name=op.f("fk_order_audit_entries_discount_id_order_discounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_audit_entries_line_id_order_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_audit_entries_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_charge_id"],
            ["order_service_charges.id"],
            name=op.f("fk_order_audit_entries_service_charge_id_order_service_charges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_audit_entries")),
    )
    with op.batch_alter_table("order_audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_audit_entries_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_order_audit_entries_order_id"), ["order_id"], unique=False
        )

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("tax_rates", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("carried", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "dining_option", sa.String(length=16), server_default="dine_in", nullable=False
            )
        )
        batch_op.add_column(sa.Column("carried_check", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("carried_check")
        batch_op.drop_column("dining_option")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("carried")
        batch_op.drop_column("tax_rates")
        batch_op.drop_column("options")

    with op.batch_alter_table("order_audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_audit_entries_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_audit_entries_created_at"))

    op.drop_table("order_audit_entries")
    with op.batch_alter_table("order_discounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_discounts_status"))
        batch_op.drop_index(batch_op.f("ix_order_discounts_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_discounts_line_id"))

    op.drop_table("order_discounts")
    with op.batch_alter_table("order_service_charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_service_charges_order_id"))

    op.drop_table("order_service_charges")
    with op.batch_alter_table("modifier_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modifier_options_group_id"))

    op.drop_table("modifier_options")
    op.drop_table("menu_item_tax_rates")
    op.drop_table("menu_item_modifier_groups")
    op.drop_table("category_tax_rates")
    op.drop_table("tax_rates")
    op.drop_table("service_charge_rules")
    op.drop_table("modifier_groups")
    op.drop_table("discount_presets")
