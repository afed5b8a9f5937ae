"""Service charges: automatic gratuity at the party-size threshold, by hand, removal; the
audit trail (managers only) and voided lines in it."""

from __future__ import annotations

from sqlmodel import col, select

from restaurant_api.orders.models import Order, OrderLine, OrderServiceCharge
from restaurant_api.orders.service import sync_automatic_charges
from restaurant_api.pricing.models import TaxRate
from tests.conftest import gid
from tests.factories import Item
from tests.orders.adjusting import APPLY, AUDIT, add_rule, audit_actions, check_of, moves

PLACE = """
mutation($guests: Int!) {
  placeOrder(input: {customerCount: $guests,
                     lines: [{name: "Steak", price: "50.00", category: "Mains"},
                             {name: "Wine", price: "50.00", category: "Drinks"}]}) {
    __typename ... on OrderPayload { order { id databaseId version } }
  }
}"""

GUESTS = """
mutation($id: ID!, $guests: Int!) {
  updateOrder(orderId: $id, input: {customerCount: $guests}) {
    __typename ... on OrderPayload { order { version serviceCharges {
      name rate automatic status removedById removeReason } } }
    ... on Error { code message }
  }
}"""

CHARGE_RESULT = """
    __typename
    ... on ServiceChargePayload {
      serviceCharge { id name kind rate amount { amount } taxable automatic status
                      addedById removedById removeReason }
      order { version }
    }
    ... on Error { code message }
    ... on ValidationError { field }
"""
ADD = (
    "mutation($input: ServiceChargeInput!) { addServiceCharge(input: $input) {"
    + CHARGE_RESULT
    + "} }"
)
REMOVE = (
    "mutation($id: ID!, $reason: String!) { removeServiceCharge(serviceChargeId: $id, "
    "reason: $reason) {" + CHARGE_RESULT + "} }"
)


async def _charges(db, order_id):
    async with db.session() as session:
        rows = await session.exec(
            select(OrderServiceCharge)
            .where(OrderServiceCharge.order_id == order_id)
            .order_by(col(OrderServiceCharge.id))
        )
        return list(rows.all())


async def _place(gql, staff, guests):
    body = await gql(PLACE, {"guests": guests}, staff=staff)
    return body["data"]["placeOrder"]["order"]


async def test_automatic_gratuity_at_the_party_size_threshold(db, gql, server, manager):
    await add_rule(db, "Gratuity", rate_ppm=180_000, auto_min_guests=6)
    five = await _place(gql, server, 5)
    assert await _charges(db, five["databaseId"]) == []
    assert (await check_of(db, five["databaseId"])).total_cents == 10_000

    six = await _place(gql, server, 6)
    assert six["version"] == 1
    (charge,) = await _charges(db, six["databaseId"])
    assert (charge.name, charge.automatic, charge.status) == ("Gratuity", True, "applied")
    check = await check_of(db, six["databaseId"])
    assert (check.service_charge_cents, check.total_cents) == (1800, 11_800)

    # Five guests, then six: added; back to five: removed.
    body = await gql(GUESTS, {"id": five["id"], "guests": 6}, staff=server)
    charges = body["data"]["updateOrder"]["order"]["serviceCharges"]
    assert [(c["name"], c["rate"], c["automatic"], c["status"]) for c in charges] == [
        ("Gratuity", "18", True, "APPLIED")
    ]
    assert (await check_of(db, five["databaseId"])).total_cents == 11_800
    body = await gql(GUESTS, {"id": five["id"], "guests": 5}, staff=server)
    (removed,) = body["data"]["updateOrder"]["order"]["serviceCharges"]
    assert removed["status"] == "REMOVED"
    assert removed["removedById"] is None
    assert (await check_of(db, five["databaseId"])).total_cents == 10_000
    # ... and six again: a new automatic charge.
    body = await gql(GUESTS, {"id": five["id"], "guests": 7}, staff=server)
    statuses = [c["status"] for c in body["data"]["updateOrder"]["order"]["serviceCharges"]]
    assert statuses == ["APPLIED"]  # the rule's one row, applied again

    entries = await audit_actions(gql, manager, five["id"])
    assert moves(entries) == [
        ("service_charge_added", "100.00", "118.00"),
        ("service_charge_removed", "118.00", "100.00"),
        ("service_charge_added", "100.00", "118.00"),
    ]
    assert entries[0]["actorId"] == gid("User", server.user.id)
    assert entries[0]["reason"] == "Automatic: party of 6"


