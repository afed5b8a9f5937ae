"""The GraphQL response cache: hits, key isolation, invalidation by every kind of write,
users whose access ended, bounds; on SQLite and PostgreSQL (through the ASGI app)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select

from restaurant_api.api.response_cache import ResponseCache
from restaurant_api.generations import TOPICS, PostgresGenerations
from restaurant_api.menu.models import MenuItem
from restaurant_api.orders.drafts import LineDraft, OrderDraft
from restaurant_api.orders.models import Order
from restaurant_api.orders.placing import place_order
from restaurant_api.users.models import Role
from tests.conftest import PASSWORD, Staff, gid

MENU = "{ menu { id name price { amount } isAvailable } }"
MENU_BY_CATEGORY = "query($c: String) { menu(category: $c) { name } }"
ORDERS = "{ orders(first: 50, status: OPEN) { edges { node { id status lines { name } } } } }"
TABLES = "{ tables { tableNumber status currentOrder { id } } }"
TICKETS = "{ kitchenTickets { id status } }"


def cache_of(app: Any) -> ResponseCache:
    cache = app.state.response_cache
    assert cache is not None
    return cache


async def post(client: Any, query: str, variables: dict | None = None, *, staff=None, **kw):
    headers = dict(staff.headers) if staff else {}
    headers.update(kw.pop("headers", {}))
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def hit_or_miss(app, client, query, variables=None, *, staff=None, **kw) -> tuple[str, Any]:
    cache = cache_of(app)
    hits, misses = cache.hits, cache.misses
    response = await post(client, query, variables, staff=staff, **kw)
    assert response.status_code == 200, response.text
    outcome = "hit" if cache.hits > hits else "miss" if cache.misses > misses else "bypass"
    return outcome, response


async def test_second_read_is_a_hit_with_the_same_bytes_and_headers(app, client, add_menu_item):
    await add_menu_item("Soup", "4.50", "Starters")
    first_outcome, first = await hit_or_miss(app, client, MENU)
    second_outcome, second = await hit_or_miss(app, client, MENU)
    assert (first_outcome, second_outcome) == ("miss", "hit")
    assert second.content == first.content
    assert second.json()["data"]["menu"][0]["name"] == "Soup"
    assert dict(second.headers) == dict(first.headers)
    # The GraphQL-over-HTTP media type is chosen per request, also on a hit.
    accept = {"Accept": "application/graphql-response+json"}
    outcome, third = await hit_or_miss(app, client, MENU, headers=accept)
    assert outcome == "hit"
    assert third.headers["content-type"] == "application/graphql-response+json"
    assert third.content == first.content


async def test_public_answers_are_shared_and_need_no_valid_token(app, client, server):
    assert (await hit_or_miss(app, client, MENU))[0] == "miss"
    assert (await hit_or_miss(app, client, MENU, staff=server))[0] == "hit"
    bad = {"Authorization": "Bearer not-a-token"}
    outcome, response = await hit_or_miss(app, client, MENU, headers=bad)
    assert outcome == "hit"
    assert "errors" not in response.json()


async def test_keys_separate_documents_variables_and_roles(
    app, client, add_menu_item, server, kitchen, make_staff
):
    await add_menu_item("Soup", "4.50", "Starters")
    await add_menu_item("Steak", "20.00", "Mains")
    starters = await hit_or_miss(app, client, MENU_BY_CATEGORY, {"c": "Starters"})
    mains = await hit_or_miss(app, client, MENU_BY_CATEGORY, {"c": "Mains"})
    assert (starters[0], mains[0]) == ("miss", "miss")
    assert [i["name"] for i in mains[1].json()["data"]["menu"]] == ["Steak"]
    assert (await hit_or_miss(app, client, MENU_BY_CATEGORY, {"c": "Starters"}))[0] == "hit"
    # Another document (even one differing only in spacing) is another entry.
    assert (await hit_or_miss(app, client, MENU_BY_CATEGORY + " ", {"c": "Starters"}))[0] == "miss"

    # Per role: a server's answer is never a kitchen's, a second server shares the first's.
    assert (await hit_or_miss(app, client, ORDERS, staff=server))[0] == "miss"
    assert (await hit_or_miss(app, client, ORDERS, staff=kitchen))[0] == "miss"
    other_server = await make_staff(Role.SERVER)
    assert (await hit_or_miss(app, client, ORDERS, staff=other_server))[0] == "hit"
    # Anonymous callers get their error, never a cached role answer, and nothing is stored.
    for _ in range(2):
        outcome, response = await hit_or_miss(app, client, ORDERS)
        assert outcome == "bypass"
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_uncacheable_operations_always_execute(app, client, server):
    cache = cache_of(app)
    cache.clear()
    documents = [
        "{ me { name } }",  # per user
        "{ menu { name } me { name } }",  # a mixed document takes the narrowest scope
        "{ __typename }",
        "query A { menu { name } } query B { me { name } }",  # no operation name given
        "{ menu(first: 0) { name } }",  # an error: not stored
    ]
    for document in documents:
        for _ in range(2):
            await post(client, document, staff=server)
    assert len(cache) == 0
    mutation = 'mutation { deleteMenuItem(id: "TWVudUl0ZW06OTk5") { __typename } }'
    for _ in range(2):
        assert (await hit_or_miss(app, client, mutation, staff=server))[0] == "bypass"


async def test_menu_writes_invalidate_the_menu(app, client, manager, add_menu_item):
    item = await add_menu_item("Soup", "4.50", "Starters")
    await hit_or_miss(app, client, MENU)
    # GraphQL mutation
    changed = await post(
        client,
        'mutation($id: ID!) { updateMenuItem(id: $id, input: {price: "5.00"}) { __typename } }',
        {"id": gid("MenuItem", item.id)},
        staff=manager,
    )
    assert changed.json()["data"]["updateMenuItem"]["__typename"] == "MenuItemPayload"
    outcome, response = await hit_or_miss(app, client, MENU)
    assert outcome == "miss"
    assert response.json()["data"]["menu"][0]["price"]["amount"] == "5.00"
    # REST
    await hit_or_miss(app, client, MENU)
    rest = await client.put(
        f"/api/menu/{item.id}", json={"is_available": False}, headers=manager.headers
    )
    assert rest.status_code == 200, rest.text
    outcome, response = await hit_or_miss(app, client, MENU)
    assert (outcome, response.json()["data"]["menu"][0]["isAvailable"]) == ("miss", False)
    created = await client.post(
        "/api/menu", json={"name": "Tea", "price": 2, "category": "Drinks"}, headers=manager.headers
    )
    assert created.status_code == 201, created.text
    assert len((await hit_or_miss(app, client, MENU))[1].json()["data"]["menu"]) == 2
    deleted = await client.delete(f"/api/menu/{item.id}", headers=manager.headers)
    assert deleted.status_code == 200, deleted.text
    assert [i["name"] for i in (await post(client, MENU)).json()["data"]["menu"]] == ["Tea"]


async def test_a_write_that_publishes_no_event_still_invalidates(app, client, db):
    """Writes are seen by the session (its tables), not only through the services' events."""
    await hit_or_miss(app, client, MENU)
    async with db.session() as session:
        session.add(MenuItem(name="Direct", name_key="direct", category="X", price_cents=100))
    outcome, response = await hit_or_miss(app, client, MENU)
    assert outcome == "miss"
    assert [i["name"] for i in response.json()["data"]["menu"]] == ["Direct"]


