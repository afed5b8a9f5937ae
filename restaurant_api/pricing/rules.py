"""Checks shared by every kind of pricing configuration: names, dining options, the terms of
a discount or service charge, and the row cap of each kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.errors import Conflict, ErrorCode, InvalidInput
from restaurant_api.inputs import clean_text, price_cents, rate_ppm
from restaurant_api.limits import MAX_PRICING_ROWS
from restaurant_api.pricing.models import AdjustmentKind, DiningOption

MAX_NAME_LENGTH = 60


class NameTaken(Conflict):
    code = ErrorCode.DUPLICATE
    http_status = 409

    def __init__(self, what: str) -> None:
        super().__init__(f"A {what} with this name already exists", field="name")


def name_key(name: str) -> str:
    """Names are unique regardless of case and surrounding spaces."""
    return name.strip().casefold()


def clean_name(name: str) -> tuple[str, str]:
    """The stripped name and its unique key."""
    cleaned = clean_text(name, "name", MAX_NAME_LENGTH)
    return cleaned, name_key(cleaned)


async def name_taken(
    session: AsyncSession, model: Any, key: str, except_id: int | None = None
) -> bool:
    query = select(model.id).where(model.name_key == key)
    if except_id is not None:
        query = query.where(model.id != except_id)
    return (await session.exec(query)).first() is not None


async def flush_unique(session: AsyncSession, what: str) -> None:
    """Flush; the unique name_key index is the arbiter when two managers race for a name."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise NameTaken(what) from None


async def check_room(session: AsyncSession, model: type[SQLModel], what: str) -> None:
    """Refuse a new row past MAX_PRICING_ROWS of its kind: every list of them is one page."""
    count = (await session.exec(select(func.count()).select_from(model))).one()
    if count >= MAX_PRICING_ROWS:
        raise InvalidInput(f"At most {MAX_PRICING_ROWS} {what}s can be configured")


def dining_options(values: Sequence[str], field: str = "dining_options") -> list[str]:
    """Known dining options, each at most once, in the enum's order (empty: all of them)."""
    known = [option.value for option in DiningOption]
    chosen: list[str] = []
    for index, value in enumerate(values):
        text = value.value if isinstance(value, DiningOption) else str(value)
        if text not in known:
            raise InvalidInput(f"{text[:20]!r} is not a dining option").inside(field, index)
        if text in chosen:
            raise InvalidInput(f"{text} is listed twice").inside(field, index)
        chosen.append(text)
    return sorted(chosen, key=known.index)


@dataclass(frozen=True, slots=True)
class Terms:
    """What a discount or service charge takes: a percentage or an amount, never both."""

    kind: AdjustmentKind
    rate_ppm: int = 0
    amount_cents: int = 0


def terms(
    kind: AdjustmentKind | str | None,
    rate: Decimal | int | str | None,
    amount: Decimal | int | str | None,
    *,
    current: Terms | None = None,
) -> Terms:
    """The new terms from a create (`current` None) or a change of some of them.

    A percentage needs a rate above 0 (at most 100) and no amount; an amount needs an
    amount above 0 and no rate. Changing the kind needs the new kind's value.
    """
    if kind is not None:
        try:
            new_kind = AdjustmentKind(kind)
        except ValueError:
            raise InvalidInput("kind must be percent or amount", field="kind") from None
    elif current is not None:
        new_kind = current.kind
    else:
        raise InvalidInput("kind is required", field="kind")
    # The value kept when a change leaves it out (none when the kind changes).
    kept = current if current is not None and current.kind == new_kind else None
    if new_kind == AdjustmentKind.PERCENT:
        if amount is not None:
            raise InvalidInput("A percentage takes a rate, not an amount", field="amount")
        if rate is not None:
            ppm = rate_ppm(rate)
        elif kept is not None:
            ppm = kept.rate_ppm
        else:
            raise InvalidInput("A percentage needs a rate", field="rate")
        if ppm == 0:
            raise InvalidInput("rate must be more than 0", field="rate")
        return Terms(AdjustmentKind.PERCENT, rate_ppm=ppm)
    if rate is not None:
        raise InvalidInput("An amount takes an amount, not a rate", field="rate")
    if amount is not None:
        cents = price_cents(amount, "amount")
    elif kept is not None:
        cents = kept.amount_cents
    else:
        raise InvalidInput("An amount needs an amount", field="amount")
    if cents == 0:
        raise InvalidInput("amount must be more than 0", field="amount")
    return Terms(AdjustmentKind.AMOUNT, amount_cents=cents)
