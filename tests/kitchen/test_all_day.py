"""All-day counts: per station, each item with its options, quantities still to make."""

from __future__ import annotations

from typing import Any

from restaurant_api.db import Database, utcnow
from restaurant_api.kitchen import all_day
from restaurant_api.kitchen.models import KitchenTicket, KitchenTicketLine, TicketStatus
from restaurant_api.kitchen.routing import station_by_name
from restaurant_api.orders.models import Order

ALL_DAY = """
query($station: String) {
  allDayCounts(station: $station) {
    station truncated counts { station name options quantity }
  }
}"""


async def add_ticket(
    db: Database,
    station: str,
    lines: list[tuple[str, int, list[str]]],
    *,
    status: TicketStatus = TicketStatus.PENDING,
    dismissed: bool = False,
    ready: tuple[int, ...] = (),
    voided: tuple[int, ...] = (),
) -> KitchenTicket:
    """A ticket with lines (name, quantity, options); `ready`/`voided`: line positions."""
    async with db.session() as session:
        order = Order(customer_count=1)
        session.add(order)
        await session.flush()
        known = await station_by_name(session, station)
        assert known is not None
        ticket = KitchenTicket(
            order_id=order.id,
            station=known.name,
            station_id=known.id,
            status=status,
            dismissed_at=utcnow() if dismissed else None,
        )
        session.add(ticket)
        await session.flush()
        session.add_all(
            KitchenTicketLine(
                ticket_id=ticket.id,
                name=name,
                quantity=quantity,
                options=options,
                ready_at=utcnow() if position in ready else None,
                voided_at=utcnow() if position in voided else None,
            )
            for position, (name, quantity, options) in enumerate(lines)
        )
    return ticket


def rows(body: dict[str, Any]) -> list[tuple[str, str, list[str], int]]:
    counts = body["data"]["allDayCounts"]["counts"]
    return [(c["station"], c["name"], c["options"], c["quantity"]) for c in counts]


async def test_counts_what_is_still_to_make(gql, kitchen, db):
    await add_ticket(
        db,
        "kitchen",
        [("Burger", 2, ["MED RARE"]), ("Burger", 1, []), ("Fries", 1, [])],
        ready=(2,),  # the fries were bumped
    )
    await add_ticket(
        db,
        "kitchen",
        [("Burger", 3, ["MED RARE"]), ("Salad", 1, []), ("Fries", 4, [])],
        status=TicketStatus.PREPARING,
        voided=(1,),  # the salad was removed
    )
    await add_ticket(db, "bar", [("Wine", 2, [])])
    # Not counted: ready, served, held, dismissed.
    await add_ticket(db, "kitchen", [("Burger", 9, [])], status=TicketStatus.READY)
    await add_ticket(db, "kitchen", [("Burger", 9, [])], status=TicketStatus.SERVED)
    await add_ticket(db, "kitchen", [("Burger", 9, [])], status=TicketStatus.HELD)
    await add_ticket(db, "kitchen", [("Burger", 9, [])], dismissed=True)

    everything = await gql(ALL_DAY, staff=kitchen)
    assert everything["data"]["allDayCounts"]["station"] is None
    assert everything["data"]["allDayCounts"]["truncated"] is False
    assert rows(everything) == [
        ("kitchen", "Burger", ["MED RARE"], 5),
        ("kitchen", "Fries", [], 4),
        ("kitchen", "Burger", [], 1),
        ("bar", "Wine", [], 2),
    ]
    bar = await gql(ALL_DAY, {"station": " BAR "}, staff=kitchen)
    assert bar["data"]["allDayCounts"]["station"] == "bar"
    assert rows(bar) == [("bar", "Wine", [], 2)]
    pastry = await gql(ALL_DAY, {"station": "pastry"}, staff=kitchen)
    assert pastry["data"]["allDayCounts"] == {"station": "pastry", "truncated": False, "counts": []}


async def test_unknown_station_and_anonymous_are_refused(gql, kitchen):
    unknown = await gql(ALL_DAY, {"station": "moon"}, staff=kitchen)
    assert unknown["data"] == {"allDayCounts": None}
    assert unknown["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "station"}
    too_long = await gql(ALL_DAY, {"station": "x" * 5000}, staff=kitchen)
    assert too_long["data"] == {"allDayCounts": None}
    anonymous = await gql(ALL_DAY)
    assert anonymous["data"] == {"allDayCounts": None}


async def test_rows_beyond_the_cap_are_truncated(db, kitchen, monkeypatch):
    monkeypatch.setattr(all_day, "MAX_ALL_DAY_ROWS", 2)
    await add_ticket(db, "kitchen", [("A", 1, []), ("B", 2, []), ("C", 3, [])])
    async with db.session() as session:
        counts = await all_day.all_day_counts(session, actor=kitchen.user)
    assert counts.truncated is True
    assert [(c.name, c.quantity) for c in counts.counts] == [("C", 3), ("B", 2)]
