"""Imports every table so that `SQLModel.metadata` is complete (Alembic, tests)."""

from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketEvent
from restaurant_api.menu.models import MenuItem
from restaurant_api.orders.models import IdempotencyRecord, Order, OrderLine
from restaurant_api.tables.models import DiningTable, Seat
from restaurant_api.users.models import Invitation, LoginAttempt, LoginLockout, RefreshToken, User

__all__ = [
    "DiningTable",
    "IdempotencyRecord",
    "Invitation",
    "KitchenTicket",
    "KitchenTicketLine",
    "LoginAttempt",
    "LoginLockout",
    "MenuItem",
    "Order",
    "OrderLine",
    "RefreshToken",
    "Seat",
    "TicketEvent",
    "User",
]
