"""GraphQL types and fields for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from restaurant_api.api.graphql import (
    Context,
    IsAuthenticated,
    Money,
    described_enum,
    from_row,
)
from restaurant_api.api.node import (
    Node,
    decode_id,
    decode_optional_id,
    loaded_as,
    optional_global_id,
    register_node,
    to_global_id,
)
from restaurant_api.api.pagination import (
    CONNECTION_PAGE,
    After,
    First,
    after_id_page,
    connection_type,
    decode_time_id_cursor,
    id_connection_page,
    time_id_cursor,
)
from restaurant_api.api.response_cache import staff_read
from restaurant_api.kitchen.courses_graphql import OrderCourseType
from restaurant_api.kitchen.graphql import KitchenTicketType
from restaurant_api.menu import loaders as menu_loaders
from restaurant_api.menu.graphql import MenuItemType
from restaurant_api.orders import loaders, service
from restaurant_api.orders.adjustments_graphql import (
    OrderAuditConnection,
    OrderAuditEntryType,
    OrderDiscountType,
    OrderServiceChargeType,
)
from restaurant_api.orders.check_graphql import CheckType
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import order_total_cents
from restaurant_api.payments import loaders as payments_loaders
from restaurant_api.payments import service as payments_service
from restaurant_api.payments.graphql import PaymentType
from restaurant_api.pricing import service as pricing
from restaurant_api.pricing.graphql import DiningOptionType
from restaurant_api.tables import loaders as tables_loaders
from restaurant_api.tables.graphql import TableType

OrderStatusType = described_enum(OrderStatus, description="Lifecycle of an order.")


@strawberry.type(
    name="SelectedOption",
    description="A modifier option chosen on a line, copied at order time (menu edits never "
    "change a placed line).",
)
class SelectedOptionType:
    group: str = strawberry.field(description="Name of its modifier group, e.g. Temperature.")
    name: str = strawberry.field(description="Name of the option, e.g. Medium rare.")
    kitchen_name: str = strawberry.field(description="What the kitchen ticket prints.")
    option_db_id: strawberry.Private[int]
    price_delta_cents: strawberry.Private[int]

    @strawberry.field(
        description="Global id of the option chosen (it may since have been deleted)."
    )
    def option_id(self) -> strawberry.ID:
        return to_global_id("ModifierOption", self.option_db_id)

    @strawberry.field(
        description="What it added to the unit price; negative for a credit (no cheese)."
    )
    def price_delta(self, info: Info[Context, None]) -> Money:
        return Money.from_cents(self.price_delta_cents, info.context.settings.currency)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SelectedOptionType:
        return cls(
            group=data["group"],
            name=data["name"],
            kitchen_name=data["kitchen_name"],
            option_db_id=data["option_id"],
            price_delta_cents=data["price_delta_cents"],
        )


@strawberry.type(name="OrderLine", description="One line of an order.")
class OrderLineType(Node):
    database_id: int = strawberry.field(description="The integer id of the line.")
    position: int = strawberry.field(description="Index of the line within its order, from 0.")
    name: str = strawberry.field(description="Name, copied at order time.")
    category: str = strawberry.field(description="Category, copied at order time.")
    quantity: int = strawberry.field(description="How many.")
    modifiers: list[str] = strawberry.field(description="Modifiers, e.g. 'no onions'.")
    seat_number: int | None = strawberry.field(description="Seat the item is for.")
    note: str | None = strawberry.field(description="Note for the kitchen.")
    course: int = strawberry.field(
        description="Its course: 1 starters, 2 mains, 3 desserts, ... (later courses wait, "
        "held, until fired)."
    )
    unit_price_cents: strawberry.Private[int]
    menu_item_db_id: strawberry.Private[int | None]
    order_db_id: strawberry.Private[int]
    chosen_options: strawberry.Private[list[dict[str, Any]]]

    @strawberry.field(
        description="Global id of the menu item ordered; null for an open item "
        "(or a deleted menu item)."
    )
    def menu_item_id(self) -> strawberry.ID | None:
        return optional_global_id("MenuItem", self.menu_item_db_id)

    @strawberry.field(description="Global id of the order the line belongs to.")
    def order_id(self) -> strawberry.ID:
        return to_global_id("Order", self.order_db_id)

    @strawberry.field(description="Price of one unit, copied at order time.")
    def unit_price(self, info: Info[Context, None]) -> Money:
        return Money.from_cents(self.unit_price_cents, info.context.settings.currency)

    @strawberry.field(description="Unit price times quantity.")
    def line_total(self, info: Info[Context, None]) -> Money:
        return Money.from_cents(
            self.unit_price_cents * self.quantity, info.context.settings.currency
        )

    @strawberry.field(description="The menu item as it is now, if it still exists.")
    async def menu_item(self, info: Info[Context, None]) -> MenuItemType | None:
        if self.menu_item_db_id is None:
            return None
        item = await menu_loaders.menu_item_by_id(self.context(info)).load(self.menu_item_db_id)
        return MenuItemType.from_model(item, info.context.settings.currency) if item else None

    @strawberry.field(
        description="Modifier options chosen, in menu order; the unit price includes their "
        "price deltas."
    )
    def options(self) -> list[SelectedOptionType]:
        return [SelectedOptionType.from_json(option) for option in self.chosen_options]

    @classmethod
    def from_model(cls, line: OrderLine, event_context: Context | None = None) -> OrderLineType:
        return from_row(
            cls, line, event_context=event_context, chosen_options=list(line.options or ())
        )


@strawberry.type(name="Order", description="A table's (or a counter) order.")
class OrderType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    status: OrderStatusType = strawberry.field(description="open, closed, cancelled or split.")
    customer_count: int = strawberry.field(description="Number of guests.")
    special_requests: str | None = strawberry.field(description="Requests for the whole order.")
    version: int = strawberry.field(
        description="Increments on every change; send it back to detect concurrent edits."
    )
    payment_method: str | None = strawberry.field(description="How it was paid (when closed).")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    created_at: datetime = strawberry.field(description="When it was placed (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    closed_at: datetime | None = strawberry.field(description="When it was closed or cancelled.")
    tip_cents: strawberry.Private[int]
    table_db_id: strawberry.Private[int | None]
    created_by_db_id: strawberry.Private[int | None]
    dining_option_value: strawberry.Private[str]

    @strawberry.field(description="Global id of the table it is seated at, if any.")
    def table_id(self) -> strawberry.ID | None:
        return optional_global_id("Table", self.table_db_id)

    @strawberry.field(description="Global id of the staff member who placed it.")
    def created_by_id(self) -> strawberry.ID | None:
        return optional_global_id("User", self.created_by_db_id)

    @strawberry.field(description="The lines, in position order.")
    async def lines(self, info: Info[Context, None]) -> list[OrderLineType]:
        return await self.nested(
            info, loaders.lines_by_order, self.database_id, OrderLineType.from_model
        )

    @strawberry.field(description="Sum of the lines, exact.")
    async def total(self, info: Info[Context, None]) -> Money:
        lines = await loaders.lines_by_order(self.context(info)).load(self.database_id)
        return Money.from_cents(order_total_cents(lines), info.context.settings.currency)

    @strawberry.field(description="Dine-in, takeout or delivery: which taxes apply.")
    def dining_option(self) -> DiningOptionType:
        return DiningOptionType(self.dining_option_value)

    @strawberry.field(
        description="The check: subtotal, discounts, service charges, taxes per rate and "
        "total, line by line, exact."
    )
    async def check(self, info: Info[Context, None]) -> CheckType:
        check = await loaders.check_by_order(self.context(info)).load(self.database_id)
        if check is None:  # deleted meanwhile: an empty check rather than an error
            check = pricing.price_check([])
        return CheckType.from_check(check, info.context.settings.currency, keyed_by_id=True)

    @strawberry.field(description="Tip added when the order was closed.")
    def tip(self, info: Info[Context, None]) -> Money:
        return Money.from_cents(self.tip_cents, info.context.settings.currency)

    @strawberry.field(description="The table, if the order is seated.")
    async def table(self, info: Info[Context, None]) -> TableType | None:
        return await self.nested_one(
            info, tables_loaders.table_by_id, self.table_db_id, TableType.from_model
        )

    @strawberry.field(description="Kitchen tickets of the order, in firing order.")
    async def tickets(self, info: Info[Context, None]) -> list[KitchenTicketType]:
        return await self.nested(
            info, loaders.tickets_by_order, self.database_id, KitchenTicketType.from_model
        )

    @strawberry.field(
        description="The order's courses in course order: held until fired (fireCourse), "
        "then fired, ready, served."
    )
    async def courses(self, info: Info[Context, None]) -> list[OrderCourseType]:
        tickets = await loaders.tickets_by_order(self.context(info)).load(self.database_id)
        return OrderCourseType.for_tickets(tickets)

    @strawberry.field(
        description="Discounts and comps asked for or applied, any status, oldest first "
        "(what each takes off is in the check)."
    )
    async def discounts(self, info: Info[Context, None]) -> list[OrderDiscountType]:
        loader = loaders.adjustments_by_order(self.context(info))
        discounts, _ = await loader.load(self.database_id)
        currency = info.context.settings.currency
        return [OrderDiscountType.from_model(d, currency) for d in discounts]

    @strawberry.field(description="Service charges added or removed, any status, oldest first.")
    async def service_charges(self, info: Info[Context, None]) -> list[OrderServiceChargeType]:
        _, charges = await loaders.adjustments_by_order(self.context(info)).load(self.database_id)
        currency = info.context.settings.currency
        return [OrderServiceChargeType.from_model(c, currency) for c in charges]

    @strawberry.field(
        description="Every discount, comp, void and service-charge change, oldest first, with "
        "the check's total before and after (managers and admins; PERMISSION_DENIED otherwise)."
    )
    async def audit_trail(
        self, info: Info[Context, None], first: First = CONNECTION_PAGE.default, after: After = None
    ) -> OrderAuditConnection:
        after_id = after_id_page(first, after)
        async with info.context.use_session() as session:
            entries = await service.audit_trail(
                session,
                actor=info.context.user,
                order_id=self.database_id,
                limit=first + 1,
                after_id=after_id,
            )
        currency = info.context.settings.currency
        return id_connection_page(
            OrderAuditConnection,
            entries,
            first,
            lambda entry: OrderAuditEntryType.from_model(entry, currency),
            has_previous_page=after is not None,
        )

    # --- the ledger (payments domain) ---

    @strawberry.field(description="Payments against this check, voided ones too, oldest first.")
    async def payments(self, info: Info[Context, None]) -> list[PaymentType]:
        rows = await payments_loaders.payments_by_order(self.context(info)).load(self.database_id)
        currency = info.context.settings.currency
        return [PaymentType.from_model(payment, currency) for payment in rows]

    @strawberry.field(description="Sum of the amounts of its captured payments (tips apart).")
    async def paid_total(self, info: Info[Context, None]) -> Money:
        rows = await payments_loaders.payments_by_order(self.context(info)).load(self.database_id)
        return Money.from_cents(payments_service.paid_total(rows), info.context.settings.currency)

    @strawberry.field(description="Sum of the tips of its captured payments.")
    async def tip_total(self, info: Info[Context, None]) -> Money:
        rows = await payments_loaders.payments_by_order(self.context(info)).load(self.database_id)
        return Money.from_cents(payments_service.tip_total(rows), info.context.settings.currency)

    @strawberry.field(
        description="What is left to pay: the check's total less its captured payments' "
        "amounts (tips never count); zero unless the order is open (closed: paid; split: "
        "its shares carry it; cancelled: nothing is due)."
    )
    async def balance_due(self, info: Info[Context, None]) -> Money:
        if self.status != OrderStatus.OPEN:
            return Money.from_cents(0, info.context.settings.currency)
        context = self.context(info)
        check = await loaders.check_by_order(context).load(self.database_id)
        rows = await payments_loaders.payments_by_order(context).load(self.database_id)
        total = 0 if check is None else check.total_cents
        due = payments_service.balance_due(total, rows)
        return Money.from_cents(due, info.context.settings.currency)

    @classmethod
    def from_model(cls, order: Order, event_context: Context | None = None) -> OrderType:
        return from_row(
            cls, order, event_context=event_context, dining_option_value=order.dining_option
        )


# --- connection -----------------------------------------------------------------------------


OrderConnection = connection_type(
    OrderType,
    "Order",
    noun="orders",
    item="An order in a connection.",
    node="The order.",
    description="A page of orders, newest first.",
)


_load_orders = loaded_as(loaders.order_by_id, OrderType.from_model)
_load_lines = loaded_as(loaders.order_line_by_id, OrderLineType.from_model)


# Orders and their lines are read by every signed-in role, like `order` and `orders`.
register_node("Order", _load_orders, permission_classes=[IsAuthenticated])
register_node("OrderLine", _load_lines, permission_classes=[IsAuthenticated])


OrderId = Annotated[strawberry.ID, strawberry.argument(description="The order's global id.")]


def order_id_of(value: str, field: str = "orderId") -> int:
    return decode_id(value, "Order", field=field)


# Every connection's page (what `First` describes); named for the orders plan (orders.plans).
ORDERS_PAGE = CONNECTION_PAGE


@strawberry.type
class Query:
    @staff_read("One order, or null.")
    async def order(
        self,
        info: Info[Context, None],
        id: OrderId,
    ) -> OrderType | None:
        (order,) = await _load_orders(info.context, [order_id_of(id, "id")])
        return order

    @staff_read("Orders, newest first, as a cursor connection.")
    async def orders(
        self,
        info: Info[Context, None],
        first: First = ORDERS_PAGE.default,
        after: After = None,
        status: Annotated[
            OrderStatusType | None,
            strawberry.argument(description="Only orders with this status."),
        ] = None,
        table_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only orders at this table (its global id)."),
        ] = None,
        created_from: Annotated[
            datetime | None, strawberry.argument(description="Placed at or after this time.")
        ] = None,
        created_to: Annotated[
            datetime | None, strawberry.argument(description="Placed before this time.")
        ] = None,
    ) -> OrderConnection | None:
        first = ORDERS_PAGE.size(first)
        before = decode_time_id_cursor(after) if after else None
        where = service.OrderFilter(
            status=status,
            table_id=decode_optional_id(table_id, "Table", field="tableId"),
            created_from=created_from,
            created_to=created_to,
            before=before,
            limit=first + 1,
        )
        async with info.context.use_session() as session:
            orders = await service.list_orders(session, actor=info.context.user, where=where)
        return id_connection_page(
            OrderConnection,
            orders,
            first,
            OrderType.from_model,
            has_previous_page=after is not None,
            cursor=time_id_cursor,
        )
