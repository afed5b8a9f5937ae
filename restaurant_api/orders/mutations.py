"""GraphQL mutations for orders: inputs, payloads and the Mutation fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, graphql_error, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, decode_optional_id, to_global_id
from restaurant_api.errors import DomainError
from restaurant_api.orders import loaders, service
from restaurant_api.orders.check_graphql import CheckType
from restaurant_api.orders.graphql import DiningOptionType, OrderId, OrderType, order_id_of
from restaurant_api.orders.inputs import line_draft
from restaurant_api.orders.models import Order
from restaurant_api.payments import service as payments_service
from restaurant_api.pricing.models import DiningOption


def _option_ids(options: list[strawberry.ID] | None, at: str) -> tuple[int, ...] | None:
    """Decoded option ids (None stays None); a bad id's error names its input path."""
    if options is None:
        return None
    return tuple(
        decode_id(option, "ModifierOption", field=f"{at}.options.{i}")
        for i, option in enumerate(options)
    )


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input(
    description="A menu item by `menuItemId` (priced from the menu), or an open item by "
    "`name`, `price` and `category`."
)
class OrderLineInput:
    menu_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the menu item to order."
    )
    name: str | None = strawberry.field(default=None, description="Open item: its name.")
    price: Decimal | None = strawberry.field(
        default=None,
        description="Open item: unit price as a decimal string, at most two decimals, not "
        'negative, e.g. "4.00".',
    )
    category: str | None = strawberry.field(default=None, description="Open item: category.")
    quantity: int = strawberry.field(default=1, description=f"1 to {service.MAX_QUANTITY}.")
    modifiers: list[str] = strawberry.field(
        default_factory=list, description="Modifiers, e.g. 'no onions'."
    )
    seat_number: int | None = strawberry.field(default=None, description="Seat it is for.")
    note: str | None = strawberry.field(default=None, description="Note for the kitchen.")
    options: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Global ids of the modifier options chosen (at most "
        f"{service.MAX_OPTIONS_PER_LINE}); omitted or null: every group's defaults. Each must "
        "be offered on the item and available, and each group's count within its bounds.",
    )
    course: int | None = strawberry.field(
        default=None,
        description=f"Its course, 1 to {service.MAX_COURSE} (1 starters, 2 mains, 3 desserts, "
        "...); omitted or null: the menu item's default course (an open item's is 1).",
    )

    def draft(self, at: str) -> service.LineDraft:
        """The service's draft; `at` is this line's input path (for a bad id's error)."""
        menu_item_id = decode_optional_id(self.menu_item_id, "MenuItem", field=f"{at}.menuItemId")
        option_ids = _option_ids(self.options, at)
        return line_draft(self, menu_item_id=menu_item_id, option_ids=option_ids)


@strawberry.input(description="A new order.")
class PlaceOrderInput:
    lines: list[OrderLineInput] = strawberry.field(description="At least one line.")
    table_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the table to seat it at."
    )
    customer_count: int = strawberry.field(default=1, description="Number of guests.")
    special_requests: str | None = strawberry.field(default=None, description="Requests.")
    total: Decimal | None = strawberry.field(
        default=None,
        description="Optional: the total the client expects, as a decimal string (e.g. "
        '"12.98"); checked against the lines (VALIDATION_ERROR naming the expected total), '
        "not used.",
    )
    dining_option: DiningOptionType = strawberry.field(
        default=DiningOption.DINE_IN,
        description="Dine-in (the default), takeout or delivery; only dine-in may have a "
        "table. Taxes can depend on it.",
    )
    fire_all: bool = strawberry.field(
        default=False,
        description="Fire every course to the kitchen now. Default false: the first course "
        "fires, later courses are held until fired (fireCourse).",
    )

    def draft(self) -> service.OrderDraft:
        """The service's draft; a bad id raises with its input path."""
        return service.OrderDraft(
            lines=tuple(line.draft(f"lines.{i}") for i, line in enumerate(self.lines)),
            table_id=decode_optional_id(self.table_id, "Table", field="tableId"),
            customer_count=self.customer_count,
            special_requests=self.special_requests,
            total=self.total,
            dining_option=DiningOption(self.dining_option).value,
            fire_all=self.fire_all,
        )


