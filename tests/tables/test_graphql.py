"""Tables and seats over GraphQL: the same rules as REST, typed errors, no N+1."""

from __future__ import annotations

from tests.conftest import gid
from tests.factories import Item


def tid(database_id: int) -> str:
    return gid("Table", database_id)


def oid(database_id: int) -> str:
    return gid("Order", database_id)


TABLE = (
    "id tableNumber capacity status isOccupied currentOrderId mergedInto "
    "seats { seatNumber status customerName }"
)
ERROR = "... on Error { __typename code message }"


async def mutate(gql, staff, name, args, selection):
    doc = f"mutation {{ r: {name}({args}) {{ __typename {selection} {ERROR} }} }}"
    body = await gql(doc, staff=staff)
    assert "errors" not in body, body
    return body["data"]["r"]


async def test_create_update_delete(gql, manager):
    created = await mutate(
        gql,
        manager,
        "createTable",
        "input: {tableNumber: 4, capacity: 2}",
        f"... on TablePayload {{ table {{ {TABLE} }} }}",
    )
    table = created["table"]
    assert table["status"] == "AVAILABLE" and table["capacity"] == 2
    assert [s["seatNumber"] for s in table["seats"]] == [1, 2]
    duplicate = await mutate(
        gql, manager, "createTable", "input: {tableNumber: 4, capacity: 2}", ""
    )
    assert duplicate == {
        "__typename": "ConflictError",
        "code": "DUPLICATE",
        "message": "Table number already exists",
    }
    bad = await mutate(gql, manager, "createTable", "input: {tableNumber: 5, capacity: 51}", "")
    assert bad["__typename"] == "ValidationError"
    updated = await mutate(
        gql,
        manager,
        "updateTable",
        f'id: "{table["id"]}", input: {{capacity: 3, status: RESERVED}}',
        f"... on TablePayload {{ table {{ {TABLE} }} }}",
    )
    assert updated["table"]["status"] == "RESERVED"
    assert len(updated["table"]["seats"]) == 3
    deleted = await mutate(
        gql,
        manager,
        "deleteTable",
        f'id: "{table["id"]}"',
        "... on DeleteTablePayload { id message }",
    )
    assert deleted["message"] == "Table deleted successfully"
    missing = await mutate(gql, manager, "deleteTable", f'id: "{table["id"]}"', "")
    assert (missing["__typename"], missing["message"]) == ("NotFoundError", "Table not found")


async def test_permissions(gql, server, kitchen, add_table):
    table = await add_table(1)
    denied = await mutate(gql, server, "createTable", "input: {tableNumber: 2, capacity: 2}", "")
    assert denied["__typename"] == "PermissionDeniedError"
    assert denied["message"] == "Not enough permissions"
    seat = await mutate(
        gql, kitchen, "assignSeat", f'tableId: "{tid(table.id)}", seatNumber: 1', ""
    )
    assert seat["__typename"] == "PermissionDeniedError"
    anonymous = await mutate(
        gql, None, "assignSeat", f'tableId: "{tid(table.id)}", seatNumber: 1', ""
    )
    assert anonymous["__typename"] == "AuthenticationError"
    body = await gql("{ tables { id } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql(
        "{ tables { id } availableTables { id } occupiedTables { id } }", staff=kitchen
    )
    assert body["data"]["tables"] == [{"id": tid(table.id)}]


async def test_seats_assign_release_and_conflict(gql, server, add_table):
    table = await add_table(1, capacity=2)
    args = f'tableId: "{tid(table.id)}", seatNumber: 2, customerName: "Ada"'
    seated = await mutate(
        gql, server, "assignSeat", args, f"... on SeatPayload {{ message table {{ {TABLE} }} }}"
    )
    assert seated["message"] == "Seat 2 assigned successfully"
    assert seated["table"]["status"] == "OCCUPIED"
    assert seated["table"]["seats"][1] == {
        "seatNumber": 2,
        "status": "OCCUPIED",
        "customerName": "Ada",
    }
    taken = await mutate(gql, server, "assignSeat", args, "")
    assert taken == {
        "__typename": "ConflictError",
        "code": "SEAT_TAKEN",
        "message": "Seat 2 is already occupied",
    }
    missing = await mutate(
        gql, server, "assignSeat", f'tableId: "{tid(table.id)}", seatNumber: 9', ""
    )
    assert missing["message"] == "Seat not found"
    released = await mutate(
        gql,
        server,
        "releaseSeat",
        f'tableId: "{tid(table.id)}", seatNumber: 2',
        "... on SeatPayload { message table { status } }",
    )
    assert released == {
        "__typename": "SeatPayload",
        "message": "Seat 2 released successfully",
        "table": {"status": "AVAILABLE"},
    }


