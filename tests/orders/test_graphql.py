"""Orders over GraphQL: typed results, the connection, and no N+1 queries."""

from __future__ import annotations

from tests.conftest import dbid, gid

PLACE = """
mutation($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) {
    __typename
    ... on OrderPayload {
      order {
        id version status tableId customerCount
        total { amount cents currency }
        lines { id position name quantity modifiers seatNumber unitPrice { amount }
                lineTotal { amount } menuItem { name } }
        tickets { station status fireNumber lines { name quantity isVoid voidReason } }
      }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE = """
mutation($id: ID!, $input: UpdateOrderInput!) {
  updateOrder(orderId: $id, input: $input) {
    __typename
    ... on OrderPayload {
      order {
        version total { amount } lines { id name quantity }
        tickets { fireNumber lines { name quantity isVoid voidReason } }
      }
    }
    ... on Error { code message }
  }
}"""

UPDATE_FIELD = """
mutation($id: ID!, $input: UpdateOrderInput!) {
  updateOrder(orderId: $id, input: $input) {
    __typename ... on ValidationError { code field }
  }
}"""

CLOSE = """
mutation($id: ID!, $tip: Decimal, $version: Int) {
  closeOrder(orderId: $id, paymentMethod: "card", tip: $tip, version: $version) {
    __typename
    ... on OrderPayload { order { status tip { amount } closedAt table { id } } }
    ... on Error { code message }
  }
}"""

CANCEL = """
mutation($id: ID!) {
  cancelOrder(orderId: $id, reason: "mistake") {
    __typename
    ... on OrderPayload { order { status cancelReason } }
    ... on Error { code message }
  }
}"""

DELETE = """
mutation($id: ID!) {
  deleteOrder(orderId: $id) {
    __typename
    ... on DeleteOrderPayload { orderId }
    ... on Error { code message }
  }
}"""

ORDERS = """
query($first: Int!, $after: String, $status: OrderStatus, $tableId: ID) {
  orders(first: $first, after: $after, status: $status, tableId: $tableId) {
    edges {
      cursor
      node {
        id total { amount }
        lines { name unitPrice { amount } menuItem { name price { amount } } }
        table { tableNumber seats { seatNumber } }
        tickets { status lines { name } order { id } }
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def open_line(name="Tea", price="2.00", category="Drinks", **extra):
    return {"name": name, "price": price, "category": category, **extra}


async def place(gql, staff, lines, **extra):
    result = await gql(PLACE, {"input": {"lines": lines, **extra}}, staff=staff)
    payload = result["data"]["placeOrder"]
    assert payload["__typename"] == "OrderPayload", payload
    return payload["order"]


async def test_place_order_exact_money(gql, server, add_menu_item):
    burger = await add_menu_item("Burger", "8.99")
    order = await place(
        gql,
        server,
        [
            open_line("Mint", "0.10", "Extras", quantity=3),
            open_line("Gum", "0.20", "Extras"),
            {"menuItemId": gid("MenuItem", burger.id), "modifiers": ["no onions"], "seatNumber": 2},
        ],
        total="9.49",
    )
    assert order["total"] == {"amount": "9.49", "cents": 949, "currency": "USD"}
    assert [line["position"] for line in order["lines"]] == [0, 1, 2]
    assert order["lines"][2]["menuItem"] == {"name": "Burger"}
    assert order["lines"][0]["lineTotal"] == {"amount": "0.30"}
    assert order["tickets"][0]["station"] == "kitchen"
    assert order["tickets"][0]["status"] == "PENDING"


async def test_place_order_typed_errors(gql, server, add_menu_item):
    gone = await add_menu_item("Gone", "1.00", available=False)
    cases = [
        ({"lines": []}, "VALIDATION_ERROR"),
        ({"lines": [{"menuItemId": gid("MenuItem", gone.id)}]}, "VALIDATION_ERROR"),
        ({"lines": [{"menuItemId": gid("MenuItem", 12345)}]}, "VALIDATION_ERROR"),
        ({"lines": [open_line(price="1.005")]}, "VALIDATION_ERROR"),
        ({"lines": [open_line(price="-1")]}, "VALIDATION_ERROR"),
        ({"lines": [open_line(quantity=-1)]}, "VALIDATION_ERROR"),
        ({"lines": [open_line(quantity=100000)]}, "VALIDATION_ERROR"),
        ({"lines": [open_line()], "total": "3.00"}, "VALIDATION_ERROR"),
        ({"lines": [open_line()], "tableId": gid("Table", 999)}, "NOT_FOUND"),
        ({"lines": [open_line()], "tableId": gid("Order", 1)}, "VALIDATION_ERROR"),
        ({"lines": [open_line()], "tableId": "999"}, "VALIDATION_ERROR"),
    ]
    for payload, code in cases:
        result = await gql(PLACE, {"input": payload}, staff=server)
        assert result["data"]["placeOrder"]["code"] == code, (payload, result)
    # Errors name the input as the client wrote it, with the index of the line at fault.
    paths = [
        ([open_line(), open_line(), open_line(quantity=0)], "lines.2.quantity"),
        ([open_line(), open_line(seatNumber=0)], "lines.1.seatNumber"),
        ([open_line(), {"menuItemId": gid("MenuItem", gone.id)}], "lines.1.menuItemId"),
        ([open_line(), {"menuItemId": "nope"}], "lines.1.menuItemId"),
        ([open_line(price="1.005")], "lines.0.price"),
        ([], "lines"),
    ]
    for lines, field in paths:
        result = await gql(PLACE, {"input": {"lines": lines}}, staff=server)
        assert result["data"]["placeOrder"]["field"] == field, (lines, result)
    empty_key = await gql(PLACE, {"input": {"lines": [open_line()]}, "key": ""}, staff=server)
    assert empty_key["data"]["placeOrder"]["field"] == "idempotencyKey"
    # Wrong types are rejected by GraphQL validation, not by a 500.
    for bad in ({"lines": [open_line(quantity="x")]}, {"lines": [open_line(price="abc")]}):
        result = await gql(PLACE, {"input": bad}, staff=server)
        assert result["errors"] and result.get("data") is None


async def test_idempotency_key(gql, server):
    variables = {"input": {"lines": [open_line()]}, "key": "k-1"}
    first = await gql(PLACE, variables, staff=server)
    again = await gql(PLACE, variables, staff=server)
    assert first == again
    other = await gql(
        PLACE, {"input": {"lines": [open_line(quantity=2)]}, "key": "k-1"}, staff=server
    )
    assert other["data"]["placeOrder"]["code"] == "IDEMPOTENCY_MISMATCH"


async def test_update_add_remove_change_lines(gql, server):
    order = await place(gql, server, [open_line("Steak", "20", "Mains"), open_line()])
    steak, tea = order["lines"]
    added = await gql(
        UPDATE,
        {
            "id": order["id"],
            "input": {
                "version": 1,
                "addLines": [open_line("Fries", "4.00", "Mains")],
                "removeLineIds": [tea["id"]],
                "changeLines": [{"lineId": steak["id"], "quantity": 2}],
                "voidReason": "guest changed mind",
            },
        },
        staff=server,
    )
    result = added["data"]["updateOrder"]
    assert result["__typename"] == "OrderPayload", result
    assert result["order"]["version"] == 2
    assert result["order"]["total"] == {"amount": "44.00"}
    assert [(line["name"], line["quantity"]) for line in result["order"]["lines"]] == [
        ("Steak", 2),
        ("Fries", 1),
    ]
    tickets = result["order"]["tickets"]
    first_kitchen, first_bar, second = tickets
    assert first_kitchen["lines"] == [
        {"name": "Steak", "quantity": 1, "isVoid": True, "voidReason": "guest changed mind"}
    ]
    assert first_bar["lines"][0]["isVoid"] is True
    assert second["fireNumber"] == 2
    assert [(line["name"], line["quantity"], line["isVoid"]) for line in second["lines"]] == [
        ("Fries", 1, False),
        ("Steak", 2, False),
    ]
    stale = await gql(
        UPDATE, {"id": order["id"], "input": {"version": 1, "customerCount": 2}}, staff=server
    )
    assert stale["data"]["updateOrder"]["code"] == "VERSION_CONFLICT"
    unknown_line = await gql(
        UPDATE, {"id": order["id"], "input": {"removeLineIds": [tea["id"]]}}, staff=server
    )
    assert unknown_line["data"]["updateOrder"]["code"] == "NOT_FOUND"
    bad_change = await gql(
        UPDATE_FIELD,
        {
            "id": order["id"],
            "input": {
                "addLines": [open_line(), open_line(quantity=0)],
                "changeLines": [{"lineId": steak["id"], "quantity": 3}],
            },
        },
        staff=server,
    )
    assert bad_change["data"]["updateOrder"]["field"] == "addLines.1.quantity"
    bad_change = await gql(
        UPDATE_FIELD,
        {"id": order["id"], "input": {"changeLines": [{"lineId": steak["id"], "seatNumber": 0}]}},
        staff=server,
    )
    assert bad_change["data"]["updateOrder"]["field"] == "changeLines.0.seatNumber"
    bad_id = await gql(
        UPDATE_FIELD, {"id": order["id"], "input": {"removeLineIds": [order["id"]]}}, staff=server
    )
    assert bad_id["data"]["updateOrder"]["field"] == "removeLineIds.0"
    missing = await gql(UPDATE, {"id": gid("Order", 999), "input": {}}, staff=server)
    assert missing["data"]["updateOrder"]["code"] == "NOT_FOUND"


async def test_close_cancel_delete(gql, server, manager, add_table):
    table = await add_table(3)
    order = await place(gql, server, [open_line()], tableId=gid("Table", table.id))
    closed = await gql(CLOSE, {"id": order["id"], "tip": "1.50", "version": 1}, staff=server)
    payload = closed["data"]["closeOrder"]
    assert payload["order"]["status"] == "CLOSED"
    assert payload["order"]["tip"] == {"amount": "1.50"}
    again = await gql(CLOSE, {"id": order["id"]}, staff=server)
    assert again["data"]["closeOrder"]["code"] == "ORDER_CLOSED"
    bad_tip = await gql(CLOSE, {"id": order["id"], "tip": "0.001"}, staff=server)
    assert bad_tip["data"]["closeOrder"]["code"] == "VALIDATION_ERROR"

    second = await place(gql, server, [open_line()], tableId=gid("Table", table.id))
    cancelled = await gql(CANCEL, {"id": second["id"]}, staff=manager)
    assert cancelled["data"]["cancelOrder"]["order"] == {
        "status": "CANCELLED",
        "cancelReason": "mistake",
    }
    deleted = await gql(DELETE, {"id": second["id"]}, staff=manager)
    assert deleted["data"]["deleteOrder"] == {
        "__typename": "DeleteOrderPayload",
        "orderId": second["id"],
    }
    gone = await gql(DELETE, {"id": second["id"]}, staff=manager)
    assert gone["data"]["deleteOrder"]["code"] == "NOT_FOUND"


async def test_orders_connection_pages_newest_first(gql, server, add_table):
    table = await add_table(9)
    ids = [(await place(gql, server, [open_line()]))["id"] for _ in range(4)]
    seated = await place(gql, server, [open_line()], tableId=gid("Table", table.id))
    ids.append(seated["id"])
    seen, after = [], None
    while True:
        page = (await gql(ORDERS, {"first": 2, "after": after}, staff=server))["data"]["orders"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))
    at_table = await gql(ORDERS, {"first": 10, "tableId": gid("Table", table.id)}, staff=server)
    [edge] = at_table["data"]["orders"]["edges"]
    assert edge["node"]["table"]["tableNumber"] == 9
    assert edge["node"]["tickets"][0]["order"]["id"] == seated["id"]
    closed = await gql(ORDERS, {"first": 10, "status": "CLOSED"}, staff=server)
    assert closed["data"]["orders"]["edges"] == []
    bad = await gql(ORDERS, {"first": 10, "after": "!!!"}, staff=server)
    assert bad["errors"][0]["message"] == "Invalid cursor"
    assert (await gql(ORDERS, {"first": 10}))["errors"][0]["message"] == "Not authenticated"


async def _seed_orders(gql, server, add_menu_item, add_table, count):
    dish = await add_menu_item(f"Dish {count}", "7.25")
    drink = await add_menu_item(f"Drink {count}", "3.10", "Drinks")
    for number in range(count):
        table = await add_table(1000 * count + number, capacity=2)
        await place(
            gql,
            server,
            [
                {"menuItemId": gid("MenuItem", dish.id), "quantity": 2},
                {"menuItemId": gid("MenuItem", drink.id)},
                open_line(),
            ],
            tableId=gid("Table", table.id),
        )


# Statements for `orders` with lines, their menu items, table, seats, tickets, ticket lines
# and each ticket's order: 1 to authenticate the caller + 1 page of orders + 1 lines
# + 1 menu items + 1 tables + 1 seats + 1 tickets + 1 ticket lines + 1 orders (ticket ->
# order) = 9, whatever the page size. On PostgreSQL, once the front door has proven the
# document, PostgreSQL builds the answer's JSON: the caller + one statement.
ORDERS_QUERY_STATEMENTS = 9
ORDERS_QUERY_STATEMENTS_IN_SQL = 2


async def test_orders_query_statement_count_does_not_grow(
    gql, server, add_menu_item, add_table, count_statements, db
):
    counts = {}
    expected = ORDERS_QUERY_STATEMENTS if db.is_sqlite else ORDERS_QUERY_STATEMENTS_IN_SQL
    for size in (5, 50):
        await _seed_orders(gql, server, add_menu_item, add_table, size)
        with count_statements() as counter:
            result = await gql(ORDERS, {"first": size}, staff=server)
        edges = result["data"]["orders"]["edges"]
        assert len(edges) == size
        assert all(len(edge["node"]["lines"]) == 3 for edge in edges)
        counts[size] = counter.count
    assert counts == {5: expected, 50: expected}, counts


async def test_orders_time_range(gql, server):
    placed = await place(gql, server, [open_line()])
    query = """
    query($from: DateTime, $to: DateTime) {
      orders(createdFrom: $from, createdTo: $to) { edges { node { id } } }
    }"""
    past, future = "2000-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"
    cases = [
        ({"from": past, "to": future}, [placed["id"]]),
        ({"from": future}, []),
        ({"to": past}, []),
    ]
    for variables, expected in cases:
        result = await gql(query, variables, staff=server)
        assert [e["node"]["id"] for e in result["data"]["orders"]["edges"]] == expected


async def test_idempotency_compares_amounts_not_spelling(gql, client, server):
    first = await gql(
        PLACE, {"input": {"lines": [open_line(price="2")]}, "key": "same"}, staff=server
    )
    again = await gql(
        PLACE, {"input": {"lines": [open_line(price="2.00")]}, "key": "same"}, staff=server
    )
    assert first == again
    rest = await client.post(
        "/api/orders",
        json={"order": [{"name": "Tea", "price": 2.0, "category": "Drinks"}]},
        headers={**server.headers, "Idempotency-Key": "same"},
    )
    assert rest.json()["id"] == dbid(first["data"]["placeOrder"]["order"]["id"])
