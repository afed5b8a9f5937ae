"""REST orders carry their check as additive fields; `total` keeps meaning the sum of the
lines (both backends)."""

from __future__ import annotations

from restaurant_api.orders.models import AdjustmentStatus, OrderDiscount
from tests.factories import place_order as _place
from tests.orders.test_checks import add_rate

CHECK_KEYS = [
    "dining_option",
    "subtotal",
    "discount_total",
    "service_charge_total",
    "tax",
    "inclusive_tax",
    "grand_total",
    "taxes",
]


async def test_every_order_answer_carries_the_check(client, db, server, add_menu_item):
    burger = await add_menu_item("Burger", "10.00")
    wine = await add_menu_item("Wine", "12.00", "Drinks")
    await add_rate(db, "Sales tax", 88_750, default=True)
    await add_rate(db, "VAT", 200_000, inclusive=True, items=[wine.id])
    items = [{"menu_item_id": burger.id, "quantity": 3}, {"menu_item_id": wine.id}]

    placed = await _place(client, server, items, total=42.0)
    assert list(placed)[-len(CHECK_KEYS) :] == CHECK_KEYS  # added after the contract's keys
    expected = {
        "dining_option": "dine_in",
        "subtotal": 42.0,
        "discount_total": 0.0,
        "service_charge_total": 0.0,
        "tax": 2.66,
        "inclusive_tax": 2.0,
        "grand_total": 44.66,
        "taxes": [
            {"name": "Sales tax", "rate": "8.875", "inclusive": False, "amount": 2.66},
            {"name": "VAT", "rate": "20", "inclusive": True, "amount": 2.0},
        ],
    }
    assert {key: placed[key] for key in CHECK_KEYS} == expected
    assert placed["total"] == 42.0  # still the sum of the lines

    one = (await client.get(f"/api/orders/{placed['id']}", headers=server.headers)).json()
    listed = (await client.get("/api/orders", headers=server.headers)).json()
    assert one == placed
    assert listed == [placed]

    # A discount applied on the check shows in every read (priced by the one function).
    async with db.session() as session:
        session.add(
            OrderDiscount(
                order_id=placed["id"],
                name="Happy hour",
                kind="percent",
                rate_ppm=100_000,
                reason="5pm",
                status=AdjustmentStatus.APPLIED,
            )
        )
    one = (await client.get(f"/api/orders/{placed['id']}", headers=server.headers)).json()
    # 10% of 42.00 = 4.20, spread 3.00 / 1.20: sales tax on 27.00 = 2.39625 -> 2.40;
    # VAT inside 10.80 = 1.80.
    assert one["discount_total"] == 4.2
    assert one["tax"] == 2.4
    assert one["inclusive_tax"] == 1.8
    assert one["grand_total"] == 40.2
    assert one["total"] == 42.0
    listed = (await client.get("/api/orders", headers=server.headers)).json()
    assert listed == [one]

    changed = await client.put(
        f"/api/orders/{placed['id']}",
        json={"order": [*items, {"menu_item_id": burger.id}], "dining_option": "takeout"},
        headers=server.headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["dining_option"] == "takeout"
    assert body["subtotal"] == body["total"] == 52.0
    assert body["discount_total"] == 5.2
    assert (
        body["grand_total"]
        == (await client.get(f"/api/orders/{placed['id']}", headers=server.headers)).json()[
            "grand_total"
        ]
    )


async def test_a_table_only_for_dine_in(client, server, add_table):
    table = await add_table(3)
    item = {"name": "Tea", "price": 2.5, "category": "Drinks"}
    response = await client.post(
        "/api/orders",
        json={"order": [item], "table_id": table.id, "dining_option": "delivery"},
        headers=server.headers,
    )
    assert response.status_code in (400, 422), response.text
    assert "dine-in" in response.json()["detail"]
    response = await client.post(
        "/api/orders", json={"order": [item], "dining_option": "picnic"}, headers=server.headers
    )
    assert response.status_code == 422
    takeout = await _place(client, server, [item], dining_option="takeout")
    assert takeout["dining_option"] == "takeout"
    response = await client.put(
        f"/api/orders/{takeout['id']}", json={"table_id": table.id}, headers=server.headers
    )
    assert response.status_code in (400, 422), response.text
    seated = await client.put(
        f"/api/orders/{takeout['id']}",
        json={"table_id": table.id, "dining_option": "dine_in"},
        headers=server.headers,
    )
    assert seated.status_code == 200, seated.text
    assert seated.json()["table_id"] == table.id
    assert seated.json()["dining_option"] == "dine_in"


async def test_the_list_prices_every_order_in_constant_statements(
    client, db, server, add_menu_item, count_statements
):
    soup = await add_menu_item("Soup", "4.10")
    await add_rate(db, "Sales tax", 88_750, default=True)
    counts = {}
    for size in (1, 6):
        while len((await client.get("/api/orders", headers=server.headers)).json()) < size:
            await _place(client, server, [{"menu_item_id": soup.id, "quantity": 2}])
        with count_statements() as counter:
            body = (await client.get("/api/orders", headers=server.headers)).json()
        assert len(body) == size
        assert {order["grand_total"] for order in body} == {8.93}  # 8.20 + 0.73
        counts[size] = counter.count
    assert counts[1] == counts[6]
