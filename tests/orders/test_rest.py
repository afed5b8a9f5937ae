"""The orders rows of REST_CONTRACT.md, on SQLite and PostgreSQL."""

from __future__ import annotations


async def test_place_order_with_menu_and_open_items(client, server, add_menu_item, add_table):
    burger = await add_menu_item("Burger", "8.99")
    table = await add_table(4)
    response = await client.post(
        "/api/orders",
        json={
            "order": [
                {"name": "Special", "price": 5.01, "category": "Main Course"},
                {
                    "menu_item_id": burger.id,
                    "quantity": 2,
                    "modifiers": ["no onions"],
                    "seat_number": 1,
                },
            ],
            "total": 22.99,
            "table_id": table.id,
            "customer_count": 2,
            "special_requests": "window seat",
        },
        headers=server.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 22.99
    assert body["status"] == "open"
    assert body["table_id"] == table.id
    assert body["order"][1]["price"] == 8.99
    assert body["order"][1]["modifiers"] == ["no onions"]
