"""/api/tables over REST, row by row of REST_CONTRACT.md."""

from __future__ import annotations

import pytest

from tests.factories import Item
from tests.factories import table_json as get_table

TABLE_FIELDS = {
    "id",
    "table_number",
    "capacity",
    "is_occupied",
    "current_order_id",
    "status",
    "seats",
    "merged_into",
}


async def create(client, staff, number=1, capacity=4):
    return await client.post(
        "/api/tables", json={"table_number": number, "capacity": capacity}, headers=staff.headers
    )


# --- CRUD -------------------------------------------------------------------------------------


async def test_create_table_has_numbered_available_seats(client, manager):
    response = await create(client, manager, number=7, capacity=3)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= TABLE_FIELDS
    assert body["table_number"] == 7
    assert body["capacity"] == 3
    assert body["is_occupied"] is False
    assert body["status"] == "available"
    assert body["current_order_id"] is None
    assert body["merged_into"] is None
    assert body["seats"] == [
        {"seat_number": n, "status": "available", "customer_name": None} for n in (1, 2, 3)
    ]


@pytest.mark.parametrize("path", ["/api/tables", "/api/tables/"])
async def test_collection_answers_with_and_without_slash(client, manager, path):
    created = await client.post(
        path, json={"table_number": 1, "capacity": 2}, headers=manager.headers
    )
    assert created.status_code == 200
    listed = await client.get(path, headers=manager.headers)
    assert listed.status_code == 200
    assert [t["table_number"] for t in listed.json()] == [1]


async def test_duplicate_table_number_is_400(client, manager):
    assert (await create(client, manager, number=3)).status_code == 200
    response = await create(client, manager, number=3)
    assert response.status_code == 400
    assert response.json() == {"detail": "Table number already exists"}


@pytest.mark.parametrize(
    "body",
    [
        {"table_number": 1, "capacity": 0},
        {"table_number": 1, "capacity": 51},
        {"table_number": 1},
        {"capacity": 4},
        {"table_number": "x", "capacity": 4},
        {"table_number": 0, "capacity": 4},
        {"table_number": 2**40, "capacity": 4},
        {"table_number": 1, "capacity": 2**40},
    ],
)
async def test_create_rejects_bad_input_with_422(client, manager, body):
    response = await client.post("/api/tables", json=body, headers=manager.headers)
    assert response.status_code == 422


async def test_get_missing_table_is_404(client, server):
    for table_id in (999, 2**40):
        response = await client.get(f"/api/tables/{table_id}", headers=server.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Table not found"}


async def test_update_renumbers_and_resizes(client, manager):
    table = (await create(client, manager, number=1, capacity=2)).json()
    response = await client.put(
        f"/api/tables/{table['id']}", json={"capacity": 4}, headers=manager.headers
    )
    assert response.status_code == 200
    assert [s["seat_number"] for s in response.json()["seats"]] == [1, 2, 3, 4]
    response = await client.put(
        f"/api/tables/{table['id']}",
        json={"capacity": 1, "table_number": 9},
        headers=manager.headers,
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["capacity"], body["table_number"]) == (1, 9)
    assert [s["seat_number"] for s in body["seats"]] == [1]


async def test_update_errors(client, manager, server):
    first = (await create(client, manager, number=1, capacity=3)).json()
    await create(client, manager, number=2)
    url = f"/api/tables/{first['id']}"
    response = await client.put(url, json={"table_number": 2}, headers=manager.headers)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Table number already exists"},
    )
    response = await client.put("/api/tables/999", json={"capacity": 2}, headers=manager.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    response = await client.put(url, json={"capacity": 99}, headers=manager.headers)
    assert response.status_code == 422
    response = await client.put(url, json={"status": "broken"}, headers=manager.headers)
    assert response.status_code == 422
    # Removing an occupied seat is a conflict.
    await client.post(f"{url}/assign-seat/3", headers=server.headers)
    response = await client.put(url, json={"capacity": 2}, headers=manager.headers)
    assert response.status_code == 409
    assert len((await get_table(client, manager, first["id"]))["seats"]) == 3


async def test_manager_sets_reserved_and_cleaning(client, manager):
    table = (await create(client, manager)).json()
    url = f"/api/tables/{table['id']}"
    for status in ("reserved", "cleaning", "available"):
        response = await client.put(url, json={"status": status}, headers=manager.headers)
        assert response.status_code == 200
        assert response.json()["status"] == status


async def test_status_of_a_table_in_use_cannot_be_set(client, manager, server):
    table = (await create(client, manager)).json()
    url = f"/api/tables/{table['id']}"
    await client.post(f"{url}/assign-seat/1", headers=server.headers)
    response = await client.put(url, json={"status": "cleaning"}, headers=manager.headers)
    assert response.status_code == 400
    assert (await get_table(client, manager, table["id"]))["status"] == "occupied"


async def test_delete_table(client, manager, server):
    table = (await create(client, manager)).json()
    url = f"/api/tables/{table['id']}"
    await client.post(f"{url}/assign-seat/2", headers=server.headers)
    response = await client.delete(url, headers=manager.headers)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Cannot delete an occupied table"},
    )
    await client.post(f"{url}/release-seat/2", headers=server.headers)
    response = await client.delete(url, headers=manager.headers)
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Table deleted successfully"},
    )
    response = await client.delete(url, headers=manager.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})


