"""Service-charge rules: automatic gratuity for large parties, fees added by hand.

All staff read them; managers and admins edit them. A rule with `auto_min_guests` is
added by itself to the checks of that many guests or more (of its dining options, if it
names any); any active rule can be added by hand. A charge copies its rule's terms when it
is added, so an edit here never changes a charge already on a check. Rules are retired
(`is_active` false), never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.db import is_valid_id, table_of, utcnow
from restaurant_api.db_rows import Read, detached_instance, transaction_rows, whole_rows
from restaurant_api.errors import InvalidInput, NotFound
from restaurant_api.inputs import UNSET, Unset
from restaurant_api.limits import MAX_CUSTOMERS, MAX_PRICING_ROWS
from restaurant_api.pricing.models import AdjustmentKind, ServiceChargeRule
from restaurant_api.pricing.rules import (
    NameTaken,
    Terms,
    check_room,
    clean_name,
    dining_options,
    flush_unique,
    name_taken,
    terms,
)
from restaurant_api.raw_reads import prebuilt
from restaurant_api.users.service import ALL_STAFF, MANAGERS, User, require_role

WHAT = "service charge rule"


class ServiceChargeRuleNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Service charge rule not found")


@dataclass(frozen=True)
class ServiceChargeRuleDraft:
    name: str
    kind: AdjustmentKind | str
    rate: Decimal | int | str | None = None  # percent rules: a percentage, "18"
    amount: Decimal | int | str | None = None  # amount rules: currency units, "3.50"
    taxable: bool = False
    auto_min_guests: int | None = None  # None: only added by hand
    dining_options: Sequence[str] = ()  # empty: every dining option


@dataclass(frozen=True)
class ServiceChargeRuleChanges:
    """Fields left None (UNSET for `auto_min_guests`, where None clears it) stay as they are."""

    name: str | None = None
    kind: AdjustmentKind | str | None = None
    rate: Decimal | int | str | None = None
    amount: Decimal | int | str | None = None
    taxable: bool | None = None
    auto_min_guests: int | Unset | None = UNSET
    dining_options: Sequence[str] | None = None
    is_active: bool | None = None


def _min_guests(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CUSTOMERS:
        raise InvalidInput(
            f"auto_min_guests must be between 1 and {MAX_CUSTOMERS}", field="auto_min_guests"
        )
    return value


async def list_service_charge_rules(
    session: AsyncSession, *, actor: User | None, active: bool | None = None
) -> list[ServiceChargeRule]:
    """Every rule (or only active or retired ones) by name."""
    require_role(actor, ALL_STAFF)
    query = select(ServiceChargeRule)
    if active is not None:
        query = query.where(col(ServiceChargeRule.is_active).is_(active))
    query = query.order_by(col(ServiceChargeRule.name_key), col(ServiceChargeRule.id))
    return list((await session.exec(query.limit(MAX_PRICING_ROWS))).all())


async def service_charge_rules_by_id(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, ServiceChargeRule]:
    """Several rules in one read (ids that cannot exist are skipped)."""
    wanted = sorted({i for i in ids if is_valid_id(i)})
    if not wanted:
        return {}
    query = select(ServiceChargeRule).where(col(ServiceChargeRule.id).in_(wanted))
    return {rule.id: rule for rule in (await session.exec(query)).all()}


async def load_service_charge_rule(session: AsyncSession, rule_id: int) -> ServiceChargeRule:
    """One rule, active or not (NOT_FOUND if there is none)."""
    rule = await session.get(ServiceChargeRule, rule_id) if is_valid_id(rule_id) else None
    if rule is None:
        raise ServiceChargeRuleNotFound()
    return rule


_RULES = table_of(ServiceChargeRule)
# Built once: placing an order reads it in its transaction (`transaction_rows`).
_AUTOMATIC_RULES = prebuilt(
    core_select(*whole_rows(ServiceChargeRule))
    .where(_RULES.c.is_active, _RULES.c.auto_min_guests.is_not(None))
    .order_by(_RULES.c.id)
    .limit(MAX_PRICING_ROWS)
)


def automatic_rules_read() -> Read:
    """The read `all_automatic_charge_rules` makes (for `prefetch_rows`)."""
    return _AUTOMATIC_RULES, None


async def all_automatic_charge_rules(session: AsyncSession) -> list[ServiceChargeRule]:
    """The active rules that add themselves to checks (automatic gratuity), by id: one read.
    Orders add their charges in this order, and quotes show them in it."""
    rows = await transaction_rows(session, *automatic_rules_read())
    return [detached_instance(ServiceChargeRule, row) for row in rows]


def rule_is_due(rule: ServiceChargeRule, *, guests: int, dining_option: str) -> bool:
    """An automatic rule applies from `auto_min_guests` guests on, for its dining options."""
    if rule.auto_min_guests is None or not rule.is_active:
        return False
    if rule.dining_options and dining_option not in rule.dining_options:
        return False
    return guests >= rule.auto_min_guests


async def automatic_charge_rules(
    session: AsyncSession, *, guests: int, dining_option: str
) -> list[ServiceChargeRule]:
    """The automatic rules due on a check of `guests` guests eaten this way (a quote)."""
    rules = await all_automatic_charge_rules(session)
    return [r for r in rules if rule_is_due(r, guests=guests, dining_option=dining_option)]


async def create_service_charge_rule(
    session: AsyncSession, *, actor: User | None, draft: ServiceChargeRuleDraft
) -> ServiceChargeRule:
    require_role(actor, MANAGERS)
    name, key = clean_name(draft.name)
    new_terms = terms(draft.kind, draft.rate, draft.amount)
    rule = ServiceChargeRule(
        name=name,
        name_key=key,
        kind=new_terms.kind,
        rate_ppm=new_terms.rate_ppm,
        amount_cents=new_terms.amount_cents,
        taxable=draft.taxable,
        auto_min_guests=_min_guests(draft.auto_min_guests),
        dining_options=dining_options(draft.dining_options),
    )
    if await name_taken(session, ServiceChargeRule, key):
        raise NameTaken(WHAT)
    await check_room(session, ServiceChargeRule, WHAT)
    session.add(rule)
    await flush_unique(session, WHAT)
    return rule


async def update_service_charge_rule(
    session: AsyncSession,
    *,
    actor: User | None,
    rule_id: int,
    changes: ServiceChargeRuleChanges,
) -> ServiceChargeRule:
    """Change a rule; charges already on checks keep the terms they copied."""
    require_role(actor, MANAGERS)
    rule = await load_service_charge_rule(session, rule_id)
    if changes.name is not None:
        name, key = clean_name(changes.name)
        if await name_taken(session, ServiceChargeRule, key, except_id=rule.id):
            raise NameTaken(WHAT)
        rule.name, rule.name_key = name, key
    if changes.kind is not None or changes.rate is not None or changes.amount is not None:
        current = Terms(AdjustmentKind(rule.kind), rule.rate_ppm, rule.amount_cents)
        new_terms = terms(changes.kind, changes.rate, changes.amount, current=current)
        rule.kind = new_terms.kind
        rule.rate_ppm, rule.amount_cents = new_terms.rate_ppm, new_terms.amount_cents
    if changes.taxable is not None:
        rule.taxable = changes.taxable
    if not isinstance(changes.auto_min_guests, Unset):
        rule.auto_min_guests = _min_guests(changes.auto_min_guests)
    if changes.dining_options is not None:
        rule.dining_options = dining_options(changes.dining_options)
    if changes.is_active is not None:
        rule.is_active = changes.is_active
    rule.updated_at = utcnow()
    session.add(rule)
    await flush_unique(session, WHAT)
    return rule
