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

from restaurant_api import limits
from restaurant_api.api import node as node_graphql
from restaurant_api.api.cost import Feed, FeedRows, Fixed, ListBound
from restaurant_api.config import Settings
from restaurant_api.kitchen import all_day, expo_graphql
from restaurant_api.kitchen import graphql as kitchen_graphql
from restaurant_api.kitchen import metrics as kitchen_metrics
from restaurant_api.kitchen import stations as kitchen_stations
from restaurant_api.menu import graphql as menu_graphql
from restaurant_api.orders import graphql as orders_graphql
from restaurant_api.orders import service as orders_service
from restaurant_api.payments import receipts_graphql, reports_graphql
from restaurant_api.payments import service as payments_service
from restaurant_api.pricing import graphql as pricing_graphql
from restaurant_api.tables import graphql as tables_graphql
from restaurant_api.tables import service as tables_service
from restaurant_api.users import graphql as users_graphql

# Planning sizes (real caps: 200 lines per order and per ticket, 50 seats per table plus
# merged tables' seats, no cap on tickets per order; a ticket's status changes are a connection).
LINES = 50
TICKETS_PER_ORDER = 10
SEATS_PER_TABLE = 20
# Modifiers (real caps: 20 groups per item, 50 options per group).
GROUPS_PER_ITEM = 4
OPTIONS_PER_GROUP = 8
# Real caps: limits.MAX_DISCOUNTS_PER_ORDER and MAX_SERVICE_CHARGES_PER_ORDER.
DISCOUNTS_PER_ORDER = 10
SERVICE_CHARGES_PER_ORDER = 5
# Tax rates on one check: a few per line (real cap: 10 per item or category, so a check
# has at most that many per line times its lines; in practice two or three in all).
TAXES_PER_CHECK = 4
# Payments on one check (real cap: limits.MAX_PAYMENTS_PER_ORDER, voided ones included).
PAYMENTS_PER_ORDER = 8