async def test_assign_release_and_current_order(gql, server, add_table, add_order):
    table = await add_table(1)
    order = await add_order([Item("Soup", 650)])
    assigned = await mutate(
        gql,
        server,
        "assignTable",
        f'tableId: "{tid(table.id)}", orderId: "{oid(order.id)}"',
        "... on TablePayload { table { status currentOrder { id total { amount } } } }",
    )
    assert assigned["table"] == {
        "status": "OCCUPIED",
        "currentOrder": {"id": oid(order.id), "total": {"amount": "6.50"}},
    }
    other = await add_order([Item("Tea", 250)])
    occupied = await mutate(
        gql, server, "assignTable", f'tableId: "{tid(table.id)}", orderId: "{oid(other.id)}"', ""
    )
    assert (occupied["code"], occupied["message"]) == (
        "TABLE_OCCUPIED",
        "Table is already occupied",
    )
    released = await mutate(
        gql,
        server,
        "releaseTable",
        f'tableId: "{tid(table.id)}"',
        "... on TablePayload { table { status currentOrder { id } } }",
    )
    assert released["table"] == {"status": "AVAILABLE", "currentOrder": None}


async def test_merge_unmerge_transfer(gql, server, add_table, add_order):
    first = await add_table(1, capacity=2)
    second = await add_table(2, capacity=2)
    third = await add_table(3, capacity=2)
    await add_order([Item("Soup", 650)], table_id=first.id)
    order2 = await add_order([Item("Steak", 2490)], table_id=second.id)
    merged = await mutate(
        gql,
        server,
        "mergeTables",
        f'tableId: "{tid(first.id)}", otherTableId: "{tid(second.id)}"',
        "... on MergePayload { table { capacity } mergedTable { mergedInto } "
        "order { lines { name } } }",
    )
    assert merged["table"] == {"capacity": 4}
    assert merged["mergedTable"] == {"mergedInto": tid(first.id)}
    assert [ln["name"] for ln in merged["order"]["lines"]] == ["Soup", "Steak"]
    again = await mutate(
        gql,
        server,
        "mergeTables",
        f'tableId: "{tid(third.id)}", otherTableId: "{tid(second.id)}"',
        "",
    )
    assert (again["__typename"], again["code"]) == ("ConflictError", "TABLE_MERGED")
    itself = await mutate(
        gql,
        server,
        "mergeTables",
        f'tableId: "{tid(third.id)}", otherTableId: "{tid(third.id)}"',
        "",
    )
    assert itself["message"] == "Cannot merge a table with itself"
    unmerged = await mutate(
        gql,
        server,
        "unmergeTable",
        f'tableId: "{tid(second.id)}"',
        "... on UnmergePayload { table { capacity } restoredTable { capacity mergedInto } "
        "restoredOrder { id lines { name } } }",
    )
    assert unmerged["table"] == {"capacity": 2}
    assert unmerged["restoredTable"] == {"capacity": 2, "mergedInto": None}
    assert unmerged["restoredOrder"] == {"id": oid(order2.id), "lines": [{"name": "Steak"}]}
    moved = await mutate(
        gql,
        server,
        "transferOrder",
        f'orderId: "{oid(order2.id)}", tableId: "{tid(third.id)}"',
        "... on TransferPayload { order { tableId } table { id status } }",
    )
    assert moved["order"] == {"tableId": tid(third.id)}
    assert moved["table"] == {"id": tid(third.id), "status": "OCCUPIED"}


