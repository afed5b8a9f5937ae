"""The menu over GraphQL: filters and typed mutation results."""

from __future__ import annotations

CREATE = """
mutation($input: MenuItemInput!) {
  createMenuItem(input: $input) {
    __typename
    ... on MenuItemPayload { menuItem { id name price { amount cents } category isAvailable } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE = """
mutation($id: ID!, $input: MenuItemUpdateInput!) {
  updateMenuItem(id: $id, input: $input) {
    __typename
    ... on MenuItemPayload { menuItem { name price { amount } isAvailable description } }
    ... on Error { code message }
  }
}"""

DELETE = """
mutation($id: ID!) {
  deleteMenuItem(id: $id) {
    __typename ... on DeleteMenuItemPayload { id } ... on Error { code message }
  }
}"""


async def test_menu_mutations_and_filters(gql, manager):
    created = await gql(
        CREATE,
        {"input": {"name": "Soup", "price": "4.50", "category": "Starters"}},
        staff=manager,
    )
    item = created["data"]["createMenuItem"]["menuItem"]
    assert item["price"] == {"amount": "4.50", "cents": 450}
    await gql(CREATE, {"input": {"name": "Tea", "price": "2", "category": "Drinks"}}, staff=manager)
    duplicate = await gql(
        CREATE, {"input": {"name": "SOUP", "price": "1", "category": "X"}}, staff=manager
    )
    assert duplicate["data"]["createMenuItem"]["code"] == "DUPLICATE"
    bad_price = await gql(
        CREATE, {"input": {"name": "Bad", "price": "1.999", "category": "X"}}, staff=manager
    )
    assert bad_price["data"]["createMenuItem"]["field"] == "price"

    updated = await gql(
        UPDATE,
        {"id": item["id"], "input": {"isAvailable": False, "description": "Hot"}},
        staff=manager,
    )
    assert updated["data"]["updateMenuItem"]["menuItem"] == {
        "name": "Soup",
        "price": {"amount": "4.50"},
        "isAvailable": False,
        "description": "Hot",
    }
    menu = await gql('{ menu(category: "Starters") { name } }')
    assert menu == {"data": {"menu": [{"name": "Soup"}]}}
    available = await gql("{ menu(available: true) { name } }")
    assert available == {"data": {"menu": [{"name": "Tea"}]}}
    one = await gql(f'{{ menuItem(id: "{item["id"]}") {{ name }} }}')  # public
    assert one == {"data": {"menuItem": {"name": "Soup"}}}

    deleted = await gql(DELETE, {"id": item["id"]}, staff=manager)
    assert deleted["data"]["deleteMenuItem"] == {
        "__typename": "DeleteMenuItemPayload",
        "id": item["id"],
    }
    again = await gql(DELETE, {"id": item["id"]}, staff=manager)
    assert again["data"]["deleteMenuItem"]["code"] == "NOT_FOUND"
    missing = await gql(UPDATE, {"id": item["id"], "input": {"name": "X"}}, staff=manager)
    assert missing["data"]["updateMenuItem"]["code"] == "NOT_FOUND"


async def test_graphql_queries_do_not_take_the_sqlite_write_lock(gql, db, backend):
    """Reads must not serialize behind BEGIN IMMEDIATE (it made menu reads queue up)."""
    from sqlalchemy import event

    if backend.name != "sqlite":
        return
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await gql("{ menu { id } }")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert begins == ["BEGIN"]
