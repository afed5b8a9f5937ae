"""Staff invitations over REST and GraphQL: one-time, expiring, revocable, race-safe."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from restaurant_api.db import utcnow
from restaurant_api.users.models import Invitation, Role

INVITE = """
mutation($input: InviteStaffInput!) {
  inviteStaff(input: $input) {
    __typename
    ... on InvitationIssuedPayload { invitationCode invitation { id email role expiresAt } }
    ... on Error { code message }
  }
}"""

ACCEPT = """
mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    __typename
    ... on AuthPayload { accessToken user { email role name isActive } }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""


async def invite(client, staff, email="new@example.com", role="kitchen", name="New Cook"):
    return await client.post(
        "/users/invitations",
        json={"email": email, "name": name, "role": role},
        headers=staff.headers,
    )


async def test_manager_invites_and_the_invitee_accepts_over_rest(client, manager):
    issued = await invite(client, manager, email="Cook@Example.com")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert (body["email"], body["role"], body["accepted"]) == ("cook@example.com", "kitchen", False)
    code = body["code"]
    assert len(code) >= 40
    pending = await client.get("/users/invitations", headers=manager.headers)
    assert [item["id"] for item in pending.json()] == [body["id"]]
    assert "code" not in pending.json()[0]

    accepted = await client.post(
        "/users/invitations/accept", json={"code": code, "password": "a-good-password"}
    )
    assert accepted.status_code == 200, accepted.text
    tokens = accepted.json()
    assert tokens["user"]["role"] == "kitchen" and tokens["user"]["is_active"] is True
    assert tokens["user"]["name"] == "New Cook"
    me = await client.get(
        "/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["email"] == "cook@example.com"
    login = await client.post(
        "/users/login", json={"email": "cook@example.com", "password": "a-good-password"}
    )
    assert login.status_code == 200
    # Single use.
    again = await client.post(
        "/users/invitations/accept", json={"code": code, "password": "another-password"}
    )
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "Invalid or expired invitation code"},
    )
    assert (await client.get("/users/invitations", headers=manager.headers)).json() == []


async def test_who_may_invite_whom(client, admin, manager, server):
    assert (await invite(client, server)).status_code == 403
    assert (await client.post("/users/invitations", json={})).status_code == 401
    denied = await invite(client, manager, role="admin")
    assert (denied.status_code, denied.json()) == (
        403,
        {"detail": "Only an admin may invite an admin"},
    )
    assert (await invite(client, admin, email="boss2@example.com", role="admin")).status_code == 201
    taken = await invite(client, admin, email=server.user.email)
    assert (taken.status_code, taken.json()) == (400, {"detail": "Email already registered"})
    assert (await invite(client, manager, email="not-an-email")).status_code == 422
    assert (await invite(client, manager, role="owner")).status_code == 422


async def test_expired_revoked_and_replaced_codes_do_not_work(client, db, manager):
    first = (await invite(client, manager, email="a@example.com")).json()
    replacement = (await invite(client, manager, email="a@example.com")).json()
    revoked = (await invite(client, manager, email="b@example.com")).json()
    expired = (await invite(client, manager, email="c@example.com")).json()
    response = await client.delete(f"/users/invitations/{revoked['id']}", headers=manager.headers)
    assert (response.status_code, response.json()["revoked"]) == (200, True)
    async with db.session() as session:
        await session.exec(
            update(Invitation)
            .where(Invitation.id == expired["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    for code in (first["code"], revoked["code"], expired["code"], "made-up-code", "x" * 500):
        response = await client.post(
            "/users/invitations/accept", json={"code": code, "password": "a-good-password"}
        )
        assert response.status_code in (400, 422), (code, response.text)
    works = await client.post(
        "/users/invitations/accept",
        json={"code": replacement["code"], "password": "a-good-password", "name": "Alice"},
    )
    assert (works.status_code, works.json()["user"]["name"]) == (200, "Alice")
    missing = await client.delete("/users/invitations/999999", headers=manager.headers)
    assert missing.status_code == 404


async def test_graphql_invite_and_accept_with_typed_errors(gql, admin, manager):
    denied = await gql(
        INVITE,
        {"input": {"email": "x@example.com", "name": "X", "role": "ADMIN"}},
        staff=manager,
    )
    assert denied["data"] is not None, denied
    assert denied["data"]["inviteStaff"]["__typename"] == "PermissionDeniedError"
    issued = await gql(
        INVITE,
        {"input": {"email": "m@example.com", "name": "Mia", "role": "MANAGER"}},
        staff=admin,
    )
    payload = issued["data"]["inviteStaff"]
    assert payload["__typename"] == "InvitationIssuedPayload"
    listed = await gql("{ invitations { id email role accepted revoked } }", staff=manager)
    assert listed["data"]["invitations"] == [
        {
            "id": payload["invitation"]["id"],
            "email": "m@example.com",
            "role": "MANAGER",
            "accepted": False,
            "revoked": False,
        }
    ]
    short = await gql(ACCEPT, {"input": {"code": payload["invitationCode"], "password": "short"}})
    assert short["data"]["acceptInvitation"]["field"] == "password"
    bad = await gql(ACCEPT, {"input": {"code": "guess", "password": "a-good-password"}})
    assert bad["data"]["acceptInvitation"]["code"] == "INVALID_INVITATION"
    accepted = await gql(
        ACCEPT, {"input": {"code": payload["invitationCode"], "password": "a-good-password"}}
    )
    assert accepted["data"]["acceptInvitation"]["user"] == {
        "email": "m@example.com",
        "role": "MANAGER",
        "name": "Mia",
        "isActive": True,
    }


async def test_two_accepts_of_one_code_make_one_account(client, manager):
    code = (await invite(client, manager, email="race@example.com")).json()["code"]
    responses = await asyncio.gather(
        *(
            client.post(
                "/users/invitations/accept", json={"code": code, "password": f"password-{i}"}
            )
            for i in range(6)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [400] * 5, [r.text for r in responses]
    admin_view = await client.get("/users/invitations", headers=manager.headers)
    assert admin_view.json() == []


async def test_managers_role_is_checked_in_the_service(db, server):
    from restaurant_api.errors import PermissionDenied
    from restaurant_api.users import invitations

    async with db.session() as session:
        try:
            await invitations.invite(
                session,
                actor=server.user,
                email="z@example.com",
                name="Z",
                role=Role.KITCHEN,
                settings=None,  # type: ignore[arg-type]
            )
        except PermissionDenied:
            refused = True
        else:
            refused = False
    assert refused
