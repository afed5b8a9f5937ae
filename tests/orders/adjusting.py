"""Helpers for the tests of discounts, comps, service charges and the audit trail."""

from __future__ import annotations

from typing import Any

from restaurant_api.db import Database
from restaurant_api.orders.checks import price_order
from restaurant_api.orders.models import Order
from restaurant_api.pricing.models import (
    AdjustmentKind,
    DiscountPreset,
    DiscountScope,
    ServiceChargeRule,
)
from restaurant_api.pricing.service import Check

DISCOUNT_RESULT = """
    __typename
    ... on DiscountPayload {
      discount { id databaseId status name kind isComp rate amount { amount } reason
                 lineId presetId requestedById approvedById removedById removeReason }
      order { version }
    }
    ... on Error { code message }
    ... on ValidationError { field }
"""

REQUEST = (
    "mutation($input: DiscountInput!) { requestDiscount(input: $input) {" + DISCOUNT_RESULT + "} }"
)
APPLY = (
    "mutation($input: DiscountInput!) { applyDiscount(input: $input) {" + DISCOUNT_RESULT + "} }"
)
APPROVE = (
    "mutation($id: ID!, $version: Int) { approveDiscount(discountId: $id, version: $version) {"
    + DISCOUNT_RESULT
    + "} }"
)
DENY = (
    "mutation($id: ID!, $reason: String!) { denyDiscount(discountId: $id, reason: $reason) {"
    + DISCOUNT_RESULT
    + "} }"
)
REMOVE = (
    "mutation($id: ID!, $reason: String!) { removeDiscount(discountId: $id, reason: $reason) {"
    + DISCOUNT_RESULT
    + "} }"
)
COMP = (
    "mutation($line: ID!, $reason: String!) { compLine(lineId: $line, reason: $reason) {"
    + DISCOUNT_RESULT
    + "} }"
)

AUDIT = """
query($id: ID!, $first: Int!, $after: String) {
  order(id: $id) {
    auditTrail(first: $first, after: $after) {
      edges { cursor node { action actorId approverId reason discountId serviceChargeId
                            totalBefore { amount } totalAfter { amount } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def check_of(db: Database, order_id: int) -> Check:
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return await price_order(session, order)


async def order_version(db: Database, order_id: int) -> int:
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return order.version


async def add_preset(
    db: Database,
    name: str,
    *,
    rate_ppm: int = 0,
    amount_cents: int = 0,
    scope: DiscountScope = DiscountScope.CHECK,
    requires_approval: bool = False,
) -> DiscountPreset:
    async with db.session() as session:
        preset = DiscountPreset(
            name=name,
            name_key=name.casefold(),
            kind=AdjustmentKind.AMOUNT if amount_cents else AdjustmentKind.PERCENT,
            rate_ppm=rate_ppm,
            amount_cents=amount_cents,
            scope=scope,
            requires_approval=requires_approval,
        )
        session.add(preset)
        await session.flush()
    return preset


async def add_rule(db: Database, name: str, **values: Any) -> ServiceChargeRule:
    async with db.session() as session:
        rule = ServiceChargeRule(
            name=name, name_key=name.casefold(), **{"kind": AdjustmentKind.PERCENT, **values}
        )
        session.add(rule)
        await session.flush()
    return rule


async def audit_actions(gql: Any, staff: Any, order_gid: str) -> list[dict[str, Any]]:
    body = await gql(AUDIT, {"id": order_gid, "first": 100}, staff=staff)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["order"]["auditTrail"]["edges"]]


def moves(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(action, total before, total after) of each audit entry."""
    return [(e["action"], e["totalBefore"]["amount"], e["totalAfter"]["amount"]) for e in entries]