async def test_a_gratuity_a_manager_removed_stays_removed(db, gql, server, manager):
    await add_rule(db, "Gratuity", rate_ppm=180_000, auto_min_guests=6)
    order = await _place(gql, server, 8)
    (charge,) = await _charges(db, order["databaseId"])
    charge_gid = gid("OrderServiceCharge", charge.id)
    body = await gql(REMOVE, {"id": charge_gid, "reason": "asked"}, staff=server)
    assert body["data"]["removeServiceCharge"]["code"] == "PERMISSION_DENIED"
    body = await gql(REMOVE, {"id": charge_gid, "reason": "guest asked"}, staff=manager)
    removed = body["data"]["removeServiceCharge"]["serviceCharge"]
    assert (removed["status"], removed["removeReason"]) == ("REMOVED", "guest asked")
    assert removed["removedById"] == gid("User", manager.user.id)
    assert body["data"]["removeServiceCharge"]["order"]["version"] == 2
    await gql(GUESTS, {"id": order["id"], "guests": 9}, staff=server)
    await gql(GUESTS, {"id": order["id"], "guests": 5}, staff=server)
    await gql(GUESTS, {"id": order["id"], "guests": 10}, staff=server)
    assert [c.status for c in await _charges(db, order["databaseId"])] == ["removed"]
    assert (await check_of(db, order["databaseId"])).total_cents == 10_000
    body = await gql(REMOVE, {"id": charge_gid, "reason": "again"}, staff=manager)
    assert body["data"]["removeServiceCharge"]["code"] == "INVALID_TRANSITION"


async def test_rules_only_for_some_dining_options_or_inactive_do_not_apply(db, gql, server):
    await add_rule(db, "Delivery gratuity", rate_ppm=100_000, auto_min_guests=1,
                   dining_options=["delivery"])  # fmt: skip
    await add_rule(db, "Old gratuity", rate_ppm=150_000, auto_min_guests=2, is_active=False)
    order = await _place(gql, server, 12)  # dine-in
    assert await _charges(db, order["databaseId"]) == []


async def test_a_manager_adds_a_service_charge_by_hand(db, gql, server, manager, add_order):
    order = await add_order([Item("Cake", 2000)])
    async with db.session() as session:
        session.add(TaxRate(name="Sales", name_key="sales", rate_ppm=100_000, is_default=True))
    order_gid = gid("Order", order.id)
    fields = {"orderId": order_gid, "name": "Cake cutting", "amount": "5.00", "taxable": True}
    body = await gql(ADD, {"input": fields}, staff=server)
    assert body["data"]["addServiceCharge"]["code"] == "PERMISSION_DENIED"
    body = await gql(ADD, {"input": {**fields, "rate": "10"}}, staff=manager)
    assert body["data"]["addServiceCharge"]["field"] == "rate"
    body = await gql(ADD, {"input": {**fields, "reason": "birthday"}}, staff=manager)
    added = body["data"]["addServiceCharge"]["serviceCharge"]
    assert (added["name"], added["kind"], added["amount"], added["taxable"]) == (
        "Cake cutting",
        "AMOUNT",
        {"amount": "5.00"},
        True,
    )
    assert added["addedById"] == gid("User", manager.user.id)
    (charge,) = await _charges(db, order.id)
    assert [rate["name"] for rate in charge.tax_rates] == ["Sales"]
    check = await check_of(db, order.id)
    # The cake has no rates of its own (added by the factory); the charge is taxed at 10%.
    assert (check.service_charge_cents, check.tax_cents, check.total_cents) == (500, 50, 2550)
    entries = await audit_actions(gql, manager, order_gid)
    assert moves(entries) == [("service_charge_added", "20.00", "25.50")]
    assert entries[0]["reason"] == "birthday"


async def test_a_rule_applied_by_hand(db, gql, manager, add_order):
    order = await add_order([Item("Soup", 1000)])
    rule = await add_rule(db, "Corkage", kind="amount", amount_cents=1500)
    body = await gql(
        ADD,
        {"input": {"orderId": gid("Order", order.id), "ruleId": gid("ServiceChargeRule", rule.id)}},
        staff=manager,
    )
    added = body["data"]["addServiceCharge"]["serviceCharge"]
    assert (added["name"], added["amount"], added["automatic"]) == (
        "Corkage",
        {"amount": "15.00"},
        False,
    )
    assert (await check_of(db, order.id)).total_cents == 2500
    body = await gql(
        ADD,
        {"input": {"orderId": gid("Order", order.id), "ruleId": gid("ServiceChargeRule", 9999)}},
        staff=manager,
    )
    assert body["data"]["addServiceCharge"]["code"] == "NOT_FOUND"