SPLIT_ITEMS = [
    Item("Burger", 899, seat_number=1),
    Item("Fries", 350, quantity=2, seat_number=2),
    Item("Wine", 690, seat_number=1),
]


async def test_split_preview_changes_nothing_and_matches_the_split(
    gql, server, add_table, add_order, read_order, kitchen_snapshot
):
    table = await add_table(1)
    original = await add_order(SPLIT_ITEMS, table_id=table.id)
    tickets = await kitchen_snapshot()
    splits = {
        "{mode: ITEMS, items: [[0], [1, 2]]}": ["8.99", "13.90"],
        "{mode: SEATS}": ["15.89", "7.00"],
        "{mode: SEATS, seatAssignments: [{seatNumber: 1, items: [0, 1]}, "
        "{seatNumber: 2, items: [2]}]}": ["15.99", "6.90"],
        "{mode: EVEN, ways: 3}": ["7.63", "7.63", "7.63"],
    }
    for split, amounts in splits.items():
        body = await gql(
            f'{{ splitPreview(tableId: "{tid(table.id)}", split: {split}) '
            "{ orderId total { amount } shares { label lineIndexes total { amount } } } }",
            staff=server,
        )
        preview = body["data"]["splitPreview"]
        assert preview["orderId"] == oid(original.id)
        assert preview["total"] == {"amount": "22.89"}
        assert [s["total"]["amount"] for s in preview["shares"]] == amounts
    assert (await read_order(original.id))[0].status == "open"

    result = await mutate(
        gql,
        server,
        "splitBill",
        f'tableId: "{tid(table.id)}", split: {{mode: EVEN, ways: 3}}',
        "... on SplitBillPayload { orders { status total { amount } lines { name } } }",
    )
    assert [o["total"]["amount"] for o in result["orders"]] == ["7.63", "7.63", "7.63"]
    assert (await read_order(original.id))[0].status == "split"
    assert await kitchen_snapshot() == tickets


async def test_split_errors(gql, server, add_table, add_order):
    table = await add_table(1)
    none = await mutate(
        gql, server, "splitBill", f'tableId: "{tid(table.id)}", split: {{mode: EVEN, ways: 2}}', ""
    )
    assert (none["__typename"], none["message"]) == (
        "ValidationError",
        "Table has no order to split",
    )
    missing = await mutate(
        gql, server, "splitBill", f'tableId: "{tid(999)}", split: {{mode: SEATS}}', ""
    )
    assert missing["message"] == "Table not found"
    await add_order(SPLIT_ITEMS, table_id=table.id)
    for split in (
        "{mode: ITEMS, items: [[0], [1]]}",
        "{mode: ITEMS}",
        "{mode: EVEN}",
        "{mode: EVEN, ways: -1}",
        "{mode: SEATS, seatAssignments: [{seatNumber: 1, items: [0, 1, 2, 2]}]}",
    ):
        bad = await mutate(
            gql, server, "splitBill", f'tableId: "{tid(table.id)}", split: {split}', ""
        )
        assert bad["__typename"] == "ValidationError", split
    body = await gql(
        f'{{ splitPreview(tableId: "{tid(table.id)}", split: {{mode: ITEMS, items: [[5]]}}) '
        "{ orderId } }",
        staff=server,
    )
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_tables_query_statement_count_does_not_grow(
    app, gql, server, add_table, add_order, count_statements
):
    query = "{ tables { id seats { seatNumber } currentOrder { id lines { name } } } }"
    for number in (1, 2):
        table = await add_table(number)
        await add_order([Item("Soup", 650)], table_id=table.id)
    await gql(query, staff=server)  # proves the document: later ones are answered at the door
    if app.state.response_cache is not None:
        app.state.response_cache.clear()  # the reads, not a cached answer
    with count_statements() as few:
        await gql(query, staff=server)
    for number in range(3, 9):
        table = await add_table(number)
        await add_order([Item("Soup", 650)], table_id=table.id)
    with count_statements() as many:
        body = await gql(query, staff=server)
    assert len(body["data"]["tables"]) == 8
    assert many.count == few.count