# --- permissions --------------------------------------------------------------------------


async def test_everything_needs_authentication(client, add_table):
    table = await add_table(1)
    calls = [
        ("GET", "/api/tables"),
        ("GET", "/api/tables/"),
        ("GET", f"/api/tables/{table.id}"),
        ("GET", "/api/tables/occupied/"),
        ("GET", "/api/tables/available/"),
        ("POST", "/api/tables"),
        ("PUT", f"/api/tables/{table.id}"),
        ("DELETE", f"/api/tables/{table.id}"),
        ("POST", f"/api/tables/{table.id}/assign/1"),
        ("POST", f"/api/tables/{table.id}/release"),
        ("POST", f"/api/tables/{table.id}/assign-seat/1"),
        ("POST", f"/api/tables/{table.id}/release-seat/1"),
        ("POST", f"/api/tables/merge-tables/{table.id}/2"),
        ("POST", f"/api/tables/{table.id}/unmerge"),
        ("POST", f"/api/tables/transfer/1/{table.id}"),
        ("POST", f"/api/tables/split-bill/{table.id}"),
    ]
    for method, path in calls:
        response = await client.request(method, path)
        assert response.status_code == 401, (method, path)
        bad = await client.request(method, path, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401, (method, path)


async def test_servers_cannot_manage_tables(client, server, add_table):
    table = await add_table(1)
    denied = [
        await client.post(
            "/api/tables", json={"table_number": 2, "capacity": 2}, headers=server.headers
        ),
        await client.put(
            f"/api/tables/{table.id}", json={"status": "reserved"}, headers=server.headers
        ),
        await client.delete(f"/api/tables/{table.id}", headers=server.headers),
    ]
    for response in denied:
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Not enough permissions"},
        )


async def test_kitchen_reads_but_does_not_seat(client, kitchen, add_table):
    table = await add_table(1)
    assert (await client.get("/api/tables", headers=kitchen.headers)).status_code == 200
    assert (await client.get(f"/api/tables/{table.id}", headers=kitchen.headers)).status_code == 200
    for path in (
        f"/api/tables/{table.id}/assign-seat/1",
        f"/api/tables/{table.id}/release",
        f"/api/tables/{table.id}/assign/1",
        "/api/tables/merge-tables/1/2",
        f"/api/tables/split-bill/{table.id}",
    ):
        response = await client.post(path, headers=kitchen.headers)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Not enough permissions"},
        ), path


async def test_admin_manages_tables(client, admin):
    assert (await create(client, admin, number=5)).status_code == 200


# --- seats -------------------------------------------------------------------------------