async def test_the_audit_trail_is_for_managers_and_pages(db, gql, server, manager):
    await add_rule(db, "Gratuity", rate_ppm=180_000, auto_min_guests=6)
    order = await _place(gql, server, 6)
    await gql(GUESTS, {"id": order["id"], "guests": 2}, staff=server)
    await gql(GUESTS, {"id": order["id"], "guests": 6}, staff=server)
    body = await gql(AUDIT, {"id": order["id"], "first": 10}, staff=server)
    assert body["data"]["order"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    body = await gql(AUDIT, {"id": order["id"], "first": 2}, staff=manager)
    page = body["data"]["order"]["auditTrail"]
    assert [e["node"]["action"] for e in page["edges"]] == [
        "service_charge_added",
        "service_charge_removed",
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    body = await gql(AUDIT, {"id": order["id"], "first": 2, "after": after}, staff=manager)
    rest = body["data"]["order"]["auditTrail"]
    assert [e["node"]["action"] for e in rest["edges"]] == ["service_charge_added"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_voided_lines_are_audited(db, gql, client, server, manager):
    placed = await client.post(
        "/api/orders",
        json={
            "order": [
                {"name": "Steak", "price": "30.00", "category": "Mains"},
                {"name": "Wine", "price": "10.00", "category": "Drinks", "quantity": 2},
            ]
        },
        headers=server.headers,
    )
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["id"]
    wine = placed.json()["order"][1]["id"]
    body = await gql(
        "mutation($id: ID!, $line: ID!) { updateOrder(orderId: $id, input: "
        '{removeLineIds: [$line], voidReason: "spilled"}) { __typename } }',
        {"id": gid("Order", order_id), "line": gid("OrderLine", wine)},
        staff=server,
    )
    assert body["data"]["updateOrder"]["__typename"] == "OrderPayload", body
    entries = await audit_actions(gql, manager, gid("Order", order_id))
    assert moves(entries) == [("line_voided", "50.00", "30.00")]
    assert entries[0]["reason"] == "2 x Wine: spilled"
    assert entries[0]["actorId"] == gid("User", server.user.id)


async def test_a_dining_option_change_resyncs_automatic_charges(db, gql, server):
    await add_rule(db, "Table gratuity", rate_ppm=100_000, auto_min_guests=2,
                   dining_options=["dine_in"])  # fmt: skip
    placed = await _place(gql, server, 4)
    order_id = placed["databaseId"]
    assert [c.status for c in await _charges(db, order_id)] == ["applied"]
    # The field belongs to the dining-option change; the sync only reads the order.
    async with db.session() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        order.dining_option = "takeout"
        session.add(order)
        assert await sync_automatic_charges(session, order, server.user.id) is True
        assert await sync_automatic_charges(session, order, server.user.id) is False
    assert [c.status for c in await _charges(db, order_id)] == ["removed"]
    assert (await check_of(db, order_id)).total_cents == 10_000


async def test_taxes_apply_to_discounted_amounts(db, gql, manager, add_order):
    order = await add_order([Item("Steak", 2000), Item("Wine", 1000)])
    async with db.session() as session:
        for line in (await session.exec(select(OrderLine))).all():
            line.tax_rates = [
                {"id": None, "name": "Sales", "rate_ppm": 100_000, "inclusive": False}
            ]
            session.add(line)
    body = await gql(
        APPLY,
        {"input": {"orderId": gid("Order", order.id), "rate": "10", "reason": "x"}},
        staff=manager,
    )
    assert body["data"]["applyDiscount"]["__typename"] == "DiscountPayload"
    check = await check_of(db, order.id)
    # 30.00 - 3.00 = 27.00; 10% tax on that is 2.70.
    assert (check.discount_cents, check.tax_cents, check.total_cents) == (300, 270, 2970)
    entries = await audit_actions(gql, manager, gid("Order", order.id))
    assert moves(entries) == [("discount_applied", "33.00", "29.70")]


async def test_rest_answers_a_placed_order_with_its_automatic_charge(db, client, server):
    """REST prices its answer from the rows it wrote: it reads the new order's adjustments
    only when a charge was added, and the answer is what a read of the order shows."""
    await add_rule(db, "Gratuity", rate_ppm=180_000, auto_min_guests=6)
    lines = [
        {"name": "Steak", "price": "50.00", "category": "Mains"},
        {"name": "Wine", "price": "50.00", "category": "Drinks"},
    ]
    for guests, charged in ((5, 0), (6, 18)):
        placed = await client.post(
            "/api/orders",
            json={"order": lines, "customer_count": guests},
            headers=server.headers,
        )
        assert placed.status_code == 200, placed.text
        read = await client.get(f"/api/orders/{placed.json()['id']}", headers=server.headers)
        assert placed.json() == read.json()
        assert placed.json()["service_charge_total"] == charged
        assert placed.json()["subtotal"] == 100
