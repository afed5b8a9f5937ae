"""Held courses on the live kitchen screen: shown by default (cooks plan), then fired."""

from __future__ import annotations

from restaurant_api.kitchen.firing import fire_held_course
from restaurant_api.kitchen.models import TicketStatus
from tests.conftest import gid
from tests.live.conftest import KITCHEN_QUERY, make_ticket, open_socket


async def test_held_tickets_are_on_the_default_screen_until_fired(live_server, db, kitchen):
    held = await make_ticket(db, status=TicketStatus.HELD)
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(KITCHEN_QUERY)
    await socket.subscribe(KITCHEN_QUERY, {"status": ["PENDING"]})
    first, second = await socket.receive(), await socket.receive()
    by_id = {m["id"]: m["payload"]["data"]["kitchenTickets"] for m in (first, second)}
    assert [(t["id"], t["status"]) for t in by_id["1"]["tickets"]] == [
        (gid("KitchenTicket", held.id), "HELD")
    ]
    assert by_id["2"]["tickets"] == []

    async with db.session() as session:
        fired = await fire_held_course(
            session, order_id=held.order_id, course=held.course, actor_id=None
        )
        assert [ticket.id for ticket in fired] == [held.id]
    changes = {}
    for _ in range(2):
        message = await socket.receive()
        changes[message["id"]] = message["payload"]["data"]["kitchenTickets"]
    for update in changes.values():
        assert update["kind"] == "CHANGES"
        assert [(t["id"], t["status"]) for t in update["tickets"]] == [
            (gid("KitchenTicket", held.id), "PENDING")
        ]
    await socket.connection.close()