async def test_assign_seat_with_query_parameter(client, server, add_table):
    table = await add_table(1, capacity=2)
    url = f"/api/tables/{table.id}/assign-seat/2"
    response = await client.post(url, params={"customer_name": "Ada"}, headers=server.headers)
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Seat 2 assigned successfully"},
    )
    body = await get_table(client, server, table.id)
    assert body["status"] == "occupied" and body["is_occupied"] is True
    assert body["seats"][1] == {"seat_number": 2, "status": "occupied", "customer_name": "Ada"}
    assert body["seats"][0]["status"] == "available"


async def test_assign_seat_with_form_field_and_without_name(client, server, add_table):
    table = await add_table(1, capacity=2)
    response = await client.post(
        f"/api/tables/{table.id}/assign-seat/1",
        data={"customer_name": "Grace"},
        headers=server.headers,
    )
    assert response.status_code == 200
    response = await client.post(f"/api/tables/{table.id}/assign-seat/2", headers=server.headers)
    assert response.status_code == 200
    seats = (await get_table(client, server, table.id))["seats"]
    assert [(s["status"], s["customer_name"]) for s in seats] == [
        ("occupied", "Grace"),
        ("occupied", None),
    ]


async def test_assign_taken_seat_is_409(client, server, add_table):
    table = await add_table(1, capacity=2)
    url = f"/api/tables/{table.id}/assign-seat/1"
    assert (await client.post(url, headers=server.headers)).status_code == 200
    response = await client.post(url, params={"customer_name": "Bob"}, headers=server.headers)
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Seat 1 is already occupied"},
    )


