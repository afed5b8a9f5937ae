"""The size bound of every list field of the GraphQL schema, for the cost check.

Pages (`first`) are declared by the domain that resolves them and enforced by it. Nested
lists carry a static bound: the size the cost model plans with. Where the real business
cap is small it is the bound; where it is large but rarely approached (200 lines per
order), the bound is a planning size, and multiplying the real caps down the nesting
(tickets x lines) would refuse ordinary screens. The caps themselves are enforced by the
services and listed in the README. A test walks the schema and fails on any list field
missing here; the `edges` of a Relay connection take the connection's `first`.
"""

from __future__ import annotations

from restaurant_api.api import node as node_graphql
from restaurant_api.api.cost import Feed, FeedRows, Fixed, ListBound
from restaurant_api.config import Settings
from restaurant_api.kitchen import graphql as kitchen_graphql
from restaurant_api.menu import graphql as menu_graphql
from restaurant_api.orders import graphql as orders_graphql
from restaurant_api.orders import service as orders_service
from restaurant_api.tables import graphql as tables_graphql
from restaurant_api.tables import service as tables_service
from restaurant_api.users import graphql as users_graphql

# Planning sizes (real caps: 200 lines per order and per ticket, 50 seats per table plus
# merged tables' seats, no cap on tickets per order; a ticket's status changes are a connection).
LINES = 50
TICKETS_PER_ORDER = 10
SEATS_PER_TABLE = 20
# Real caps: limits.MAX_DISCOUNTS_PER_ORDER and MAX_SERVICE_CHARGES_PER_ORDER.
DISCOUNTS_PER_ORDER = 10
SERVICE_CHARGES_PER_ORDER = 5


def list_bounds(settings: Settings) -> dict[str, ListBound]:
    lines = Fixed(LINES)
    modifiers = Fixed(orders_service.MAX_MODIFIERS)
    seats = Fixed(SEATS_PER_TABLE)
    snapshot = Fixed(max(settings.subscription_snapshot_max, settings.subscription_queue_size))
    tables = Fixed(tables_graphql.TABLES_LISTED)
    return {
        # Root lists.
        "Query.nodes": Fixed(node_graphql.MAX_NODES),
        "Query.invitations": users_graphql.INVITATIONS_PAGE,
        "Query.menu": menu_graphql.MENU_PAGE,
        "Query.kitchenTickets": kitchen_graphql.TICKETS_PAGE,
        "Query.orders": orders_graphql.ORDERS_PAGE,
        "Query.tables": tables,
        "Query.availableTables": tables,
        "Query.occupiedTables": tables,
        # Orders and kitchen.
        "Order.lines": lines,
        "Order.tickets": Fixed(TICKETS_PER_ORDER),
        "Order.discounts": Fixed(DISCOUNTS_PER_ORDER),
        "Order.serviceCharges": Fixed(SERVICE_CHARGES_PER_ORDER),
        "Order.auditTrail": orders_graphql.ORDERS_PAGE,
        "OrderLine.modifiers": modifiers,
        "KitchenTicket.lines": lines,
        "TicketLine.modifiers": modifiers,
        "TicketsPayload.tickets": Fixed(TICKETS_PER_ORDER),
        # Tables, seats and splits.
        "Table.seats": seats,
        "SplitPreview.shares": Fixed(tables_service.MAX_SPLIT_WAYS),
        "SplitShareType.lineIndexes": Fixed(orders_service.MAX_LINES),
        "SplitBillPayload.orders": Fixed(tables_service.MAX_SPLIT_WAYS),
        # Subscription messages: a snapshot holds at most `subscription_snapshot_max` rows
        # (more is an error), a batch of changes at most one row per queued event; one
        # followed order is one row.
        "Subscription.orderUpdates": Feed(snapshot.maximum, argument="orderId"),
        "KitchenTicketsUpdate.tickets": snapshot,
        "KitchenTicketsUpdate.removedTicketIds": snapshot,
        "OrdersUpdate.orders": FeedRows(),
        "OrdersUpdate.removedOrderIds": FeedRows(),
        "TablesUpdate.tables": snapshot,
        "TablesUpdate.removedTableIds": snapshot,
    }
