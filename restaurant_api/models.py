"""Imports every table so that `SQLModel.metadata` is complete (Alembic, tests)."""

from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketEvent
from restaurant_api.menu.models import (
    MenuItem,
    MenuItemModifierGroup,
    ModifierGroup,
    ModifierOption,
)
from restaurant_api.orders.models import (
    IdempotencyRecord,
    Order,
    OrderAuditEntry,
    OrderDiscount,
    OrderLine,
    OrderServiceCharge,
)
from restaurant_api.payments.models import BusinessDay, Payment, Refund, TipAdjustment
from restaurant_api.pricing.models import (
    CategoryTaxRate,
    DiscountPreset,
    MenuItemTaxRate,
    ServiceChargeRule,
    TaxRate,
)
from restaurant_api.tables.models import DiningTable, Seat
from restaurant_api.users.models import Invitation, LoginAttempt, LoginLockout, RefreshToken, User

__all__ = [
    "BusinessDay",
    "CategoryTaxRate",
    "DiningTable",
    "DiscountPreset",
    "IdempotencyRecord",
    "Invitation",
    "KitchenTicket",
    "KitchenTicketLine",
    "LoginAttempt",
    "LoginLockout",
    "MenuItem",
    "MenuItemModifierGroup",
    "MenuItemTaxRate",
    "ModifierGroup",
    "ModifierOption",
    "Order",
    "OrderAuditEntry",
    "OrderDiscount",
    "OrderLine",
    "OrderServiceCharge",
    "Payment",
    "RefreshToken",
    "Refund",
    "Seat",
    "ServiceChargeRule",
    "TaxRate",
    "TicketEvent",
    "TipAdjustment",
    "User",
]