async def test_seat_not_found_and_table_not_found(client, server, add_table):
    table = await add_table(1, capacity=2)
    for path in (f"/api/tables/{table.id}/assign-seat/3", f"/api/tables/{table.id}/release-seat/0"):
        response = await client.post(path, headers=server.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Seat not found"})
    for path in ("/api/tables/999/assign-seat/1", "/api/tables/999/release-seat/1"):
        response = await client.post(path, headers=server.headers)
        assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    response = await client.post(
        f"/api/tables/{table.id}/assign-seat/{2**40}", headers=server.headers
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["x" * 101, "a\x00b", "bell\x07"])
async def test_bad_customer_name_is_422(client, server, add_table, name):
    table = await add_table(1)
    url = f"/api/tables/{table.id}/assign-seat/1"
    response = await client.post(url, params={"customer_name": name}, headers=server.headers)
    assert response.status_code == 422
    response = await client.post(url, json={"customer_name": 5}, headers=server.headers)
    assert response.status_code == 422
    response = await client.post(url, content=b"{oops", headers=server.headers)
    assert response.status_code == 422


async def test_assign_seat_with_json_and_multipart_bodies(client, server, add_table):
    table = await add_table(1, capacity=2)
    base = f"/api/tables/{table.id}/assign-seat"
    response = await client.post(f"{base}/1", json={"customer_name": "Lin"}, headers=server.headers)
    assert response.status_code == 200
    response = await client.post(
        f"{base}/2", files={"customer_name": (None, "Mo")}, headers=server.headers
    )
    assert response.status_code == 200
    seats = (await get_table(client, server, table.id))["seats"]
    assert [s["customer_name"] for s in seats] == ["Lin", "Mo"]


async def test_last_released_seat_frees_the_table(client, server, add_table):
    table = await add_table(1, capacity=2)
    base = f"/api/tables/{table.id}"
    await client.post(f"{base}/assign-seat/1", headers=server.headers)
    await client.post(f"{base}/assign-seat/2", headers=server.headers)
    response = await client.post(f"{base}/release-seat/1", headers=server.headers)
    assert (response.status_code, response.json()) == (
        200,
        {"message": "Seat 1 released successfully"},
    )
    assert (await get_table(client, server, table.id))["status"] == "occupied"
    await client.post(f"{base}/release-seat/2", headers=server.headers)
    body = await get_table(client, server, table.id)
    assert body["status"] == "available"
    assert all(s["status"] == "available" and s["customer_name"] is None for s in body["seats"])


async def test_releasing_seats_keeps_a_table_with_an_open_order(
    client, server, add_table, add_order
):
    table = await add_table(1, capacity=2)
    await add_order([Item("Soup", 650)], table_id=table.id)
    for seat in (1, 2):
        await client.post(f"/api/tables/{table.id}/release-seat/{seat}", headers=server.headers)
    body = await get_table(client, server, table.id)
    assert body["status"] == "occupied"
    assert body["current_order_id"] is not None


# --- assign and release tables ---------------------------------------------------------------


async def test_assign_table_to_order(client, server, add_table, add_order):
    table = await add_table(1, capacity=2)
    order = await add_order([Item("Soup", 650)])
    response = await client.post(
        f"/api/tables/{table.id}/assign/{order.id}", headers=server.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "occupied" and body["is_occupied"] is True
    assert body["current_order_id"] == order.id
    assert all(s["status"] == "occupied" for s in body["seats"])
    order_body = (await client.get(f"/api/orders/{order.id}", headers=server.headers)).json()
    assert order_body["table_id"] == table.id


async def test_assign_errors(client, server, add_table, add_order):
    table = await add_table(1)
    first = await add_order([Item("Soup", 650)], table_id=table.id)
    second = await add_order([Item("Tea", 250)])
    response = await client.post(f"/api/tables/999/assign/{second.id}", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})
    response = await client.post(f"/api/tables/{table.id}/assign/999", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Order not found"})
    response = await client.post(
        f"/api/tables/{table.id}/assign/{second.id}", headers=server.headers
    )
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Table is already occupied"},
    )
    # Assigning the order the table already holds changes nothing.
    response = await client.post(
        f"/api/tables/{table.id}/assign/{first.id}", headers=server.headers
    )
    assert response.status_code == 200


async def test_release_table(client, server, add_table, add_order):
    table = await add_table(1, capacity=2)
    order = await add_order([Item("Soup", 650)], table_id=table.id)
    await client.post(
        f"/api/tables/{table.id}/assign-seat/1",
        params={"customer_name": "x"},
        headers=server.headers,
    )
    response = await client.post(f"/api/tables/{table.id}/release", headers=server.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "available" and body["current_order_id"] is None
    assert all(s == {**s, "status": "available", "customer_name": None} for s in body["seats"])
    order_body = (await client.get(f"/api/orders/{order.id}", headers=server.headers)).json()
    assert order_body["status"] == "open"
    assert order_body["table_id"] is None
    response = await client.post("/api/tables/999/release", headers=server.headers)
    assert (response.status_code, response.json()) == (404, {"detail": "Table not found"})


async def test_occupied_and_available_lists(client, server, add_table, add_order):
    free = await add_table(1)
    busy = await add_table(2)
    merged_host = await add_table(3)
    merged = await add_table(4)
    await add_order([Item("Soup", 650)], table_id=busy.id)
    await client.post(
        f"/api/tables/merge-tables/{merged_host.id}/{merged.id}", headers=server.headers
    )
    for path in ("/api/tables/occupied/", "/api/tables/occupied"):
        response = await client.get(path, headers=server.headers)
        assert response.status_code == 200
        assert busy.id in [t["id"] for t in response.json()]
        assert free.id not in [t["id"] for t in response.json()]
    for path in ("/api/tables/available/", "/api/tables/available"):
        response = await client.get(path, headers=server.headers)
        assert response.status_code == 200
        assert [t["id"] for t in response.json()] == [free.id, merged_host.id]


async def test_closing_the_order_frees_the_table(client, server, add_table, add_order):
    table = await add_table(1)
    order = await add_order([Item("Soup", 650)], table_id=table.id)
    response = await client.post(
        f"/api/orders/{order.id}/close", json={"payment_method": "card"}, headers=server.headers
    )
    assert response.status_code == 200, response.text
    assert (await get_table(client, server, table.id))["status"] == "available"
