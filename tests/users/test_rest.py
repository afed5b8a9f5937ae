"""/users/* over REST, exactly as REST_CONTRACT.md documents it."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from restaurant_api.security import create_access_token
from restaurant_api.users.models import Role
from tests.conftest import PASSWORD, TEST_SECRET


async def register(client, email="Ada@Example.com", password="password123", **extra):
    body = {"name": "Ada", "email": email, "password": password, **extra}
    return await client.post("/users/register", json=body)


async def test_register_returns_user_without_secrets(client):
    response = await register(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"id", "name", "email", "role", "created_at"}
    assert body["email"] == "ada@example.com"
    assert body["role"] == "server"
    assert "password" not in json.dumps(body) and "hash" not in json.dumps(body)
    assert body["created_at"].endswith(("Z", "+00:00"))


async def test_register_never_honours_a_role(client):
    response = await register(client, role="admin")
    assert response.status_code == 200
    assert response.json()["role"] == "server"


async def test_register_duplicate_email_is_case_insensitive(client):
    assert (await register(client, email="dup@example.com")).status_code == 200
    response = await register(client, email="DUP@Example.COM")
    assert response.status_code == 400
    assert response.json() == {"detail": "Email already registered"}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "A", "email": "not-an-email", "password": "password123"},
        {"name": "A", "email": "a@example.com", "password": "short"},
        {"name": "A", "email": "a@example.com"},
        {"name": "A", "email": 12, "password": "password123"},
        {"name": "A", "email": "a@example.com", "password": ["x"] * 9},
    ],
)
async def test_register_rejects_bad_input_with_422(client, body):
    response = await client.post("/users/register", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def test_malformed_json_is_422(client):
    response = await client.post(
        "/users/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    login = await client.post(
        "/users/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert login.status_code == 422


async def test_registration_can_be_closed(app, client):
    settings = app.state.settings
    settings.registration_open = False
    try:
        response = await register(client)
    finally:
        settings.registration_open = True
    assert response.status_code == 403
    assert response.json() == {"detail": "Registration is closed"}


async def test_register_makes_an_inactive_account_until_an_admin_activates_it(client, admin):
    registered = await register(client, email="new@example.com")
    assert (registered.status_code, registered.json()["is_active"]) == (200, False)
    credentials = {"email": "new@example.com", "password": "password123"}
    pending = await client.post("/users/login", json=credentials)
    # Exactly the answer of a wrong password: no "inactive" oracle.
    assert (pending.status_code, pending.json()) == (401, {"detail": "Invalid email or password"})
    activated = await client.patch(
        f"/users/{registered.json()['id']}", json={"is_active": True}, headers=admin.headers
    )
    assert activated.status_code == 200
    assert (await client.post("/users/login", json=credentials)).status_code == 200


async def test_login_with_json_and_with_oauth2_form(client, make_staff):
    await make_staff(Role.SERVER, email="bob@example.com")
    json_login = await client.post(
        "/users/login", json={"email": "BOB@example.com", "password": PASSWORD}
    )
    assert json_login.status_code == 200
    assert json_login.json()["token_type"] == "bearer"
    assert json_login.json()["access_token"]
    form_login = await client.post(
        "/users/login", data={"username": "bob@example.com", "password": PASSWORD}
    )
    assert form_login.status_code == 200
    assert form_login.json()["refresh_token"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "bob@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": "password123"},
    ],
)
async def test_login_failures_are_401_with_one_message(client, make_staff, credentials):
    await make_staff(Role.SERVER, email="bob@example.com")
    response = await client.post("/users/login", json=credentials)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid email or password"}


async def test_me_requires_a_token(client):
    response = await client.get("/users/me")
    assert response.status_code == 401


async def test_me_returns_the_caller(client, server):
    response = await client.get("/users/me", headers=server.headers)
    assert response.status_code == 200
    assert response.json()["email"] == server.user.email


def _forge(claims: dict, alg: str = "none") -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        _forge({"sub": "1", "exp": 9999999999, "iat": 1, "type": "access"}),
        create_access_token(
            1,
            secret="another-secret-entirely-0123456789",
            algorithm="HS256",
            lifetime=timedelta(minutes=5),
        )[0],
        create_access_token(
            1, secret=TEST_SECRET, algorithm="HS256", lifetime=timedelta(minutes=-5)
        )[0],
    ],
    ids=["garbage", "three-dots", "alg-none", "forged", "expired"],
)
async def test_bad_tokens_are_401_invalid_token(client, server, token):
    response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token"}


async def test_list_users_is_admin_only(client, admin, server):
    assert (await client.get("/users/", headers=server.headers)).status_code == 403
    assert (await client.get("/users/", headers=server.headers)).json() == {
        "detail": "Not enough permissions"
    }
    assert (await client.get("/users/")).status_code == 401
    for path in ("/users/", "/users"):
        response = await client.get(path, headers=admin.headers)
        assert response.status_code == 200
        emails = {user["email"] for user in response.json()}
        assert emails == {admin.user.email, server.user.email}
        assert all("hashed_password" not in user for user in response.json())


async def test_refresh_rotates_and_reuse_is_rejected(client, make_staff):
    await make_staff(Role.SERVER, email="rot@example.com")
    login = await client.post(
        "/users/login", json={"email": "rot@example.com", "password": PASSWORD}
    )
    first = login.json()["refresh_token"]
    rotated = await client.post("/users/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    me = await client.get(
        "/users/me", headers={"Authorization": f"Bearer {rotated.json()['access_token']}"}
    )
    assert me.status_code == 200

    reused = await client.post("/users/refresh", json={"refresh_token": first})
    assert reused.status_code == 401
    # Reuse revoked the whole family: the legitimate newer token is dead too.
    after = await client.post("/users/refresh", json={"refresh_token": second})
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token_and_ends_access_tokens(client, make_staff):
    await make_staff(Role.SERVER, email="out@example.com")
    credentials = {"email": "out@example.com", "password": PASSWORD}
    login = await client.post("/users/login", json=credentials)
    other_device = await client.post("/users/login", json=credentials)
    token = login.json()["refresh_token"]
    access = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/users/me", headers=access)).status_code == 200
    assert (await client.post("/users/logout", json={"refresh_token": token})).status_code == 200
    assert (await client.post("/users/refresh", json={"refresh_token": token})).status_code == 401
    after = await client.get("/users/me", headers=access)
    assert (after.status_code, after.json()) == (401, {"detail": "Invalid token"})
    # Every access token of the user ended; another device continues through its refresh token.
    other_access = {"Authorization": f"Bearer {other_device.json()['access_token']}"}
    assert (await client.get("/users/me", headers=other_access)).status_code == 401
    refreshed = await client.post(
        "/users/refresh", json={"refresh_token": other_device.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_access = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await client.get("/users/me", headers=new_access)).status_code == 200


async def test_admin_changes_role_and_tokens_of_the_old_role_end(client, admin, server):
    assert (await client.get("/users/", headers=server.headers)).status_code == 403
    response = await client.patch(
        f"/users/{server.user.id}", json={"role": "admin"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert (await client.get("/users/", headers=server.headers)).status_code == 401
    login = await client.post(
        "/users/login", json={"email": server.user.email, "password": PASSWORD}
    )
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/users/", headers=fresh)).status_code == 200


async def test_role_change_rejects_unknown_roles_and_non_admins(client, admin, server):
    bad = await client.patch(
        f"/users/{server.user.id}", json={"role": "owner"}, headers=admin.headers
    )
    assert bad.status_code == 422
    denied = await client.patch(
        f"/users/{admin.user.id}", json={"role": "server"}, headers=server.headers
    )
    assert denied.status_code == 403
    missing = await client.patch("/users/999999", json={"role": "server"}, headers=admin.headers)
    assert missing.status_code == 404
    huge = await client.patch(
        "/users/71823190240207872000", json={"role": "server"}, headers=admin.headers
    )
    assert (huge.status_code, huge.json()) == (404, {"detail": "User not found"})
    assert (await client.get("/users/-1", headers=admin.headers)).status_code == 404


async def test_deactivated_user_tokens_stop_working(client, admin, server):
    login = await client.post(
        "/users/login", json={"email": server.user.email, "password": PASSWORD}
    )
    refresh_token = login.json()["refresh_token"]
    response = await client.patch(
        f"/users/{server.user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    me = await client.get("/users/me", headers=server.headers)
    assert me.status_code == 401
    relogin = await client.post(
        "/users/login", json={"email": server.user.email, "password": PASSWORD}
    )
    assert relogin.status_code == 401
    refreshed = await client.post("/users/refresh", json={"refresh_token": refresh_token})
    assert refreshed.status_code == 401


async def test_last_admin_cannot_be_demoted_or_deactivated(client, admin):
    demote = await client.patch(
        f"/users/{admin.user.id}", json={"role": "server"}, headers=admin.headers
    )
    assert demote.status_code == 409
    deactivate = await client.patch(
        f"/users/{admin.user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert deactivate.status_code == 409
    me = await client.get("/users/me", headers=admin.headers)
    assert me.json()["role"] == Role.ADMIN.value


async def test_registration_without_approval_signs_in_at_once(app, client):
    # REGISTRATION_APPROVAL=false: the replaced system's flow (register, then log in).
    settings = app.state.settings
    settings.registration_approval = False
    try:
        registered = await register(client, email="legacy@example.com")
    finally:
        settings.registration_approval = True
    assert (registered.status_code, registered.json()["is_active"]) == (200, True)
    assert registered.json()["role"] == "server"
    credentials = {"email": "legacy@example.com", "password": "password123"}
    assert (await client.post("/users/login", json=credentials)).status_code == 200
