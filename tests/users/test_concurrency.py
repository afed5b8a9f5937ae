"""Accounts under load and under races: a login flood, the last admin, one invitation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from restaurant_api.users.models import LoginAttempt, Role
from tests.conftest import gid
from tests.users.conftest import client_for

# Every attempt is hashed: limits far above the flood, so throttling does not hide the cost.
UNTHROTTLED = {"login_max_failures_per_account": 100_000, "login_max_failures_per_address": 100_000}
ORDER = {"order": [{"name": "Burger", "price": 8.99, "category": "Main Course"}]}


def alias_flood_document(email: str, count: int) -> str:
    fields = " ".join(
        f'a{i}: login(input: {{email: "{email}", password: "wrong-{i}"}}) {{ __typename }}'
        for i in range(count)
    )
    return f"mutation {{ {fields} }}"


async def test_login_flood_does_not_starve_other_requests(make_app, make_staff, db):
    """Two REST and two GraphQL-alias flooders; an order is still placed in well under 1 s."""
    app = make_app(**UNTHROTTLED)
    victim = await make_staff(Role.SERVER)
    waiter = await make_staff(Role.SERVER)
    stop = asyncio.Event()
    answered: list[int] = []

    async def rest_flood(client: Any) -> None:
        while not stop.is_set():
            response = await client.post(
                "/users/login", json={"email": victim.user.email, "password": "wrong-password"}
            )
            answered.append(response.status_code)

    async def alias_flood(client: Any) -> None:
        document = alias_flood_document(victim.user.email, 10)
        while not stop.is_set():
            response = await client.post("/graphql", json={"query": document})
            answered.append(response.status_code)

    async with client_for(app, "192.0.2.10") as attacker, client_for(app, "192.0.2.20") as staff:
        # Warm up (connection pools, caches) before measuring.
        warm = await staff.post("/api/orders", json=ORDER, headers=waiter.headers)
        assert warm.status_code == 200, warm.text
        floods = [
            asyncio.create_task(rest_flood(attacker)),
            asyncio.create_task(rest_flood(attacker)),
            asyncio.create_task(alias_flood(attacker)),
            asyncio.create_task(alias_flood(attacker)),
        ]
        try:
            await asyncio.sleep(0.5)  # the hashing slots are saturated by now
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                response = await staff.post("/api/orders", json=ORDER, headers=waiter.headers)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.gather(*floods)
    # The flood really ran: every failed attempt it made was hashed and recorded...
    assert set(answered) <= {200, 401}, set(answered)
    async with db.session(read_only=True) as session:
        attempts = (await session.exec(select(func.count()).select_from(LoginAttempt))).one()
    assert attempts >= 8, attempts
    # ...and the orders did not wait for it.
    print(f"order placement during the flood: {[round(t, 3) for t in timings]} s")
    assert max(timings) < 1.0, timings


async def test_demoting_every_admin_at_once_leaves_one(client, make_staff, gql):
    admins = [await make_staff(Role.ADMIN) for _ in range(6)]

    async def demote(index: int, staff: Any) -> str:
        # Mixed channels and changes: REST role change, REST deactivation, GraphQL both.
        user_id = staff.user.id
        if index % 4 == 0:
            response = await client.patch(
                f"/users/{user_id}", json={"role": "server"}, headers=staff.headers
            )
            return str(response.status_code)
        if index % 4 == 1:
            response = await client.patch(
                f"/users/{user_id}", json={"is_active": False}, headers=staff.headers
            )
            return str(response.status_code)
        mutation = "changeUserRole(userId: $id, role: KITCHEN)"
        if index % 4 == 3:
            mutation = "deactivateUser(userId: $id)"
        result = await gql(
            f"mutation($id: ID!) {{ r: {mutation} {{ __typename ... on Error {{ code }} }} }}",
            {"id": gid("User", user_id)},
            staff=staff,
        )
        outcome = result["data"]["r"]
        return "200" if outcome["__typename"] == "UserPayload" else outcome["code"]

    outcomes = await asyncio.gather(*(demote(i, staff) for i, staff in enumerate(admins)))
    assert sorted(outcomes).count("200") == 5, outcomes
    assert len([o for o in outcomes if o in ("409", "LAST_ADMIN")]) == 1, outcomes
    survivor = next(
        staff for staff, outcome in zip(admins, outcomes, strict=True) if outcome != "200"
    )
    users = (await client.get("/users/", headers=survivor.headers)).json()
    active_admins = [u for u in users if u["role"] == "admin" and u["is_active"]]
    assert [u["id"] for u in active_admins] == [survivor.user.id]