def list_bounds(settings: Settings) -> dict[str, ListBound]:
    lines = Fixed(LINES)
    modifiers = Fixed(orders_service.MAX_MODIFIERS)
    options = Fixed(orders_service.MAX_OPTIONS_PER_LINE)
    seats = Fixed(SEATS_PER_TABLE)
    snapshot = Fixed(max(settings.subscription_snapshot_max, settings.subscription_queue_size))
    tables = Fixed(tables_graphql.TABLES_LISTED)
    pricing_rows = Fixed(limits.MAX_PRICING_ROWS)
    dining_options = Fixed(len(pricing_graphql.DiningOption))
    return {
        # Root lists.
        "Query.nodes": Fixed(node_graphql.MAX_NODES),
        "Query.invitations": users_graphql.INVITATIONS_PAGE,
        "Query.menu": menu_graphql.MENU_PAGE,
        "Query.modifierGroups": menu_graphql.MODIFIER_GROUPS_PAGE,
        "Query.kitchenTickets": kitchen_graphql.TICKETS_PAGE,
        "Query.kitchenStations": Fixed(kitchen_stations.MAX_STATIONS),
        "Query.kitchenRoutes": Fixed(kitchen_stations.MAX_ROUTES),
        "KitchenStationsPayload.stations": Fixed(kitchen_stations.MAX_STATIONS),
        "Query.orders": orders_graphql.ORDERS_PAGE,
        "Query.tables": tables,
        "Query.availableTables": tables,
        "Query.occupiedTables": tables,
        # Menu.
        "MenuItem.modifierGroups": Fixed(GROUPS_PER_ITEM),
        "ModifierGroup.options": Fixed(OPTIONS_PER_GROUP),
        # Orders and kitchen.
        "Order.lines": lines,
        "Order.tickets": Fixed(TICKETS_PER_ORDER),
        "Order.discounts": Fixed(DISCOUNTS_PER_ORDER),
        "Order.serviceCharges": Fixed(SERVICE_CHARGES_PER_ORDER),
        "Order.auditTrail": orders_graphql.ORDERS_PAGE,
        "Order.payments": Fixed(PAYMENTS_PER_ORDER),
        "Check.lines": lines,
        "Check.discounts": Fixed(DISCOUNTS_PER_ORDER),
        "Check.serviceCharges": Fixed(SERVICE_CHARGES_PER_ORDER),
        "Check.taxes": Fixed(TAXES_PER_CHECK),
        "SplitAmounts.taxes": Fixed(TAXES_PER_CHECK),
        "OrderLine.modifiers": modifiers,
        "OrderLine.options": options,
        "KitchenTicket.lines": lines,
        "TicketLine.modifiers": modifiers,
        "TicketLine.options": options,
        "TicketsPayload.tickets": Fixed(TICKETS_PER_ORDER),
        # Expo and all-day counts (kitchen.expo, kitchen.all_day).
        "Query.expoOrders": expo_graphql.EXPO_PAGE,
        "ExpoOrder.tickets": Fixed(TICKETS_PER_ORDER),
        "ExpoOrder.stationsWorking": Fixed(TICKETS_PER_ORDER),
        "AllDayCounts.counts": Fixed(all_day.MAX_ALL_DAY_ROWS),
        "AllDayCount.options": options,
        "FireCoursePayload.tickets": Fixed(TICKETS_PER_ORDER),
        "Order.courses": Fixed(limits.MAX_COURSE),
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
        "KitchenAlertsUpdate.alerts": snapshot,
        # Kitchen metrics of a day: stations, their hours, the late tickets listed.
        "KitchenMetrics.stations": Fixed(kitchen_metrics.MAX_STATIONS),
        "KitchenStationMetrics.hours": Fixed(kitchen_metrics.MAX_HOURS),
        "KitchenMetrics.lateTickets": Fixed(kitchen_metrics.MAX_LATE_LISTED),
        "OrdersUpdate.orders": FeedRows(),
        "OrdersUpdate.removedOrderIds": FeedRows(),
        "TablesUpdate.tables": snapshot,
        "TablesUpdate.removedTableIds": snapshot,
        # Pricing configuration: at most MAX_PRICING_ROWS rows of each kind, a few dining
        # options, at most MAX_TAX_RATES_PER_TARGET rates set at once; the items and
        # categories a rate is assigned to are a planning size (a menu page).
        "Query.taxRates": pricing_rows,
        "Query.discountPresets": pricing_rows,
        "Query.serviceChargeRules": pricing_rows,
        "TaxRate.diningOptions": dining_options,
        "TaxRate.menuItemIds": Fixed(menu_graphql.MENU_PAGE.maximum),
        "TaxRate.categories": Fixed(pricing_graphql.CATEGORIES_PER_RATE),
        "ServiceChargeRule.diningOptions": dining_options,
        "MenuItemTaxRatesPayload.taxRates": Fixed(limits.MAX_TAX_RATES_PER_TARGET),
        "CategoryTaxRatesPayload.taxRates": Fixed(limits.MAX_TAX_RATES_PER_TARGET),
        # Tips and refunds: real caps enforced by the payments services.
        "Query.tipsByStaff": Fixed(payments_service.MAX_STAFF_LINES),
        "Query.refunds": Fixed(payments_service.MAX_REFUNDS_PER_PAYMENT),
        "Query.tipAdjustments": Fixed(payments_service.MAX_TIP_ADJUSTMENTS),
        # Business-day reports: one report, its blocks a planning size (no cap per day).
        **{
            f"DayReport.{name}": Fixed(reports_graphql.REPORT_ROWS)
            for name in [
                "items",
                "categories",
                "discounts",
                "voids",
                "serviceCharges",
                "taxes",
                "tenders",
                "tips",
                "refunds",
                "openCheckIds",
            ]
        },
        # Receipts: a check's lines, adjustments, taxes and payments.
        "Receipt.lines": lines,
        "Receipt.checkDiscounts": Fixed(DISCOUNTS_PER_ORDER),
        "Receipt.serviceCharges": Fixed(SERVICE_CHARGES_PER_ORDER),
        "Receipt.taxes": Fixed(TAXES_PER_CHECK),
        "Receipt.payments": Fixed(receipts_graphql.PAYMENTS_PER_RECEIPT),
        "ReceiptLine.options": options,
        "ReceiptLine.modifiers": modifiers,
        "ReceiptLine.discounts": Fixed(DISCOUNTS_PER_ORDER),
    }
