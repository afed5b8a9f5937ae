"""Login throttling: per account and per address, every channel, shared by workers."""

from __future__ import annotations

import asyncio
from typing import Any

from restaurant_api.users.models import Role
from tests.conftest import PASSWORD
from tests.users.conftest import client_for

LIMITS = {
    "login_max_failures_per_account": 3,
    "login_max_failures_per_address": 6,
    "login_window_seconds": 600,
    "login_cooldown_seconds": 120,
}

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on AuthPayload { accessToken }
    ... on Error { code message }
    ... on TooManyAttemptsError { retryAfterSeconds }
  }
}"""


async def gql(client: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()


def aliases(email: str, password: str, count: int) -> str:
    fields = " ".join(
        f'a{i}: login(input: {{email: "{email}", password: "{password}"}}) '
        "{ __typename ... on TooManyAttemptsError { retryAfterSeconds } }"
        for i in range(count)
    )
    return f"mutation {{ {fields} }}"


async def test_account_cool_down_refuses_even_the_right_password(make_app, make_staff):
    app = make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    async with client_for(app) as client:
        for _ in range(3):
            wrong = await client.post(
                "/users/login", json={"email": staff.user.email, "password": "wrong-password"}
            )
            assert wrong.status_code == 401
        right = await client.post(
            "/users/login", json={"email": staff.user.email, "password": PASSWORD}
        )
        assert right.status_code == 429
        assert 1 <= int(right.headers["retry-after"]) <= 120
        assert "try again in" in right.json()["detail"]
        graphql = await gql(client, LOGIN, {"email": staff.user.email, "password": PASSWORD})
        result = graphql["data"]["login"]
        assert result["__typename"] == "TooManyAttemptsError"
        assert result["code"] == "TOO_MANY_ATTEMPTS"
        assert 1 <= result["retryAfterSeconds"] <= 120
        assert str(result["retryAfterSeconds"]) in result["message"]
        form = await client.post(
            "/users/login", data={"username": staff.user.email, "password": PASSWORD}
        )
        assert form.status_code == 429


async def test_every_channel_and_every_alias_counts(make_app, make_staff):
    app = make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    email = staff.user.email
    async with client_for(app) as client:
        json_login = await client.post("/users/login", json={"email": email, "password": "nope1"})
        form_login = await client.post("/users/login", data={"username": email, "password": "x2"})
        assert (json_login.status_code, form_login.status_code) == (401, 401)
        document = await gql(client, aliases(email, "wrong-one", 4))
        kinds = [document["data"][f"a{i}"]["__typename"] for i in range(4)]
        # One failure left after the REST attempts, then the cool-down starts.
        assert kinds == [
            "AuthenticationError",
            "TooManyAttemptsError",
            "TooManyAttemptsError",
            "TooManyAttemptsError",
        ]


async def test_aliases_alone_are_throttled(make_app, make_staff):
    app = make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    async with client_for(app) as client:
        document = await gql(client, aliases(staff.user.email, "wrong-one", 10))
    kinds = [document["data"][f"a{i}"]["__typename"] for i in range(10)]
    assert kinds == ["AuthenticationError"] * 3 + ["TooManyAttemptsError"] * 7


async def test_client_address_is_throttled_across_accounts(make_app, make_staff):
    app = make_app(**{**LIMITS, "login_max_failures_per_account": 100})
    staff = await make_staff(Role.SERVER)
    async with (
        client_for(app, "198.51.100.1") as attacker,
        client_for(app, "198.51.100.2") as other,
    ):
        for i in range(6):
            response = await attacker.post(
                "/users/login", json={"email": f"guess{i}@example.com", "password": "password1"}
            )
            assert response.status_code == 401
        blocked = await attacker.post(
            "/users/login", json={"email": staff.user.email, "password": PASSWORD}
        )
        assert blocked.status_code == 429
        # Another address is not affected, and the account itself was not the target.
        fine = await other.post(
            "/users/login", json={"email": staff.user.email, "password": PASSWORD}
        )
        assert fine.status_code == 200


async def test_successful_logins_do_not_count(make_app, make_staff):
    app = make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    async with client_for(app) as client:
        for _ in range(6):
            response = await client.post(
                "/users/login", json={"email": staff.user.email, "password": PASSWORD}
            )
            assert response.status_code == 200


async def test_cool_down_is_bounded(make_app, make_staff):
    app = make_app(**{**LIMITS, "login_cooldown_seconds": 1})
    staff = await make_staff(Role.SERVER)
    credentials = {"email": staff.user.email, "password": PASSWORD}
    async with client_for(app) as client:
        for _ in range(3):
            await client.post("/users/login", json={**credentials, "password": "wrong-one"})
        assert (await client.post("/users/login", json=credentials)).status_code == 429
        await asyncio.sleep(1.2)
        # The failures before the cool-down are paid for: the real user gets in.
        assert (await client.post("/users/login", json=credentials)).status_code == 200


async def test_two_workers_share_the_count(make_app, make_staff):
    first, second = make_app(**LIMITS), make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    wrong = {"email": staff.user.email, "password": "wrong-one"}
    async with client_for(first) as one, client_for(second) as two:
        assert (await one.post("/users/login", json=wrong)).status_code == 401
        assert (await two.post("/users/login", json=wrong)).status_code == 401
        assert (await one.post("/users/login", json=wrong)).status_code == 401
        response = await two.post(
            "/users/login", json={"email": staff.user.email, "password": PASSWORD}
        )
        assert response.status_code == 429


async def test_concurrent_attempts_are_counted_exactly(make_app, make_staff):
    first, second = make_app(**LIMITS), make_app(**LIMITS)
    staff = await make_staff(Role.SERVER)
    wrong = {"email": staff.user.email, "password": "wrong-one"}
    async with client_for(first) as one, client_for(second) as two:
        responses = await asyncio.gather(
            *((one if i % 2 else two).post("/users/login", json=wrong) for i in range(10))
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [401] * 3 + [429] * 7
