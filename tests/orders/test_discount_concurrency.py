"""Races on one check (PostgreSQL): concurrent discount requests through the same ASGI
app, each with its own connection from the pool. The order's row lock serialises them, so
the second sees the first's discount: the check never goes below zero, and a version sent
by both is honoured by one only."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from restaurant_api.orders.models import AdjustmentStatus, OrderDiscount
from restaurant_api.pricing.models import DiscountScope
from restaurant_api.users.models import Role
from tests.conftest import gid
from tests.factories import Item
from tests.orders.adjusting import APPLY, add_preset, check_of, order_version


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def _applied(db, order_id):
    async with db.session() as session:
        rows = await session.exec(
            select(OrderDiscount).where(
                OrderDiscount.order_id == order_id,
                OrderDiscount.status == AdjustmentStatus.APPLIED,
            )
        )
        return list(rows.all())


async def test_two_managers_discounting_one_check_at_once_never_take_it_below_zero(
    only_postgres, db, gql, make_staff, add_order
):
    first, second = await make_staff(Role.MANAGER), await make_staff(Role.MANAGER)
    order = await add_order([Item("Steak", 1000)])
    fields = {"orderId": gid("Order", order.id), "amount": "6.00", "reason": "race"}
    results = await asyncio.gather(
        gql(APPLY, {"input": fields}, staff=first), gql(APPLY, {"input": fields}, staff=second)
    )
    outcomes = sorted(r["data"]["applyDiscount"].get("code", "OK") for r in results)
    assert outcomes == ["OK", "VALIDATION_ERROR"]
    assert len(await _applied(db, order.id)) == 1
    check = await check_of(db, order.id)
    assert (check.discount_cents, check.total_cents) == (600, 400)
    assert await order_version(db, order.id) == 2


async def test_two_servers_applying_a_preset_at_once(only_postgres, db, gql, make_staff, add_order):
    servers = [await make_staff(Role.SERVER) for _ in range(4)]
    order = await add_order([Item("Burger", 1500), Item("Fries", 500)])
    preset = await add_preset(db, "Seven off", amount_cents=700, scope=DiscountScope.CHECK)
    fields = {
        "orderId": gid("Order", order.id),
        "presetId": gid("DiscountPreset", preset.id),
        "reason": "race",
    }
    results = await asyncio.gather(*(gql(APPLY, {"input": fields}, staff=s) for s in servers))
    outcomes = sorted(r["data"]["applyDiscount"].get("code", "OK") for r in results)
    # 20.00: two of 7.00 fit, the rest would take it below zero.
    assert outcomes == ["OK", "OK", "VALIDATION_ERROR", "VALIDATION_ERROR"]
    check = await check_of(db, order.id)
    assert (check.discount_cents, check.total_cents) == (1400, 600)
    versions = sorted(
        r["data"]["applyDiscount"]["order"]["version"]
        for r in results
        if "order" in r["data"]["applyDiscount"]
    )
    assert versions == [2, 3]


async def test_two_discounts_with_one_version(only_postgres, db, gql, make_staff, add_order):
    first, second = await make_staff(Role.MANAGER), await make_staff(Role.ADMIN)
    order = await add_order([Item("Steak", 1000)])
    fields = {"orderId": gid("Order", order.id), "amount": "1.00", "reason": "r", "version": 1}
    results = await asyncio.gather(
        gql(APPLY, {"input": fields}, staff=first), gql(APPLY, {"input": fields}, staff=second)
    )
    outcomes = sorted(r["data"]["applyDiscount"].get("code", "OK") for r in results)
    assert outcomes == ["OK", "VERSION_CONFLICT"]
    assert len(await _applied(db, order.id)) == 1
    assert await order_version(db, order.id) == 2
    assert (await check_of(db, order.id)).total_cents == 900
