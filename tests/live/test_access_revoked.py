"""Live sockets end as soon as their user's access ends, and never deliver after it."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed

from restaurant_api.kitchen.models import TicketStatus
from restaurant_api.users.models import Role, User
from tests.conftest import PASSWORD
from tests.live.conftest import KITCHEN_QUERY, make_ticket, open_socket
from tests.live.test_subscriptions import set_ticket_status


async def subscribed(live_server, token):
    socket = await open_socket(live_server, token=token)
    await socket.subscribe(KITCHEN_QUERY)
    assert (await socket.next_data())["kitchenTickets"]["kind"] == "SNAPSHOT"
    return socket


async def test_deactivation_closes_the_users_sockets_at_once(live_server, db, admin, make_staff):
    await make_ticket(db)
    cook = await make_staff(Role.KITCHEN)
    bystander = await make_staff(Role.KITCHEN)
    socket = await subscribed(live_server, cook.token)
    other = await subscribed(live_server, bystander.token)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        response = await client.patch(
            f"/users/{cook.user.id}", json={"is_active": False}, headers=admin.headers
        )
    assert response.status_code == 200
    assert await socket.closed_with(within=5) == (4403, "Access revoked")
    # Other users' sockets stay open and keep receiving.
    ticket = await make_ticket(db)
    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    assert (await other.next_data())["kitchenTickets"]["kind"] == "CHANGES"
    await other.connection.close()


async def test_logout_role_change_and_password_change_close_sockets(
    live_server, db, admin, make_staff
):
    await make_ticket(db)
    cook = await make_staff(Role.KITCHEN)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        credentials = {"email": cook.user.email, "password": PASSWORD}
        tokens = (await client.post("/users/login", json=credentials)).json()

        socket = await subscribed(live_server, tokens["access_token"])
        await client.post("/users/logout", json={"refresh_token": tokens["refresh_token"]})
        assert await socket.closed_with(within=5) == (4403, "Access revoked")

        tokens = (await client.post("/users/login", json=credentials)).json()
        socket = await subscribed(live_server, tokens["access_token"])
        promoted = await client.patch(
            f"/users/{cook.user.id}", json={"role": "server"}, headers=admin.headers
        )
        assert promoted.status_code == 200
        assert await socket.closed_with(within=5) == (4403, "Access revoked")

        tokens = (await client.post("/users/login", json=credentials)).json()
        socket = await subscribed(live_server, tokens["access_token"])
        changed = await client.post(
            "/users/me/password",
            json={"current_password": PASSWORD, "new_password": "a-new-password"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert changed.status_code == 200
        assert await socket.closed_with(within=5) == (4403, "Access revoked")


async def test_every_live_message_rechecks_the_user(live_server, db, make_staff):
    """Even without the USER event (a change made behind the app's back), nothing more is
    delivered once the token version no longer matches: the socket closes instead."""
    ticket = await make_ticket(db)
    cook = await make_staff(Role.KITCHEN)
    socket = await subscribed(live_server, cook.token)
    async with db.session() as session:
        await session.exec(
            update(User).where(User.id == cook.user.id).values(token_version=User.token_version + 1)
        )
    await set_ticket_status(db, ticket.id, TicketStatus.PREPARING)
    try:
        message = await socket.receive(within=5)
    except ConnectionClosed:
        message = None
    assert message is None, message  # no `next` with the change: the socket closed instead
    assert await socket.closed_with(within=5) == (4403, "Access revoked")