async def test_order_ticket_and_table_writes_invalidate_role_answers(
    app, client, server, kitchen, add_menu_item, add_table
):
    item = await add_menu_item("Steak", "20.00", "Mains")
    table = await add_table(1)
    await hit_or_miss(app, client, ORDERS, staff=server)
    await hit_or_miss(app, client, TABLES, staff=server)
    await hit_or_miss(app, client, TICKETS, staff=kitchen)

    placed = await client.post(
        "/api/orders", json={"order": [{"menu_item_id": item.id}]}, headers=server.headers
    )
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["id"]
    outcome, response = await hit_or_miss(app, client, ORDERS, staff=server)
    assert outcome == "miss"
    assert len(response.json()["data"]["orders"]["edges"]) == 1
    outcome, response = await hit_or_miss(app, client, TICKETS, staff=kitchen)
    assert (outcome, response.json()["data"]["kitchenTickets"][0]["status"]) == (
        "miss",
        "PENDING",
    )

    # A ticket's status (REST) changes the kitchen display and the orders page.
    await hit_or_miss(app, client, TICKETS, staff=kitchen)
    moved = await client.put(
        f"/api/kitchen/orders/{order_id}", json={"status": "preparing"}, headers=kitchen.headers
    )
    assert moved.status_code == 200, moved.text
    outcome, response = await hit_or_miss(app, client, TICKETS, staff=kitchen)
    assert (outcome, response.json()["data"]["kitchenTickets"][0]["status"]) == (
        "miss",
        "PREPARING",
    )

    # Seating the order (GraphQL) changes the floor plan.
    await hit_or_miss(app, client, TABLES, staff=server)
    assert (await hit_or_miss(app, client, TABLES, staff=server))[0] == "hit"
    seated = await post(
        client,
        "mutation($t: ID!, $o: ID!) { assignTable(tableId: $t, orderId: $o) { __typename } }",
        {"t": gid("Table", table.id), "o": gid("Order", order_id)},
        staff=server,
    )
    assert "errors" not in seated.json(), seated.json()
    outcome, response = await hit_or_miss(app, client, TABLES, staff=server)
    assert outcome == "miss"
    (floor,) = response.json()["data"]["tables"]
    assert floor["status"] == "OCCUPIED"
    assert floor["currentOrder"]["id"] == gid("Order", order_id)


