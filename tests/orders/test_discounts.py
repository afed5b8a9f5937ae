"""Discounts and comps over GraphQL: who may apply what, approvals, caps, removal, audit."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from restaurant_api.limits import MAX_DISCOUNTS_PER_ORDER
from restaurant_api.orders.models import AdjustmentStatus, OrderDiscount, OrderLine
from restaurant_api.pricing.models import DiscountScope
from tests.conftest import gid
from tests.factories import Item
from tests.orders.adjusting import (
    APPLY,
    APPROVE,
    COMP,
    DENY,
    REMOVE,
    REQUEST,
    add_preset,
    audit_actions,
    check_of,
    moves,
    order_version,
)


async def _lines(db, order_id):
    async with db.session() as session:
        rows = await session.exec(
            select(OrderLine)
            .where(OrderLine.order_id == order_id)
            .order_by(col(OrderLine.position))
        )
        return list(rows.all())


async def _discounts(db, order_id):
    async with db.session() as session:
        rows = await session.exec(select(OrderDiscount).where(OrderDiscount.order_id == order_id))
        return list(rows.all())


async def test_a_server_applying_a_discount_that_needs_approval_is_denied(
    db, gql, server, add_order
):
    order = await add_order([Item("Steak", 3000), Item("Wine", 1000)])
    preset = await add_preset(db, "Manager 20%", rate_ppm=200_000, requires_approval=True)
    body = await gql(
        APPLY,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "presetId": gid("DiscountPreset", preset.id),
                "reason": "regular guest",
            }
        },
        staff=server,
    )
    result = body["data"]["applyDiscount"]
    assert result["__typename"] == "PermissionDeniedError"
    assert result["code"] == "PERMISSION_DENIED"
    assert "request it" in result["message"]
    assert await _discounts(db, order.id) == []
    assert (await check_of(db, order.id)).total_cents == 4000
    assert await order_version(db, order.id) == 1


async def test_open_discounts_and_comps_are_for_managers(db, gql, server, add_order):
    order = await add_order([Item("Steak", 3000)])
    (line,) = await _lines(db, order.id)
    body = await gql(
        APPLY,
        {"input": {"orderId": gid("Order", order.id), "amount": "5.00", "reason": "late"}},
        staff=server,
    )
    assert body["data"]["applyDiscount"]["code"] == "PERMISSION_DENIED"
    body = await gql(COMP, {"line": gid("OrderLine", line.id), "reason": "cold"}, staff=server)
    assert body["data"]["compLine"]["code"] == "PERMISSION_DENIED"
    assert await _discounts(db, order.id) == []


async def test_a_server_requests_and_a_manager_approves(db, gql, server, manager, add_order):
    order = await add_order([Item("Steak", 3000), Item("Wine", 1000)])
    preset = await add_preset(db, "Manager 20%", rate_ppm=200_000, requires_approval=True)
    order_gid = gid("Order", order.id)
    body = await gql(
        REQUEST,
        {
            "input": {
                "orderId": order_gid,
                "presetId": gid("DiscountPreset", preset.id),
                "reason": "birthday",
            }
        },
        staff=server,
    )
    requested = body["data"]["requestDiscount"]
    assert requested["__typename"] == "DiscountPayload", requested
    discount = requested["discount"]
    assert discount["status"] == "PENDING"
    assert discount["name"] == "Manager 20%"
    assert discount["rate"] == "20"
    assert discount["requestedById"] == gid("User", server.user.id)
    assert discount["approvedById"] is None
    assert requested["order"]["version"] == 2
    assert (await check_of(db, order.id)).total_cents == 4000  # pending: not counted

    body = await gql(APPROVE, {"id": discount["id"]}, staff=server)
    assert body["data"]["approveDiscount"]["code"] == "PERMISSION_DENIED"

    body = await gql(APPROVE, {"id": discount["id"], "version": 2}, staff=manager)
    approved = body["data"]["approveDiscount"]
    assert approved["discount"]["status"] == "APPLIED"
    assert approved["discount"]["approvedById"] == gid("User", manager.user.id)
    assert approved["order"]["version"] == 3
    check = await check_of(db, order.id)
    assert (check.discount_cents, check.total_cents) == (800, 3200)

    body = await gql(APPROVE, {"id": discount["id"]}, staff=manager)
    assert body["data"]["approveDiscount"]["code"] == "INVALID_TRANSITION"

    entries = await audit_actions(gql, manager, order_gid)
    assert moves(entries) == [
        ("discount_requested", "40.00", "40.00"),
        ("discount_approved", "40.00", "32.00"),
    ]
    assert entries[0]["actorId"] == gid("User", server.user.id)
    assert entries[0]["reason"] == "birthday"
    assert entries[1]["actorId"] == gid("User", manager.user.id)
    assert entries[1]["approverId"] == gid("User", manager.user.id)
    assert entries[1]["discountId"] == discount["id"]


async def test_a_manager_denies_a_request(db, gql, server, manager, add_order):
    order = await add_order([Item("Steak", 3000)])
    body = await gql(
        REQUEST,
        {"input": {"orderId": gid("Order", order.id), "rate": "50", "reason": "friend"}},
        staff=server,
    )
    discount_id = body["data"]["requestDiscount"]["discount"]["id"]
    body = await gql(DENY, {"id": discount_id, "reason": " "}, staff=manager)
    assert body["data"]["denyDiscount"]["field"] == "reason"
    body = await gql(DENY, {"id": discount_id, "reason": "no"}, staff=manager)
    denied = body["data"]["denyDiscount"]["discount"]
    assert (denied["status"], denied["removeReason"]) == ("DENIED", "no")
    assert denied["approvedById"] == gid("User", manager.user.id)
    body = await gql(APPROVE, {"id": discount_id}, staff=manager)
    assert body["data"]["approveDiscount"]["code"] == "INVALID_TRANSITION"
    assert (await check_of(db, order.id)).total_cents == 3000
    actions = [e["action"] for e in await audit_actions(gql, manager, gid("Order", order.id))]
    assert actions == ["discount_requested", "discount_denied"]


async def test_a_server_applies_a_preset_that_needs_no_approval(db, gql, server, add_order):
    order = await add_order([Item("Burger", 1234), Item("Fries", 401)])
    preset = await add_preset(db, "Happy hour", rate_ppm=100_000)
    body = await gql(
        APPLY,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "presetId": gid("DiscountPreset", preset.id),
                "reason": "5pm",
            }
        },
        staff=server,
    )
    discount = body["data"]["applyDiscount"]["discount"]
    assert discount["status"] == "APPLIED"
    assert discount["approvedById"] is None
    check = await check_of(db, order.id)
    # 10% of 16.35 is 1.635, half-up to 1.64.
    assert (check.discount_cents, check.total_cents) == (164, 1471)


async def test_preset_scope_is_enforced(db, gql, manager, add_order):
    order = await add_order([Item("Burger", 1000)])
    (line,) = await _lines(db, order.id)
    line_preset = await add_preset(db, "Dessert", rate_ppm=PPM_HALF, scope=DiscountScope.LINE)
    check_preset = await add_preset(db, "Happy hour", rate_ppm=100_000)
    body = await gql(
        APPLY,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "presetId": gid("DiscountPreset", line_preset.id),
                "reason": "x",
            }
        },
        staff=manager,
    )
    assert body["data"]["applyDiscount"]["field"] == "lineId"
    body = await gql(
        APPLY,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "presetId": gid("DiscountPreset", check_preset.id),
                "lineId": gid("OrderLine", line.id),
                "reason": "x",
            }
        },
        staff=manager,
    )
    assert body["data"]["applyDiscount"]["field"] == "lineId"
    assert await _discounts(db, order.id) == []


PPM_HALF = 500_000


async def test_a_comp(db, gql, manager, add_order):
    order = await add_order([Item("Steak", 3000), Item("Wine", 1000)])
    steak, _ = await _lines(db, order.id)
    body = await gql(COMP, {"line": gid("OrderLine", steak.id), "reason": ""}, staff=manager)
    assert body["data"]["compLine"]["field"] == "reason"
    body = await gql(COMP, {"line": gid("OrderLine", steak.id), "reason": "cold"}, staff=manager)
    comp = body["data"]["compLine"]["discount"]
    assert (comp["isComp"], comp["name"], comp["rate"], comp["status"]) == (
        True,
        "Comp",
        "100",
        "APPLIED",
    )
    assert comp["lineId"] == gid("OrderLine", steak.id)
    assert comp["approvedById"] == gid("User", manager.user.id)
    check = await check_of(db, order.id)
    assert check.total_cents == 1000
    assert [line.net_cents for line in check.lines] == [0, 1000]
    (entry,) = await audit_actions(gql, manager, gid("Order", order.id))
    assert (entry["action"], entry["reason"]) == ("comp_applied", "cold")
    assert (entry["totalBefore"]["amount"], entry["totalAfter"]["amount"]) == ("40.00", "10.00")


async def test_a_discount_cannot_take_a_line_or_check_below_zero(db, gql, manager, add_order):
    order = await add_order([Item("Steak", 1000), Item("Wine", 500)])
    steak, _ = await _lines(db, order.id)
    order_gid, line_gid = gid("Order", order.id), gid("OrderLine", steak.id)

    async def apply(**fields):
        body = await gql(APPLY, {"input": {"orderId": order_gid, **fields}}, staff=manager)
        return body["data"]["applyDiscount"]

    refused = await apply(lineId=line_gid, amount="10.01", reason="x")
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "amount")
    assert "10.00 left on this line" in refused["message"]
    assert (await apply(lineId=line_gid, amount="10.00", reason="x"))["__typename"] == (
        "DiscountPayload"
    )
    assert "Nothing is left" in (await apply(lineId=line_gid, rate="10", reason="x"))["message"]
    refused = await apply(amount="5.01", reason="x")
    assert "5.00 left on this check" in refused["message"]
    assert (await apply(amount="5.00", reason="x"))["__typename"] == "DiscountPayload"
    assert (await apply(amount="0.01", reason="x"))["code"] == "VALIDATION_ERROR"
    check = await check_of(db, order.id)
    assert (check.discount_cents, check.total_cents) == (1500, 0)
    assert all(line.net_cents >= 0 for line in check.lines)


async def test_bad_discount_terms_are_typed_errors(db, gql, manager, add_order):
    order = await add_order([Item("Steak", 1000)])
    order_gid = gid("Order", order.id)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rate": "100.5", "reason": "x"}, "rate"),
        ({"rate": "12.34567", "reason": "x"}, "rate"),
        ({"rate": "1" * 30, "reason": "x"}, "rate"),
        ({"amount": "1.001", "reason": "x"}, "amount"),
        ({"amount": "-1", "reason": "x"}, "amount"),
        ({"rate": "5", "amount": "1", "reason": "x"}, "rate"),
        ({"reason": "x"}, "rate"),
        ({"amount": "1", "reason": "x" * 501}, "reason"),
        ({"amount": "1", "reason": "x", "comp": True}, "lineId"),
        ({"amount": "1", "reason": "x", "lineId": gid("OrderLine", 999_999)}, "lineId"),
    ]
    for fields, field in cases:
        body = await gql(APPLY, {"input": {"orderId": order_gid, **fields}}, staff=manager)
        if body["data"] is None:  # refused by the Decimal scalar before the resolver
            assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR", body
            continue
        result = body["data"]["applyDiscount"]
        assert result["code"] in ("VALIDATION_ERROR", "NOT_FOUND"), (fields, result)
        if result["code"] == "VALIDATION_ERROR":
            assert result["field"] == field, (fields, result)
    assert await _discounts(db, order.id) == []


async def test_removing_a_discount_is_recorded(db, gql, server, manager, client, add_order):
    order = await add_order([Item("Steak", 3000)])
    order_gid = gid("Order", order.id)
    body = await gql(
        APPLY,
        {"input": {"orderId": order_gid, "amount": "5.00", "reason": "late"}},
        staff=manager,
    )
    discount_id = body["data"]["applyDiscount"]["discount"]["id"]
    body = await gql(REMOVE, {"id": discount_id, "reason": "mistake"}, staff=server)
    assert body["data"]["removeDiscount"]["code"] == "PERMISSION_DENIED"
    body = await gql(REMOVE, {"id": discount_id, "reason": "mistake"}, staff=manager)
    removed = body["data"]["removeDiscount"]["discount"]
    assert (removed["status"], removed["removeReason"]) == ("REMOVED", "mistake")
    assert removed["removedById"] == gid("User", manager.user.id)
    assert (await check_of(db, order.id)).total_cents == 3000
    body = await gql(REMOVE, {"id": discount_id, "reason": "again"}, staff=manager)
    assert body["data"]["removeDiscount"]["code"] == "INVALID_TRANSITION"
    entries = await audit_actions(gql, manager, order_gid)
    assert moves(entries) == [
        ("discount_applied", "30.00", "25.00"),
        ("discount_removed", "25.00", "30.00"),
    ]
    assert entries[1]["reason"] == "mistake"

    body = await gql(
        APPLY, {"input": {"orderId": order_gid, "amount": "1.00", "reason": "x"}}, staff=manager
    )
    other = body["data"]["applyDiscount"]["discount"]["id"]
    closed = await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "cash"}, headers=manager.headers
    )
    assert closed.status_code == 200, closed.text
    body = await gql(REMOVE, {"id": other, "reason": "after close"}, staff=manager)
    assert body["data"]["removeDiscount"]["code"] == "ORDER_CLOSED"


async def test_a_server_removes_a_preset_they_applied(db, gql, server, add_order):
    order = await add_order([Item("Burger", 1000)])
    preset = await add_preset(db, "Happy hour", rate_ppm=100_000)
    body = await gql(
        APPLY,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "presetId": gid("DiscountPreset", preset.id),
                "reason": "5pm",
            }
        },
        staff=server,
    )
    discount_id = body["data"]["applyDiscount"]["discount"]["id"]
    body = await gql(REMOVE, {"id": discount_id, "reason": "after 7pm"}, staff=server)
    assert body["data"]["removeDiscount"]["discount"]["status"] == "REMOVED"


async def test_the_version_rule_holds(db, gql, manager, add_order):
    order = await add_order([Item("Burger", 1000)])
    order_gid = gid("Order", order.id)
    stale = {"orderId": order_gid, "amount": "1.00", "reason": "x", "version": 7}
    body = await gql(APPLY, {"input": stale}, staff=manager)
    assert body["data"]["applyDiscount"]["code"] == "VERSION_CONFLICT"
    body = await gql(APPLY, {"input": {**stale, "version": 1}}, staff=manager)
    assert body["data"]["applyDiscount"]["order"]["version"] == 2
    body = await gql(APPLY, {"input": {**stale, "version": 1}}, staff=manager)
    assert body["data"]["applyDiscount"]["code"] == "VERSION_CONFLICT"
    assert len(await _discounts(db, order.id)) == 1


async def test_order_lists_its_discounts(db, gql, server, manager, add_order):
    order = await add_order([Item("Burger", 1000)])
    await gql(
        REQUEST,
        {"input": {"orderId": gid("Order", order.id), "amount": "2.50", "reason": "x"}},
        staff=server,
    )
    body = await gql(
        "query($id: ID!) { order(id: $id) { discounts { kind amount { amount } status reason } } }",
        {"id": gid("Order", order.id)},
        staff=server,
    )
    assert body["data"]["order"]["discounts"] == [
        {"kind": "AMOUNT", "amount": {"amount": "2.50"}, "status": "PENDING", "reason": "x"}
    ]


async def test_a_server_requests_a_comp_and_a_manager_approves(db, gql, server, manager, add_order):
    order = await add_order([Item("Steak", 3000), Item("Wine", 1000)])
    steak, _ = await _lines(db, order.id)
    body = await gql(
        REQUEST,
        {
            "input": {
                "orderId": gid("Order", order.id),
                "lineId": gid("OrderLine", steak.id),
                "comp": True,
                "reason": "overcooked",
            }
        },
        staff=server,
    )
    requested = body["data"]["requestDiscount"]["discount"]
    assert (requested["isComp"], requested["status"]) == (True, "PENDING")
    body = await gql(APPROVE, {"id": requested["id"]}, staff=manager)
    assert body["data"]["approveDiscount"]["discount"]["status"] == "APPLIED"
    assert (await check_of(db, order.id)).total_cents == 1000


async def test_discounts_of_many_orders_take_constant_statements(
    db, gql, server, manager, add_order, count_statements
):
    query = """query($first: Int!) { orders(first: $first) { edges { node {
      discounts { name status } serviceCharges { name } } } } }"""
    counts = {}
    for size in (2, 6):
        orders = [await add_order([Item("Soup", 500)]) for _ in range(size)]
        for order in orders:
            await gql(
                APPLY,
                {"input": {"orderId": gid("Order", order.id), "amount": "1", "reason": "x"}},
                staff=manager,
            )
        with count_statements() as counter:
            body = await gql(query, {"first": size}, staff=server)
        edges = body["data"]["orders"]["edges"]
        assert len(edges) == size
        assert all(edge["node"]["discounts"] == [{"name": "Discount", "status": "APPLIED"}]
                   for edge in edges)  # fmt: skip
        counts[size] = counter.count
    assert counts[2] == counts[6], counts


async def test_discounts_and_charges_are_nodes(db, gql, server, manager, add_order):
    order = await add_order([Item("Soup", 500)])
    body = await gql(
        APPLY,
        {"input": {"orderId": gid("Order", order.id), "amount": "1", "reason": "x"}},
        staff=manager,
    )
    discount_id = body["data"]["applyDiscount"]["discount"]["id"]
    body = await gql(
        "query($id: ID!) { node(id: $id) { id ... on OrderDiscount { reason status } } }",
        {"id": discount_id},
        staff=server,
    )
    assert body["data"]["node"] == {"id": discount_id, "reason": "x", "status": "APPLIED"}
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("OrderServiceCharge", 12345)},
        staff=server,
    )
    assert body["data"]["node"] is None


async def test_an_order_holds_a_bounded_number_of_discounts(db, gql, manager, add_order):
    order = await add_order([Item("Soup", 500)])
    async with db.session() as session:
        session.add_all(
            OrderDiscount(
                order_id=order.id,
                name="Old",
                kind="amount",
                amount_cents=1,
                reason="x",
                status=AdjustmentStatus.DENIED,
            )
            for _ in range(MAX_DISCOUNTS_PER_ORDER)
        )
    body = await gql(
        APPLY,
        {"input": {"orderId": gid("Order", order.id), "amount": "1", "reason": "x"}},
        staff=manager,
    )
    result = body["data"]["applyDiscount"]
    assert result["code"] == "CONFLICT"
    assert f"at most {MAX_DISCOUNTS_PER_ORDER} discounts" in result["message"]


async def test_a_cached_order_shows_a_new_discount(db, gql, server, manager, add_order):
    order = await add_order([Item("Soup", 500)])
    query = "query($id: ID!) { order(id: $id) { version discounts { status } } }"
    variables = {"id": gid("Order", order.id)}
    first = await gql(query, variables, staff=server)
    assert first["data"]["order"] == {"version": 1, "discounts": []}
    assert (await gql(query, variables, staff=server)) == first  # cached or not: the same
    await gql(
        APPLY,
        {"input": {"orderId": gid("Order", order.id), "amount": "1", "reason": "x"}},
        staff=manager,
    )
    after = await gql(query, variables, staff=server)
    assert after["data"]["order"] == {"version": 2, "discounts": [{"status": "APPLIED"}]}
