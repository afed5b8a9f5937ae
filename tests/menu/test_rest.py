"""The menu rows of REST_CONTRACT.md, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

BURGER = {"name": "Burger", "price": 8.99, "category": "Mains", "description": "Beef"}


async def _create(client, staff, body=BURGER):
    response = await client.post("/api/menu", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_update_delete(client, manager):
    item = await _create(client, manager)
    assert item["name"] == "Burger"
    assert item["price"] == 8.99
    assert item["is_available"] is True
    for path in ("/api/menu", "/api/menu/"):
        listed = await client.get(path)  # public
        assert [i["id"] for i in listed.json()] == [item["id"]]
    public = await client.get(f"/api/menu/{item['id']}")  # public like the list
    assert public.status_code == 200 and public.json() == item
    one = await client.get(f"/api/menu/{item['id']}", headers=manager.headers)
    assert one.json() == item
    updated = await client.put(
        f"/api/menu/{item['id']}",
        json={"price": 9.5, "is_available": False, "description": None},
        headers=manager.headers,
    )
    assert updated.status_code == 200
    assert updated.json()["price"] == 9.5
    assert updated.json()["is_available"] is False
    assert updated.json()["description"] is None
    assert updated.json()["name"] == "Burger"
    available = await client.get("/api/menu?available=true")
    assert available.json() == []
    deleted = await client.delete(f"/api/menu/{item['id']}", headers=manager.headers)
    assert (deleted.status_code, deleted.json()) == (
        200,
        {"message": "Menu item deleted successfully"},
    )
    for response in (
        await client.get(f"/api/menu/{item['id']}", headers=manager.headers),
        await client.put(f"/api/menu/{item['id']}", json={"price": 1}, headers=manager.headers),
        await client.delete(f"/api/menu/{item['id']}", headers=manager.headers),
        await client.get("/api/menu/99999999999999", headers=manager.headers),
    ):
        assert (response.status_code, response.json()) == (404, {"detail": "Menu item not found"})


async def test_names_are_unique_regardless_of_case(client, manager):
    first = await _create(client, manager)
    other = await _create(client, manager, {"name": "Salad", "price": 5, "category": "Mains"})
    for response in (
        await client.post(
            "/api/menu", json={**BURGER, "name": " burger "}, headers=manager.headers
        ),
        await client.put(
            f"/api/menu/{other['id']}", json={"name": "BURGER"}, headers=manager.headers
        ),
    ):
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Menu item already exists"},
        )
    renamed = await client.put(
        f"/api/menu/{first['id']}", json={"name": "BURGER"}, headers=manager.headers
    )
    assert renamed.status_code == 200


async def test_display_order_appends_within_category(client, manager):
    first = await _create(client, manager)
    second = await _create(client, manager, {"name": "Steak", "price": 20, "category": "Mains"})
    drink = await _create(client, manager, {"name": "Tea", "price": 2, "category": "Drinks"})
    assert second["display_order"] == first["display_order"] + 1
    await client.put(
        f"/api/menu/{second['id']}", json={"display_order": 0}, headers=manager.headers
    )
    listed = [i["id"] for i in (await client.get("/api/menu")).json()]
    assert listed == [drink["id"], second["id"], first["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "price": 1.234, "category": "C"},
        {"name": "X", "price": -1, "category": "C"},
        {"name": "X", "price": "free", "category": "C"},
        {"name": "X", "price": 1e20, "category": "C"},
        {"name": "", "price": 1, "category": "C"},
        {"name": "   ", "price": 1, "category": "C"},
        {"name": "X", "price": 1},
        {"name": "a\x00b", "price": 1, "category": "C"},
        {"name": "X", "price": 1, "category": "C", "description": "\x00"},
        {"name": "X" * 121, "price": 1, "category": "C"},
        {"name": "X", "price": 1, "category": "C", "display_order": -1},
        {"name": "X", "price": 1, "category": "C", "is_available": "maybe"},
    ],
)
async def test_bad_menu_items_are_422(client, manager, body):
    response = await client.post("/api/menu", json=body, headers=manager.headers)
    assert response.status_code == 422, response.text


async def test_concurrent_duplicates_give_one_item(client, manager, backend):
    responses = await asyncio.gather(
        *(
            client.post("/api/menu", json={**BURGER, "name": name}, headers=manager.headers)
            for name in ("Pasta", "pasta", "PASTA", "Pasta ")
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 400, 400, 400]
    assert len((await client.get("/api/menu")).json()) == 1
