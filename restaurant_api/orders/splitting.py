"""Splitting a bill: plan the shares of an order (pure), and split it into new orders.

A split never reaches the kitchen: its tickets stay with the original order's lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import limits
from restaurant_api.db import utcnow
from restaurant_api.errors import InvalidInput
from restaurant_api.money import split_evenly
from restaurant_api.orders.events import order_changed
from restaurant_api.orders.models import Order, OrderLine, OrderStatus
from restaurant_api.orders.pricing import line_total_cents
from restaurant_api.orders.rows import order_lines, touch_and_publish_order


class InvalidSplit(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="split")


class SplitMode(StrEnum):
    ITEMS = "items"
    SEATS = "seats"
    EVEN = "even"


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
    """One part of a split bill: its lines (indexes into the order) and its exact total.
    An even share covers no particular line, only an amount."""

    label: str
    line_indexes: tuple[int, ...]
    total_cents: int
    seat_number: int | None = None


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


def plan_split(lines: Sequence[OrderLine], request: SplitRequest) -> list[SplitShare]:
    """The shares of a split (pure: the preview and the split itself both use it).

    Item and seat splits cover every line exactly once; even shares add up exactly to the
    total, the leftover cents going to the first shares (largest remainder).
    """
    check_split_size(request)
    totals = [line_total_cents(line) for line in lines]
    if request.mode == SplitMode.EVEN:
        ways = request.ways
        if ways is None or not 1 <= ways <= limits.MAX_SPLIT_WAYS:
            raise InvalidSplit(f"ways must be between 1 and {limits.MAX_SPLIT_WAYS}")
        return [
            SplitShare(label=f"Share {i} of {ways}", line_indexes=(), total_cents=cents)
            for i, cents in enumerate(split_evenly(sum(totals), ways), start=1)
        ]
    if request.mode == SplitMode.SEATS and not request.groups:
        return _plan_by_line_seats(lines, totals)
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
            SplitShare(
                label=f"Seat {seat}",
                line_indexes=tuple(group),
                total_cents=sum(totals[i] for i in group),
                seat_number=seat,
            )
            for seat, group in zip(request.seat_numbers, request.groups, strict=True)
        ]
    return [
        SplitShare(
            label=f"Split {number}",
            line_indexes=tuple(group),
            total_cents=sum(totals[i] for i in group),
        )
        for number, group in enumerate(request.groups, start=1)
    ]


def _plan_by_line_seats(lines: Sequence[OrderLine], totals: Sequence[int]) -> list[SplitShare]:
    by_seat: dict[int, list[int]] = defaultdict(list)
    unseated: list[int] = []
    for index, line in enumerate(lines):
        (by_seat[line.seat_number] if line.seat_number is not None else unseated).append(index)
    if not by_seat:
        raise InvalidSplit("No item has a seat_number to split by")
    shares = [
        SplitShare(
            label=f"Seat {seat}",
            line_indexes=tuple(indexes),
            total_cents=sum(totals[i] for i in indexes),
            seat_number=seat,
        )
        for seat, indexes in sorted(by_seat.items())
    ]
    if unseated:
        shares.append(
            SplitShare(
                label="Shared",
                line_indexes=tuple(unseated),
                total_cents=sum(totals[i] for i in unseated),
            )
        )
    return shares


async def preview_order_split(
    session: AsyncSession, *, order_id: int, request: SplitRequest
) -> tuple[Order, list[SplitShare]] | None:
    """The shares splitting an open order would give, changing nothing; None when the
    order is gone or no longer open."""
    order = await session.get(Order, order_id)
    if order is None or order.status != OrderStatus.OPEN:
        return None
    return order, plan_split(await order_lines(session, order_id), request)


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

    Their totals add up exactly to the original's; the original is closed as `split` and
    keeps its lines as the record.
    """
    shares = plan_split(lines, request)
    now = utcnow()
    split_orders = [
        Order(table_id=table_id, created_by_id=created_by_id, split_from_id=order.id)
        for _ in shares
    ]
    session.add_all(split_orders)
    await session.flush()
    for split, share in zip(split_orders, shares, strict=True):
        session.add_all(_share_lines(split, share, lines))
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
                seat_number=seat,
                note=line.note,
            )
        )
    return copies
