"""Splitting a bill: plan the shares of an order (pure), and split it into new orders.

A share carries its part of every column of the original check (discounts, service
charges, taxes per rate): by lines (items, seats) it is the sum of its lines' parts, which
the pricing engine spreads by largest remainder; an even share splits each column evenly.
Either way the shares add up to the check exactly. A split order keeps its share as
`carried_check` with its lines marked `carried`, so its own check is exactly its share.

A split never reaches the kitchen: its tickets stay with the original order's lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import utcnow
from restaurant_api.enums import DescribedEnum
from restaurant_api.errors import InvalidInput
from restaurant_api.money import allocate
from restaurant_api.orders.checks import adjustments_for_orders, check_of, line_to_price
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.paid import refuse_if_paid
from restaurant_api.orders.pricing import line_total_cents
from restaurant_api.orders.rows import order_lines, touch_and_publish_order
from restaurant_api.pricing import service as pricing


class InvalidSplit(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="split")


class SplitMode(DescribedEnum):
    ITEMS = "items", "By line: `items` lists the line indexes of each share."
    SEATS = "seats", "By seat: the lines' seat numbers, or `seatAssignments`."
    EVEN = "even", "In `ways` equal shares (exact cents, largest remainder)."


@dataclass(frozen=True, slots=True)
class SplitRequest:
    """How to split: ITEMS with `groups` of line indexes; SEATS by the lines' seat numbers,
    or with `groups` of line indexes for the seats in `seat_numbers`; EVEN in `ways`."""

    mode: SplitMode
    groups: tuple[tuple[int, ...], ...] = ()
    seat_numbers: tuple[int, ...] = ()
    ways: int | None = None


@dataclass(frozen=True, slots=True)
class SplitShare:
    """One part of a split bill: its lines (indexes into the order), the sum of their
    totals (`total_cents`, the share's subtotal) and its exact part of every column of the
    check (`amounts`). An even share covers no particular line, only amounts."""

    label: str
    line_indexes: tuple[int, ...]
    total_cents: int
    seat_number: int | None = None
    amounts: pricing.Amounts = field(default_factory=pricing.Amounts)


def _check_groups(groups: Sequence[Sequence[int]], line_count: int) -> None:
    if not groups:
        raise InvalidSplit("A split needs at least one part")
    seen: set[int] = set()
    for group in groups:
        if not group:
            raise InvalidSplit("Every split needs at least one item")
        for index in group:
            if not 0 <= index < line_count:
                raise InvalidSplit(f"Item index {index} is out of range (0-{line_count - 1})")
            if index in seen:
                raise InvalidSplit(f"Item index {index} is in more than one split")
            seen.add(index)
    missing = sorted(set(range(line_count)) - seen)
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise InvalidSplit(f"Every item must be in a split; missing indexes: {listed}")


def check_split_size(request: SplitRequest) -> None:
    """The same bounds for REST and GraphQL, before any index is looked at."""
    if len(request.groups) > limits.MAX_SPLIT_PARTS:
        raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} parts")
    if sum(len(group) for group in request.groups) > limits.MAX_SPLIT_INDEXES:
        raise InvalidSplit(f"A split lists at most {limits.MAX_SPLIT_INDEXES} item indexes")
    if len(request.seat_numbers) > limits.MAX_SPLIT_PARTS:
        raise InvalidSplit(f"A split has at most {limits.MAX_SPLIT_PARTS} seats")


def _spread_amounts(amounts: pricing.Amounts, weights: Sequence[int]) -> list[pricing.Amounts]:
    """Every column of `amounts` over parts in proportion to `weights` (largest remainder)."""
    if sum(weights) <= 0:
        weights = [1] * len(weights)

    def parts(cents: int) -> list[int]:
        return allocate(cents, weights)

    subtotals = parts(amounts.subtotal_cents)
    discounts = parts(amounts.discount_cents)
    charges = parts(amounts.service_charge_cents)
    taxes = [parts(tax.amount_cents) for tax in amounts.taxes]
    return [
        pricing.Amounts(
            subtotal_cents=subtotals[i],
            discount_cents=discounts[i],
            service_charge_cents=charges[i],
            taxes=tuple(
                pricing.TaxAmount(tax.key, cents[i])
                for tax, cents in zip(amounts.taxes, taxes, strict=True)
            ),
        )
        for i in range(len(weights))
    ]


def line_amounts(
    lines: Sequence[OrderLine], check: pricing.Check, keys: Sequence[int]
) -> list[pricing.Amounts]:
    """Each line's part of every column of the check (by position in `lines`).

    A priced line's part is the engine's; carried lines (an order that is itself a split
    share) share the carried amounts in proportion to their totals.
    """
    by_key = {line.key: line.amounts for line in check.lines}
    result = [by_key.get(key, pricing.Amounts()) for key in keys]
    carried = [i for i, line in enumerate(lines) if line.carried and keys[i] not in by_key]
    if carried and check.carried is not None:
        weights = [line_total_cents(lines[i]) for i in carried]
        for index, part in zip(carried, _spread_amounts(check.carried, weights), strict=True):
            result[index] = part
    return result


def _sum(parts: Sequence[pricing.Amounts]) -> pricing.Amounts:
    total = pricing.Amounts()
    for part in parts:
        total = total + part
    return total


def carried_parts(order: Order, lines: Sequence[OrderLine]) -> list[pricing.Amounts | None]:
    """Each carried line's part of the order's carried check (None for other lines): the
    parts stored at the split, or else the whole spread by the lines' totals."""
    carried = [i for i, line in enumerate(lines) if line.carried]
    result: list[pricing.Amounts | None] = [None] * len(lines)
    if order.carried_check is None or not carried:
        return result
    whole = pricing.Amounts() + pricing.Amounts.from_json(order.carried_check)
    stored = order.carried_check.get("lines") or {}
    known = [stored.get(str(lines[i].id)) for i in carried]
    if all(part is not None for part in known):
        parts = [pricing.Amounts.from_json(part) for part in known if part is not None]
        if _sum(parts) == whole:
            for index, part in zip(carried, parts, strict=True):
                result[index] = part
            return result
    weights = [line_total_cents(lines[i]) for i in carried]
    for index, part in zip(carried, _spread_amounts(whole, weights), strict=True):
        result[index] = part
    return result


def carry(order: Order, pairs: Sequence[tuple[OrderLine, pricing.Amounts | None]]) -> None:
    """Set the order's carried check to these carried lines' parts (and remember each)."""
    held = [(line, part) for line, part in pairs if part is not None]
    if not held:
        order.carried_check = None
        return
    data = _sum([part for _, part in held]).to_json()
    data["lines"] = {str(line.id): part.to_json() for line, part in held}
    order.carried_check = data


def keep_carried(order: Order, before: Sequence[OrderLine], after: Sequence[OrderLine]) -> None:
    """A split order's carried lines that were removed take their part of its share with
    them, so its check goes down by exactly what they stood for."""
    if order.carried_check is None:
        return
    staying = {id(line) for line in after}
    pairs = list(zip(before, carried_parts(order, before), strict=True))
    if all(id(line) in staying for line, part in pairs if part is not None):
        return
    carry(order, [(line, part) for line, part in pairs if id(line) in staying])


def check_carried_change(line: OrderLine, quantity: int | None) -> None:
    """A carried line stands for a fixed part of a split share: its quantity is that part."""
    if line.carried and quantity is not None and quantity != line.quantity:
        raise InvalidInput(
            f"{line.name} is part of a split share: remove it and add the item again "
            "to change its quantity",
            field="quantity",
        )


def plan_split(
    lines: Sequence[OrderLine], request: SplitRequest, check: pricing.Check | None = None
) -> list[SplitShare]:
    """The shares of a split (pure: the preview and the split itself both use it).

    `check` is the order's check (`check_of` its lines, keyed by line id); without it the
    lines are priced as they are (no adjustments). Item and seat splits cover every line
    exactly once and take their lines' parts of the check; even shares split every column
    evenly, the leftover cents going to the first shares (largest remainder).
    """
    check_split_size(request)
    if check is None:
        keys = list(range(len(lines)))
        check = pricing.price_check([line_to_price(line, key=i) for i, line in enumerate(lines)])
    else:
        keys = [line.id for line in lines]
    if request.mode == SplitMode.EVEN:
        ways = request.ways
        if ways is None or not 1 <= ways <= limits.MAX_SPLIT_WAYS:
            raise InvalidSplit(f"ways must be between 1 and {limits.MAX_SPLIT_WAYS}")
        return [
            SplitShare(
                label=f"Share {i} of {ways}",
                line_indexes=(),
                total_cents=share.subtotal_cents,
                amounts=share,
            )
            for i, share in enumerate(check.even_shares(ways), start=1)
        ]
    parts = line_amounts(lines, check, keys)
    if request.mode == SplitMode.SEATS and not request.groups:
        return _plan_by_line_seats(lines, parts)
    _check_groups(request.groups, len(lines))
    if request.mode == SplitMode.SEATS:
        if len(request.seat_numbers) != len(request.groups):
            raise InvalidSplit("Every seat assignment needs a seat number")
        if len(set(request.seat_numbers)) != len(request.seat_numbers):
            raise InvalidSplit("A seat is assigned more than once")
        if any(not 1 <= number <= limits.MAX_SEAT for number in request.seat_numbers):
            # The bound order lines use: a split never stores a seat the order refuses.
            raise InvalidSplit(f"Seat numbers must be between 1 and {limits.MAX_SEAT}")
        return [
            _share(f"Seat {seat}", group, parts, seat)
            for seat, group in zip(request.seat_numbers, request.groups, strict=True)
        ]
    return [
        _share(f"Split {number}", group, parts)
        for number, group in enumerate(request.groups, start=1)
    ]


def _share(
    label: str,
    indexes: Sequence[int],
    parts: Sequence[pricing.Amounts],
    seat: int | None = None,
) -> SplitShare:
    amounts = _sum([parts[i] for i in indexes])
    return SplitShare(
        label=label,
        line_indexes=tuple(indexes),
        total_cents=amounts.subtotal_cents,
        seat_number=seat,
        amounts=amounts,
    )


def _plan_by_line_seats(
    lines: Sequence[OrderLine], parts: Sequence[pricing.Amounts]
) -> list[SplitShare]:
    by_seat: dict[int, list[int]] = defaultdict(list)
    unseated: list[int] = []
    for index, line in enumerate(lines):
        (by_seat[line.seat_number] if line.seat_number is not None else unseated).append(index)
    if not by_seat:
        raise InvalidSplit("No item has a seat_number to split by")
    shares = [
        _share(f"Seat {seat}", indexes, parts, seat) for seat, indexes in sorted(by_seat.items())
    ]
    if unseated:
        shares.append(_share("Shared", unseated, parts))
    return shares


async def order_check(
    session: AsyncSession, order: Order, lines: Sequence[OrderLine]
) -> pricing.Check:
    """The check of an order whose lines were just read (`order_lines`)."""
    discounts, charges = await adjustments_for_orders(session, [order.id])
    return check_of(order, lines, discounts[order.id], charges[order.id])


async def preview_order_split(
    session: AsyncSession, *, order_id: int, request: SplitRequest
) -> tuple[Order, list[SplitShare]] | None:
    """The shares splitting an open order would give, changing nothing; None when the
    order is gone or no longer open."""
    order = await session.get(Order, order_id)
    if order is None or order.status != OrderStatus.OPEN:
        return None
    check_split_size(request)  # bounded before any pricing
    lines = await order_lines(session, order_id)
    return order, plan_split(lines, request, await order_check(session, order, lines))


async def split_order(
    session: AsyncSession,
    *,
    order: Order,
    lines: Sequence[OrderLine],
    request: SplitRequest,
    table_id: int,
    created_by_id: int | None,
) -> list[Order]:
    """Split a locked open order (its `lines` as `order_lines` reads them) into new open
    orders, one per share, at `table_id`; the caller flushes.

    Their checks add up exactly to the original's, column by column; the original is
    closed as `split` and keeps its lines, discounts and charges as the record.
    """
    check_split_size(request)
    await refuse_if_paid(session, [order.id], "splitting")
    check = await order_check(session, order, lines)
    shares = plan_split(lines, request, check)
    parts = line_amounts(lines, check, [line.id for line in lines])
    now = utcnow()
    split_orders = [
        Order(
            table_id=table_id,
            created_by_id=created_by_id,
            split_from_id=order.id,
            dining_option=order.dining_option,
        )
        for _ in shares
    ]
    session.add_all(split_orders)
    await session.flush()
    carrying: list[tuple[Order, list[OrderLine], list[pricing.Amounts]]] = []
    for split, share in zip(split_orders, shares, strict=True):
        copies = _share_lines(split, share, lines)
        session.add_all(copies)
        carrying.append((split, copies, [parts[i] for i in share.line_indexes] or [share.amounts]))
    await session.flush()  # the copies' ids key their parts
    for split, copies, line_parts in carrying:
        carry(split, list(zip(copies, line_parts, strict=True)))
    order.status = OrderStatus.SPLIT
    order.closed_at = now
    touch_and_publish_order(session, order)
    for split in split_orders:
        order_changed(session, split)
    return split_orders


def _share_lines(order: Order, share: SplitShare, lines: Sequence[OrderLine]) -> list[OrderLine]:
    if not share.line_indexes:
        return [
            OrderLine(
                order_id=order.id,
                position=0,
                name=share.label,
                category="Split",
                unit_price_cents=share.total_cents,
                quantity=1,
                carried=True,
            )
        ]
    copies = []
    for position, index in enumerate(share.line_indexes):
        line = lines[index]
        seat = share.seat_number if share.seat_number is not None else line.seat_number
        copies.append(
            OrderLine(
                order_id=order.id,
                position=position,
                menu_item_id=line.menu_item_id,
                name=line.name,
                category=line.category,
                unit_price_cents=line.unit_price_cents,
                quantity=line.quantity,
                modifiers=list(line.modifiers),
                options=list(line.options),
                tax_rates=list(line.tax_rates),
                carried=True,
                seat_number=seat,
                note=line.note,
            )
        )
    return copies