@strawberry.input(description="Changes to one line; omitted fields stay as they are.")
class OrderLineChangeInput:
    line_id: strawberry.ID = strawberry.field(description="Global id of the line to change.")
    quantity: int | None = strawberry.field(default=None, description="New quantity.")
    modifiers: list[str] | None = strawberry.field(default=None, description="New modifiers.")
    seat_number: int | None = strawberry.field(default=None, description="New seat.")
    note: str | None = strawberry.field(default=None, description="New note.")
    options: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="New modifier options (global ids; exactly these, checked like a new "
        "line's); the unit price becomes the price the line was placed at plus their deltas. "
        "Omitted or null: unchanged.",
    )
    course: int | None = strawberry.field(
        default=None,
        description=f"Move the line to this course (1 to {service.MAX_COURSE}): it is voided "
        "on its ticket and joins the new course (held, or fired at once when that course "
        "was fired). Omitted or null: unchanged.",
    )


@strawberry.input(description="Changes to an open order; omitted fields stay as they are.")
class UpdateOrderInput:
    version: int | None = strawberry.field(
        default=None, description="The version you read: a stale one is VERSION_CONFLICT."
    )
    add_lines: list[OrderLineInput] = strawberry.field(
        default_factory=list, description="Lines to add; they fire as a new kitchen ticket."
    )
    remove_line_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Global ids of lines to remove; voided on their tickets."
    )
    change_lines: list[OrderLineChangeInput] = strawberry.field(
        default_factory=list, description="Lines to change; the old version is voided."
    )
    table_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Global id of the table to move to (null: off any table).",
    )
    customer_count: int | None = strawberry.field(default=None, description="Number of guests.")
    special_requests: str | None = strawberry.field(
        default=strawberry.UNSET, description="Requests (null clears them)."
    )
    total: Decimal | None = strawberry.field(
        default=None,
        description="Optional: the new total the client expects, as a decimal string (e.g. "
        '"12.98"); checked against the lines.',
    )
    void_reason: str | None = strawberry.field(
        default=None, description="Why lines are removed or changed (shown to the kitchen)."
    )
    dining_option: DiningOptionType | None = strawberry.field(
        default=None,
        description="New dining option; only dine-in may have a table (move it off the "
        "table with `tableId: null` in the same change).",
    )

    def changes(self) -> service.OrderChanges:
        """The service's changes; a bad id raises with its input path."""
        return service.OrderChanges(
            version=self.version,
            add_lines=tuple(line.draft(f"addLines.{i}") for i, line in enumerate(self.add_lines)),
            remove_line_ids=tuple(
                decode_id(line_id, "OrderLine", field=f"removeLineIds.{i}")
                for i, line_id in enumerate(self.remove_line_ids)
            ),
            change_lines=tuple(
                service.LineChange(
                    line_id=decode_id(c.line_id, "OrderLine", field=f"changeLines.{i}.lineId"),
                    quantity=c.quantity,
                    modifiers=tuple(c.modifiers) if c.modifiers is not None else None,
                    seat_number=c.seat_number,
                    note=c.note,
                    option_ids=_option_ids(c.options, f"changeLines.{i}"),
                    course=c.course,
                )
                for i, c in enumerate(self.change_lines)
            ),
            table_id=(
                service.UNSET
                if self.table_id is strawberry.UNSET
                else decode_optional_id(self.table_id, "Table", field="tableId")
            ),
            customer_count=self.customer_count,
            special_requests=(
                service.UNSET
                if self.special_requests is strawberry.UNSET
                else self.special_requests
            ),
            total=self.total,
            void_reason=self.void_reason,
            dining_option=None
            if self.dining_option is None
            else DiningOption(self.dining_option).value,
        )


@strawberry.type(description="An order after a change.")
class OrderPayload:
    order: OrderType = strawberry.field(description="The order as it is now.")


@strawberry.type(description="A deleted order.")
class DeleteOrderPayload:
    order_id: strawberry.ID = strawberry.field(description="Global id the deleted order had.")


PlaceOrderResult = result_union("PlaceOrderResult", OrderPayload, "The order, or why not.")
OrderResult = result_union("OrderResult", OrderPayload, "The changed order, or why not.")
DeleteOrderResult = result_union(
    "DeleteOrderResult", DeleteOrderPayload, "The deleted order, or why not."
)


