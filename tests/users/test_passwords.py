"""Password change, admin reset, identical password rules, no oracles in login."""

from __future__ import annotations

import json

import pytest

from restaurant_api.users.models import Role
from tests.conftest import PASSWORD, gid

CHANGE = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    __typename
    ... on AuthPayload { accessToken refreshToken }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""


async def login(client, email, password):
    return await client.post("/users/login", json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_change_password_over_rest_ends_other_sessions(client, server):
    other = (await login(client, server.user.email, PASSWORD)).json()
    wrong = await client.post(
        "/users/me/password",
        json={"current_password": "not-it-at-all", "new_password": "brand-new-password"},
        headers=server.headers,
    )
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Current password is incorrect"})
    weak = await client.post(
        "/users/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=server.headers,
    )
    assert weak.status_code == 422
    changed = await client.post(
        "/users/me/password",
        json={"current_password": PASSWORD, "new_password": "brand-new-password"},
        headers=server.headers,
    )
    assert changed.status_code == 200, changed.text
    tokens = changed.json()
    # This session continues with the new tokens; every other one ended.
    assert (
        await client.get("/users/me", headers=bearer(tokens["access_token"]))
    ).status_code == 200
    assert (await client.get("/users/me", headers=server.headers)).status_code == 401
    assert (await client.get("/users/me", headers=bearer(other["access_token"]))).status_code == 401
    refresh = await client.post("/users/refresh", json={"refresh_token": other["refresh_token"]})
    assert refresh.status_code == 401
    assert (await login(client, server.user.email, PASSWORD)).status_code == 401
    assert (await login(client, server.user.email, "brand-new-password")).status_code == 200


async def test_change_password_over_graphql(gql, server):
    unauthenticated = await gql(
        CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": "brand-new-password"}}
    )
    assert unauthenticated["data"]["changePassword"]["code"] == "UNAUTHENTICATED"
    weak = await gql(
        CHANGE,
        {"input": {"currentPassword": PASSWORD, "newPassword": "x" * 129}},
        staff=server,
    )
    assert weak["data"]["changePassword"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION_ERROR",
        "message": "Password must be at most 128 characters",
        "field": "newPassword",
    }
    wrong = await gql(
        CHANGE,
        {"input": {"currentPassword": "nope-nope", "newPassword": "brand-new-password"}},
        staff=server,
    )
    assert wrong["data"]["changePassword"]["code"] == "INVALID_CREDENTIALS"
    done = await gql(
        CHANGE,
        {"input": {"currentPassword": PASSWORD, "newPassword": "brand-new-password"}},
        staff=server,
    )
    assert done["data"]["changePassword"]["__typename"] == "AuthPayload"
    stale = await gql("{ me { id } }", staff=server)
    assert stale["errors"][0]["message"] == "Invalid token"
    fresh = await gql("{ me { id } }", token=done["data"]["changePassword"]["accessToken"])
    assert fresh["data"]["me"]["id"] == gid("User", server.user.id)


async def test_password_mutations_refuse_to_share_a_document(gql, admin, server):
    mixed = await gql(
        """mutation($id: ID!) {
             a: changeUserRole(userId: $id, role: KITCHEN) { __typename }
             b: login(input: {email: "x@example.com", password: "password1"}) {
               __typename ... on Error { code message } }
           }""",
        {"id": gid("User", server.user.id)},
        staff=admin,
    )
    assert mixed["data"]["a"] == {"__typename": "UserPayload"}
    assert mixed["data"]["b"]["__typename"] == "ValidationError"
    assert "without other kinds of fields" in mixed["data"]["b"]["message"]


async def test_admin_resets_a_password(client, gql, admin, server, manager):
    session = (await login(client, server.user.email, PASSWORD)).json()
    denied = await client.post(
        f"/users/{server.user.id}/password",
        json={"new_password": "set-by-the-admin"},
        headers=manager.headers,
    )
    assert denied.status_code == 403
    assert (
        await client.post(
            f"/users/{server.user.id}/password",
            json={"new_password": "short"},
            headers=admin.headers,
        )
    ).status_code == 422
    missing = await client.post(
        "/users/999999/password", json={"new_password": "set-by-the-admin"}, headers=admin.headers
    )
    assert missing.status_code == 404
    reset = await client.post(
        f"/users/{server.user.id}/password",
        json={"new_password": "set-by-the-admin"},
        headers=admin.headers,
    )
    assert reset.status_code == 200, reset.text
    assert (await client.get("/users/me", headers=server.headers)).status_code == 401
    refresh = await client.post("/users/refresh", json={"refresh_token": session["refresh_token"]})
    assert refresh.status_code == 401
    assert (await login(client, server.user.email, "set-by-the-admin")).status_code == 200

    graphql = await gql(
        """mutation($id: ID!) {
             resetUserPassword(input: {userId: $id, newPassword: "again-a-new-one"}) {
               __typename ... on UserPayload { user { id } } } }""",
        {"id": gid("User", server.user.id)},
        staff=admin,
    )
    assert graphql["data"]["resetUserPassword"] == {
        "__typename": "UserPayload",
        "user": {"id": gid("User", server.user.id)},
    }
    assert (await login(client, server.user.email, "again-a-new-one")).status_code == 200


@pytest.mark.parametrize("password", ["x" * 129, "x" * 5000])
async def test_login_caps_the_password_on_both_apis(client, gql, server, password):
    rest = await login(client, server.user.email, password)
    assert rest.status_code == 422
    graphql = await gql(LOGIN, {"email": server.user.email, "password": password})
    assert graphql["data"]["login"]["__typename"] == "ValidationError"
    assert graphql["data"]["login"]["field"] == "password"


async def test_nul_in_graphql_login_and_register_is_a_typed_error(gql):
    login_result = await gql(LOGIN, {"email": "nul\x00@example.com", "password": "password1"})
    assert login_result["data"]["login"]["__typename"] == "ValidationError"
    assert login_result["data"]["login"]["field"] == "email"
    login_result = await gql(LOGIN, {"email": "a@example.com", "password": "pass\x00word1"})
    assert login_result["data"]["login"]["__typename"] == "ValidationError"
    assert login_result["data"]["login"]["field"] == "password"
    register = await gql(
        """mutation { register(input: {name: "N\\u0000", email: "n@example.com",
             password: "password1"}) { __typename ... on ValidationError { field } } }"""
    )
    assert register["data"]["register"] == {"__typename": "ValidationError", "field": "name"}


async def test_inactive_account_with_the_right_password_looks_like_a_wrong_one(
    client, gql, admin, make_staff
):
    staff = await make_staff(Role.KITCHEN)
    deactivate = await client.patch(
        f"/users/{staff.user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert deactivate.status_code == 200
    inactive = await login(client, staff.user.email, PASSWORD)
    wrong = await login(client, admin.user.email, "wrong-password")
    assert (inactive.status_code, inactive.json()) == (wrong.status_code, wrong.json())
    inactive_gql = await gql(LOGIN, {"email": staff.user.email, "password": PASSWORD})
    wrong_gql = await gql(LOGIN, {"email": admin.user.email, "password": "wrong-password"})
    assert inactive_gql == wrong_gql


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        ("login", {"email": "a\ud800@example.com", "password": "password1"}),
        ("login", {"email": "a@example.com", "password": "pass\ud800word"}),
        ("register", {"email": "b@example.com", "password": "pass\ud800word"}),
    ],
)
async def test_lone_surrogates_in_credentials_are_refused_not_500(client, operation, variables):
    document = (
        f"mutation($email: String!, $password: String!) {{ {operation}(input: "
        "{email: $email, password: $password"
        + (', name: "N"' if operation == "register" else "")
        + "}) { __typename } }"
    )
    # Escaped in the JSON text (`"\ud800"`), as a hostile client sends it.
    headers = {"content-type": "application/json"}
    body = json.dumps({"query": document, "variables": variables})
    response = await client.post("/graphql", content=body, headers=headers)
    # Refused at the edge (400/422) or by the service (a typed ValidationError): never a 5xx.
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:
        assert response.json()["data"][operation]["__typename"] == "ValidationError"
    # REST: refused by request validation (its 422 body is stream A/D's edge work).