async def test_a_rolled_back_mutation_keeps_the_entry_and_a_later_one_in_the_document_bumps(
    app, client, manager, add_menu_item
):
    item = await add_menu_item("Soup", "4.50", "Starters")
    await hit_or_miss(app, client, MENU)
    # First mutation fails in its savepoint, the second one commits.
    both = await post(
        client,
        """mutation($id: ID!) {
          bad: updateMenuItem(id: $id, input: {price: "-1"}) { __typename }
          good: updateMenuItem(id: $id, input: {price: "7.00"}) { __typename }
        }""",
        {"id": gid("MenuItem", item.id)},
        staff=manager,
    )
    assert both.json()["data"] == {
        "bad": {"__typename": "ValidationError"},
        "good": {"__typename": "MenuItemPayload"},
    }
    outcome, response = await hit_or_miss(app, client, MENU)
    assert (outcome, response.json()["data"]["menu"][0]["price"]["amount"]) == ("miss", "7.00")


@pytest.mark.parametrize("how", ["deactivate", "demote", "logout"])
async def test_a_user_whose_access_ended_gets_no_cached_answer(app, client, admin, server, how):
    login = await client.post(
        "/users/login", json={"email": server.user.email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    staff = Staff(server.user, tokens["access_token"])
    assert (await hit_or_miss(app, client, ORDERS, staff=staff))[0] == "miss"
    assert (await hit_or_miss(app, client, ORDERS, staff=staff))[0] == "hit"
    if how == "deactivate":
        changed = await client.patch(
            f"/users/{server.user.id}", json={"is_active": False}, headers=admin.headers
        )
    elif how == "demote":
        changed = await client.patch(
            f"/users/{server.user.id}", json={"role": "kitchen"}, headers=admin.headers
        )
    else:
        changed = await client.post(
            "/users/logout", json={"refresh_token": tokens["refresh_token"]}
        )
    assert changed.status_code in (200, 204), changed.text
    response = await post(client, ORDERS, staff=staff)
    body = response.json()
    assert body["data"]["orders"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_size_is_bounded_by_entries_and_bytes(app, client):
    cache = cache_of(app)
    cache.clear()
    saved = cache.max_entries, cache.max_bytes
    cache.max_entries = 5
    try:
        for number in range(20):
            await post(client, MENU_BY_CATEGORY, {"c": f"category {number}"})
        assert len(cache) == 5
        cache.max_entries, cache.max_bytes = 1000, 4 * 1024
        for number in range(40):
            await post(client, MENU_BY_CATEGORY, {"c": f"another {number}"})
        assert cache.bytes <= 4 * 1024
        # The most recent answers are the ones kept.
        assert (await hit_or_miss(app, client, MENU_BY_CATEGORY, {"c": "another 39"}))[0] == "hit"
        # Over-long variables and documents are not cached at all.
        before = len(cache)
        await post(client, MENU_BY_CATEGORY, {"c": "x" * 5000})
        await post(client, MENU_BY_CATEGORY + " " * 20_000, {"c": "y"})
        assert len(cache) == before
    finally:
        cache.max_entries, cache.max_bytes = saved


async def test_off_by_setting(backend):
    from restaurant_api.main import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(backend.url, response_cache=False))
    assert app.state.response_cache is None


async def test_postgres_check_started_after_a_bump_sees_it(backend, db):
    """The ordering argument: a read that starts after a bump returned includes it, even
    while other reads are in flight (they are never joined once started)."""
    if backend.name != "postgresql":
        pytest.skip("SQLite generations are in-process counters")
    readers = PostgresGenerations.for_database_url(backend.url)
    writer = PostgresGenerations.for_database_url(backend.url)
    stop = asyncio.Event()

    async def background() -> None:
        while not stop.is_set():
            await readers.read()

    noise = [asyncio.create_task(background()) for _ in range(8)]
    try:
        index = TOPICS.index(TOPICS[1])
        for _ in range(100):
            before = (await readers.read())[index]
            await writer.bump([TOPICS[1]])
            after = (await readers.read())[index]
            assert after > before
    finally:
        stop.set()
        await asyncio.gather(*noise)
        await readers.close()
        await writer.close()


async def test_new_order_rows_bump_without_services(app, client, db, server):
    await hit_or_miss(app, client, ORDERS, staff=server)
    async with db.session() as session:
        session.add(Order(customer_count=1))
    outcome, response = await hit_or_miss(app, client, ORDERS, staff=server)
    assert outcome == "miss"
    assert len(response.json()["data"]["orders"]["edges"]) == 1


async def test_rows_written_in_one_statement_bump_like_a_flush(app, client, db, server, backend):
    """Placing writes orders and tickets in one statement on PostgreSQL (no flush): the
    generations still learn the topics of its tables (`db_rows.RAW_WRITE_LISTENERS`)."""
    async with db.session() as session:
        session.add(MenuItem(name="Soup", name_key="soup", category="Mains", price_cents=650))
        await session.flush()
        soup = (await session.exec(select(MenuItem))).one()
    await hit_or_miss(app, client, ORDERS, staff=server)
    assert (await hit_or_miss(app, client, ORDERS, staff=server))[0] == "hit"
    async with db.session() as session:
        await place_order(
            session, actor=server.user, draft=OrderDraft(lines=(LineDraft(menu_item_id=soup.id),))
        )
    outcome, response = await hit_or_miss(app, client, ORDERS, staff=server)
    assert outcome == "miss"
    assert len(response.json()["data"]["orders"]["edges"]) == 1


async def test_two_apps_on_one_postgres_database_rely_on_generations_alone(backend, manager):
    """Two apps (as two processes) on one database, without their event listeners (no
    lifespan here): only the generations can tell B that A's write was acknowledged."""
    if backend.name != "postgresql":
        pytest.skip("one process per SQLite database")
    import httpx

    from restaurant_api.main import create_app
    from tests.conftest import make_settings

    other = create_app(make_settings(backend.url))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=backend.app), base_url="http://a") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://b") as b,
    ):
        created = await a.post(
            "/api/menu",
            json={"name": "Soup", "price": 1, "category": "Starters"},
            headers=manager.headers,
        )
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]
        try:
            for cents in range(200, 220):
                await post(b, MENU)
                assert (await hit_or_miss(other, b, MENU))[0] == "hit"
                changed = await a.put(
                    f"/api/menu/{item_id}", json={"price": cents / 100}, headers=manager.headers
                )
                assert changed.status_code == 200, changed.text
                outcome, response = await hit_or_miss(other, b, MENU)
                assert outcome == "miss"
                assert response.json()["data"]["menu"][0]["price"]["amount"] == f"{cents / 100:.2f}"
        finally:
            await other.state.generations.close()
            await other.state.db.dispose()