def _payload(order: Order) -> OrderPayload:
    return OrderPayload(order=OrderType.from_model(order))


VersionArgument = Annotated[int | None, strawberry.argument(description="The version you read.")]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Place an order: lines, kitchen tickets and table in one transaction."
    )
    @domain_mutation(renames={"order": "lines"})
    async def place_order(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[PlaceOrderInput, strawberry.argument(description="The order.")],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Retries with the same key return the first order; the same key "
                "with a different request is IDEMPOTENCY_MISMATCH."
            ),
        ] = None,
    ) -> PlaceOrderResult:
        placed = await service.place_order_with_lines(
            session, actor=info.context.user, draft=input.draft(), idempotency_key=idempotency_key
        )
        if placed.lines is not None:  # a new order: its lines need not be read back
            loaders.lines_by_order(info.context).prime(placed.order.id, placed.lines)
        return _payload(placed.order)

    # "An order needs at least one item" comes from removing every line: no single input.
    @strawberry.mutation(description="Change an open order (lines, table, guests, requests).")
    @domain_mutation(renames={"order": None})
    async def update_order(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        input: Annotated[UpdateOrderInput, strawberry.argument(description="The changes.")],
    ) -> OrderResult:
        order = await service.change_order_lines(
            session,
            actor=info.context.user,
            order_id=order_id_of(order_id),
            changes=input.changes(),
        )
        return _payload(order)

    @strawberry.mutation(
        description="Settle an open order and free its table: records one payment of its "
        "whole balance due with this method (its tender read from the text) and tip."
    )
    @domain_mutation
    async def close_order(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        payment_method: Annotated[str, strawberry.argument(description="e.g. cash, card.")],
        tip: Annotated[
            Decimal | None,
            strawberry.argument(
                description='Tip as a decimal string, at most two decimals, e.g. "2.50".'
            ),
        ] = None,
        version: VersionArgument = None,
    ) -> OrderResult:
        order = await payments_service.close_check(
            session,
            actor=info.context.user,
            calendar=payments_service.calendar_for(info.context.settings),
            order_id=order_id_of(order_id),
            payment_method=payment_method,
            tip=tip,
            version=version,
        )
        return _payload(order)

    @strawberry.mutation(description="Cancel an open order (managers and admins).")
    @domain_mutation
    async def cancel_order(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        order_id: OrderId,
        reason: Annotated[str, strawberry.argument(description="Why; shown to the kitchen.")],
        version: VersionArgument = None,
    ) -> OrderResult:
        order = await service.cancel_order(
            session,
            actor=info.context.user,
            order_id=order_id_of(order_id),
            reason=reason,
            version=version,
        )
        return _payload(order)

    @strawberry.mutation(
        description="Delete an order with its lines and tickets; frees its table "
        "(managers and admins)."
    )
    @domain_mutation
    async def delete_order(
        self, info: Info[Context, None], session: AsyncSession, order_id: OrderId
    ) -> DeleteOrderResult:
        database_id = order_id_of(order_id)
        await service.delete_order(session, actor=info.context.user, order_id=database_id)
        return DeleteOrderPayload(order_id=to_global_id("Order", database_id))


# --- quotes ---------------------------------------------------------------------------------


@strawberry.type(description="The check a draft order would have, if placed now.")
class QuotePayload:
    check: CheckType = strawberry.field(
        description="Priced like an order's `check` (its lines have no ids: `lineId` is "
        "null, `index` is the place of the line in the input)."
    )


QuoteOrderResult = result_union(
    "QuoteOrderResult", QuotePayload, "The quote, or why the order could not be placed."
)


@strawberry.type
class QuoteQuery:
    @strawberry.field(
        description="The check of a draft order as if placed now (taxes, automatic service "
        "charges), validated like `placeOrder`; writes nothing."
    )
    async def quote_order(
        self,
        info: Info[Context, None],
        input: Annotated[PlaceOrderInput, strawberry.argument(description="The draft order.")],
    ) -> QuoteOrderResult:
        try:
            draft = input.draft()
            async with info.context.use_session() as session:
                check = await service.quote_order(session, actor=info.context.user, draft=draft)
        except DomainError as error:
            return graphql_error(error, {"order": "lines"})
        return QuotePayload(
            check=CheckType.from_check(check, info.context.settings.currency, keyed_by_id=False)
        )
