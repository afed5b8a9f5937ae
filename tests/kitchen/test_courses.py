"""Courses: later courses held until fired, by a server (fireCourse) or by the clock
(fire_due_courses); REST placement fires everything."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from restaurant_api.config import Settings
from restaurant_api.db import utcnow
from restaurant_api.kitchen import courses, watch
from restaurant_api.kitchen.models import KitchenTicket, TicketEvent, TicketStatus
from restaurant_api.menu.models import MenuItem
from tests.conftest import dbid, gid

ORDER_FIELDS = """
  id version
  lines { name course }
  courses { number name status isHeld firedAt ticketCount }
  tickets { id station course status firedAt lines { name } }
"""

PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{
    __typename
    ... on OrderPayload {{ order {{ {ORDER_FIELDS} }} }}
    ... on ValidationError {{ code field message }}
  }}
}}"""

FIRE = """
mutation($orderId: ID!, $course: Int!) {
  fireCourse(orderId: $orderId, course: $course) {
    __typename
    ... on FireCoursePayload {
      alreadyFired
      tickets { id course status firedAt station }
      course { number name status isHeld firedAt }
    }
    ... on ValidationError { code field message }
    ... on Error { code message }
  }
}"""

ADD_LINES = f"""
mutation($orderId: ID!, $lines: [OrderLineInput!]!) {{
  updateOrder(orderId: $orderId, input: {{addLines: $lines}}) {{
    __typename ... on OrderPayload {{ order {{ {ORDER_FIELDS} }} }} ... on Error {{ code }}
  }}
}}"""

ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"


def _open(name: str, price: str = "5", category: str = "Mains", **extra):
    return {"name": name, "price": price, "category": category, **extra}


async def _menu_item(db, name: str, course: int, category: str = "Mains") -> int:
    async with db.session() as session:
        item = MenuItem(
            name=name,
            name_key=name.casefold(),
            category=category,
            price_cents=900,
            default_course=course,
            prep_minutes=10,
        )
        session.add(item)
        await session.flush()
        return item.id


async def _three_courses(gql, db, server, **extra):
    """An order: soup (course 1 by its menu item), steak (2 by its menu item), cake (3)."""
    soup = await _menu_item(db, "Soup", 1, "Starters")
    steak = await _menu_item(db, "Steak", 2)
    lines = [
        {"menuItemId": gid("MenuItem", steak)},
        {"menuItemId": gid("MenuItem", soup)},
        _open("Cake", category="Desserts", course=3),
    ]
    result = await gql(PLACE, {"input": {"lines": lines, **extra}}, staff=server)
    assert result["data"]["placeOrder"]["__typename"] == "OrderPayload", result
    return result["data"]["placeOrder"]["order"]


async def _events(db, ticket_ids):
    async with db.session(read_only=True) as session:
        rows = await session.exec(
            select(TicketEvent).where(col(TicketEvent.ticket_id).in_(ticket_ids))
        )
        return Counter((event.ticket_id, event.status) for event in rows.all())


# --- the menu: an item's default course and prep-time target -------------------------------

MENU_ITEM = """
mutation($input: MenuItemInput!) {
  createMenuItem(input: $input) {
    __typename
    ... on MenuItemPayload { menuItem { id defaultCourse prepMinutes } }
    ... on ValidationError { field }
  }
}"""

UPDATE_ITEM = """
mutation($id: ID!, $input: MenuItemUpdateInput!) {
  updateMenuItem(id: $id, input: $input) {
    __typename
    ... on MenuItemPayload { menuItem { defaultCourse prepMinutes } }
    ... on ValidationError { field }
  }
}"""


async def test_menu_item_course_and_prep_minutes(gql, manager):
    base = {"name": "Tart", "price": "6", "category": "Desserts"}
    created = await gql(
        MENU_ITEM, {"input": {**base, "defaultCourse": 3, "prepMinutes": 8}}, staff=manager
    )
    item = created["data"]["createMenuItem"]["menuItem"]
    assert (item["defaultCourse"], item["prepMinutes"]) == (3, 8)
    same = await gql(UPDATE_ITEM, {"id": item["id"], "input": {"name": "Tarte"}}, staff=manager)
    assert same["data"]["updateMenuItem"]["menuItem"] == {"defaultCourse": 3, "prepMinutes": 8}
    cleared = await gql(
        UPDATE_ITEM, {"id": item["id"], "input": {"prepMinutes": None, "defaultCourse": 2}},
        staff=manager,
    )  # fmt: skip
    assert cleared["data"]["updateMenuItem"]["menuItem"] == {
        "defaultCourse": 2,
        "prepMinutes": None,
    }
    for field, value in (("defaultCourse", 0), ("defaultCourse", 10), ("prepMinutes", -1),
                         ("prepMinutes", 24 * 60 + 1)):  # fmt: skip
        bad = await gql(UPDATE_ITEM, {"id": item["id"], "input": {field: value}}, staff=manager)
        assert bad["data"]["updateMenuItem"] == {"__typename": "ValidationError", "field": field}
    plain = await gql(MENU_ITEM, {"input": {**base, "name": "Bun"}}, staff=manager)
    assert plain["data"]["createMenuItem"]["menuItem"]["defaultCourse"] == 1
    assert plain["data"]["createMenuItem"]["menuItem"]["prepMinutes"] is None


# --- placing: the first course fires, later ones are held ---------------------------------


async def test_placing_fires_the_first_course_and_holds_the_others(gql, db, server, kitchen):
    order = await _three_courses(gql, db, server)
    assert [(line["name"], line["course"]) for line in order["lines"]] == [
        ("Steak", 2),
        ("Soup", 1),
        ("Cake", 3),
    ]
    assert [(c["number"], c["name"], c["status"], c["isHeld"]) for c in order["courses"]] == [
        (1, "Starters", "FIRED", False),
        (2, "Mains", "HELD", True),
        (3, "Desserts", "HELD", True),
    ]
    assert order["courses"][0]["firedAt"] is not None
    assert [c["firedAt"] for c in order["courses"][1:]] == [None, None]
    by_course = {t["course"]: t for t in order["tickets"]}
    assert {c: (t["status"], t["lines"]) for c, t in by_course.items()} == {
        1: ("PENDING", [{"name": "Soup"}]),
        2: ("HELD", [{"name": "Steak"}]),
        3: ("HELD", [{"name": "Cake"}]),
    }
    assert by_course[2]["firedAt"] is None


async def test_fire_all_fires_every_course(gql, db, server):
    order = await _three_courses(gql, db, server, fireAll=True)
    assert {t["status"] for t in order["tickets"]} == {"PENDING"}
    assert [c["status"] for c in order["courses"]] == ["FIRED", "FIRED", "FIRED"]


async def test_course_out_of_bounds_is_a_validation_error(gql, server):
    for course in (0, 10):
        result = await gql(PLACE, {"input": {"lines": [_open("Tea", course=course)]}}, staff=server)
        error = result["data"]["placeOrder"]
        assert error["__typename"] == "ValidationError"
        assert error["field"] == "lines.0.course"


# --- fireCourse -----------------------------------------------------------------------------


async def test_fire_course_fires_held_tickets_once(gql, db, server, kitchen):
    order = await _three_courses(gql, db, server)
    variables = {"orderId": order["id"], "course": 3}
    # Desserts before mains: refused, nothing fired.
    early = (await gql(FIRE, variables, staff=server))["data"]["fireCourse"]
    assert early["__typename"] == "ConflictError"
    assert "Mains" in early["message"]

    fired = (await gql(FIRE, {**variables, "course": 2}, staff=kitchen))["data"]["fireCourse"]
    assert fired["__typename"] == "FireCoursePayload"
    assert fired["alreadyFired"] is False
    [ticket] = fired["tickets"]
    assert (ticket["course"], ticket["status"]) == (2, "PENDING")
    assert ticket["firedAt"] is not None
    assert fired["course"] == {
        "number": 2,
        "name": "Mains",
        "status": "FIRED",
        "isHeld": False,
        "firedAt": ticket["firedAt"],
    }

    again = (await gql(FIRE, {**variables, "course": 2}, staff=server))["data"]["fireCourse"]
    assert again["alreadyFired"] is True
    assert again["tickets"] == []
    assert again["course"]["status"] == "FIRED"
    events = await _events(db, [dbid(ticket["id"])])
    assert events[(dbid(ticket["id"]), TicketStatus.PENDING)] == 1
    assert events[(dbid(ticket["id"]), TicketStatus.HELD)] == 1

    after = (await gql(ORDER, {"id": order["id"]}, staff=server))["data"]["order"]
    assert [c["status"] for c in after["courses"]] == ["FIRED", "FIRED", "HELD"]


async def test_fire_course_errors(gql, db, server):
    order = await _three_courses(gql, db, server)
    missing = await gql(FIRE, {"orderId": order["id"], "course": 9}, staff=server)
    assert missing["data"]["fireCourse"]["__typename"] == "NotFoundError"
    bad = await gql(FIRE, {"orderId": order["id"], "course": 0}, staff=server)
    assert bad["data"]["fireCourse"]["field"] == "course"
    nowhere = await gql(FIRE, {"orderId": gid("Order", 999999), "course": 1}, staff=server)
    assert nowhere["data"]["fireCourse"]["__typename"] == "NotFoundError"
    anonymous = await gql(FIRE, {"orderId": order["id"], "course": 2})
    assert anonymous["data"]["fireCourse"]["__typename"] == "AuthenticationError"


async def test_fire_course_on_a_cancelled_order_is_refused(gql, db, server, manager):
    order = await _three_courses(gql, db, server)
    cancel = await gql(
        'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "left") { __typename } }',
        {"id": order["id"]},
        staff=manager,
    )
    assert cancel["data"]["cancelOrder"]["__typename"] == "OrderPayload", cancel
    refused = await gql(FIRE, {"orderId": order["id"], "course": 2}, staff=server)
    assert refused["data"]["fireCourse"]["code"] == "ORDER_CLOSED"
    tickets = (await gql(ORDER, {"id": order["id"]}, staff=server))["data"]["order"]["tickets"]
    # The held courses were never made: their tickets are gone; the fired one is voided.
    assert [t["status"] for t in tickets] == ["PENDING"]


async def test_first_course_fired_already(gql, db, server):
    order = await _three_courses(gql, db, server)
    first = await gql(FIRE, {"orderId": order["id"], "course": 1}, staff=server)
    assert first["data"]["fireCourse"]["alreadyFired"] is True


# --- lines added later ----------------------------------------------------------------------


async def _add_line(gql, server, order, name: str, course: int):
    """Add one line of `course` to the order: the order after the change."""
    result = await gql(
        ADD_LINES, {"orderId": order["id"], "lines": [_open(name, course=course)]}, staff=server
    )
    return result["data"]["updateOrder"]["order"]


async def test_lines_of_a_held_course_join_its_ticket(gql, db, server):
    order = await _three_courses(gql, db, server)
    after = await _add_line(gql, server, order, "Fries", 2)
    held = [t for t in after["tickets"] if t["course"] == 2]
    assert len(held) == 1
    assert held[0]["status"] == "HELD"
    assert sorted(line["name"] for line in held[0]["lines"]) == ["Fries", "Steak"]
    fired = await gql(FIRE, {"orderId": order["id"], "course": 2}, staff=server)
    [ticket] = fired["data"]["fireCourse"]["tickets"]
    assert ticket["id"] == held[0]["id"]


async def test_a_line_of_a_fired_course_fires_at_once(gql, db, server):
    order = await _three_courses(gql, db, server)
    after = await _add_line(gql, server, order, "Bread", 1)
    starters = [t for t in after["tickets"] if t["course"] == 1]
    assert [(t["status"], t["lines"]) for t in starters] == [
        ("PENDING", [{"name": "Soup"}]),
        ("PENDING", [{"name": "Bread"}]),
    ]
    assert [c["status"] for c in after["courses"]] == ["FIRED", "HELD", "HELD"]


MOVE_LINE = """
mutation($orderId: ID!, $lineId: ID!, $course: Int!) {
  updateOrder(orderId: $orderId, input: {changeLines: [{lineId: $lineId, course: $course}]}) {
    __typename
    ... on OrderPayload { order { lines { name course } courses { number status }
                                  tickets { course status lines { name isVoid } } } }
    ... on ValidationError { field }
  }
}"""


async def test_moving_a_line_to_a_fired_course_fires_it(gql, db, server):
    order = await _three_courses(gql, db, server)
    queried = await gql(
        'query($id: ID!) { order(id: $id) { lines { id name } } }', {"id": order["id"]},
        staff=server,
    )  # fmt: skip
    steak = next(ln["id"] for ln in queried["data"]["order"]["lines"] if ln["name"] == "Steak")
    variables = {"orderId": order["id"], "lineId": steak}
    bad = await gql(MOVE_LINE, {**variables, "course": 10}, staff=server)
    assert bad["data"]["updateOrder"] == {
        "__typename": "ValidationError",
        "field": "changeLines.0.course",
    }
    moved = (await gql(MOVE_LINE, {**variables, "course": 1}, staff=server))["data"]
    after = moved["updateOrder"]["order"]
    assert {ln["name"]: ln["course"] for ln in after["lines"]} == {
        "Steak": 1,
        "Soup": 1,
        "Cake": 3,
    }
    tickets = sorted(
        (t["course"], t["status"], [(ln["name"], ln["isVoid"]) for ln in t["lines"]])
        for t in after["tickets"]
    )
    # The mains' held ticket had nothing else: gone, and with it the course.
    assert tickets == [
        (1, "PENDING", [("Soup", False)]),
        (1, "PENDING", [("Steak", False)]),
        (3, "HELD", [("Cake", False)]),
    ]
    assert after["courses"] == [
        {"number": 1, "status": "FIRED"},
        {"number": 3, "status": "HELD"},
    ]
    # Desserts are next now.
    fired = await gql(FIRE, {"orderId": order["id"], "course": 3}, staff=server)
    assert [t["course"] for t in fired["data"]["fireCourse"]["tickets"]] == [3]


async def test_removing_a_line_from_a_held_ticket_keeps_the_others(gql, db, server):
    order = await _three_courses(gql, db, server)
    after = await _add_line(gql, server, order, "Fries", 2)
    fries = await gql(
        'query($id: ID!) { order(id: $id) { lines { id name } } }', {"id": order["id"]},
        staff=server,
    )  # fmt: skip
    fries_id = next(ln["id"] for ln in fries["data"]["order"]["lines"] if ln["name"] == "Fries")
    removed = await gql(
        """mutation($o: ID!, $l: ID!) {
             updateOrder(orderId: $o, input: {removeLineIds: [$l]}) { ... on OrderPayload {
               order { tickets { course status lines { name isVoid } } } } } }""",
        {"o": order["id"], "l": fries_id},
        staff=server,
    )
    held = [t for t in removed["data"]["updateOrder"]["order"]["tickets"] if t["course"] == 2]
    assert held == [
        {
            "course": 2,
            "status": "HELD",
            "lines": [{"name": "Steak", "isVoid": False}, {"name": "Fries", "isVoid": True}],
        }
    ]
    assert len(after["tickets"]) == 3


# --- REST -----------------------------------------------------------------------------------


async def test_rest_placement_fires_everything(client, db, server, kitchen):
    steak = await _menu_item(db, "Steak", 2)
    items = [{"menu_item_id": steak}, {**_open("Pie", category="Desserts"), "course": 3}]
    response = await client.post("/api/orders", json={"order": items}, headers=server.headers)
    assert response.status_code == 200, response.text
    listed = await client.get("/api/kitchen/orders", headers=kitchen.headers)
    assert sorted(t["status"] for t in listed.json()) == ["pending", "pending"]

    held = await client.post(
        "/api/orders", json={"order": items, "fire_all": False}, headers=server.headers
    )
    assert held.status_code == 200, held.text
    listed = await client.get("/api/kitchen/orders", headers=kitchen.headers)
    # The held dessert is not on REST's kitchen list.
    assert Counter(t["order_id"] for t in listed.json()) == {
        response.json()["id"]: 2,
        held.json()["id"]: 1,
    }
    async with db.session(read_only=True) as session:
        rows = await session.exec(
            select(KitchenTicket).where(KitchenTicket.order_id == held.json()["id"])
        )
        assert sorted((t.course, t.status) for t in rows.all()) == [
            (2, TicketStatus.PENDING),
            (3, TicketStatus.HELD),
        ]


async def test_rest_knows_no_held_status(client, server, kitchen):
    placed = await client.post(
        "/api/orders", json={"order": [_open("Tea")]}, headers=server.headers
    )
    order_id = placed.json()["id"]
    put = await client.put(
        f"/api/kitchen/orders/{order_id}", json={"status": "held"}, headers=kitchen.headers
    )
    assert put.status_code == 422
    assert "held" not in put.json()["detail"].split(";")[1]
    listed = await client.get("/api/kitchen/orders?status=held", headers=kitchen.headers)
    assert listed.status_code == 422
    bad = await client.post(
        "/api/orders", json={"order": [_open("Tea", course=10)]}, headers=server.headers
    )
    assert bad.status_code == 422


# --- the clock: fire_due_courses ------------------------------------------------------------


async def _serve_course(db, order_id: int, course: int) -> None:
    async with db.session() as session:
        rows = await session.exec(
            select(KitchenTicket).where(
                KitchenTicket.order_id == order_id, KitchenTicket.course == course
            )
        )
        for ticket in rows.all():
            ticket.status = TicketStatus.SERVED
            assert ticket.fired_at is not None
            ticket.served_at = ticket.fired_at + timedelta(minutes=20)
            session.add(ticket)


async def _tickets(db, order_id: int) -> dict[int, list[KitchenTicket]]:
    async with db.session(read_only=True) as session:
        rows = await session.exec(select(KitchenTicket).where(KitchenTicket.order_id == order_id))
        grouped: dict[int, list[KitchenTicket]] = {}
        for ticket in rows.all():
            grouped.setdefault(ticket.course, []).append(ticket)
        return grouped


async def _fired_at(db, order_id: int) -> datetime:
    """When the order's first course fired."""
    fired_at = (await _tickets(db, order_id))[1][0].fired_at
    assert fired_at is not None
    return fired_at


async def _sweep(db, now, after_minutes=5):
    async with db.session() as session:
        fired = await courses.fire_due_courses(session, now=now, after_minutes=after_minutes)
        return [(t.order_id, t.course) for t in fired]


async def test_fire_due_courses_after_the_previous_course_is_served(gql, db, server):
    order = await _three_courses(gql, db, server)
    order_id = dbid(order["id"])
    fired_at = await _fired_at(db, order_id)
    # Starters not served: nothing is due, however late.
    assert await _sweep(db, fired_at + timedelta(hours=3)) == []
    await _serve_course(db, order_id, 1)
    served_at = fired_at + timedelta(minutes=20)
    assert await _sweep(db, served_at + timedelta(minutes=4, seconds=59)) == []
    assert await _sweep(db, served_at + timedelta(minutes=5)) == [(order_id, 2)]
    # Idempotent, and desserts wait for the mains.
    assert await _sweep(db, served_at + timedelta(hours=1)) == []
    tickets = await _tickets(db, order_id)
    assert tickets[2][0].status == TicketStatus.PENDING
    assert tickets[2][0].fired_at == served_at + timedelta(minutes=5)
    assert tickets[2][0].due_at == served_at + timedelta(minutes=15)  # steak's 10 minutes
    assert tickets[3][0].status == TicketStatus.HELD


async def test_fire_due_courses_skips_orders_not_open(gql, db, server, manager):
    order = await _three_courses(gql, db, server)
    order_id = dbid(order["id"])
    await _serve_course(db, order_id, 1)
    cancel = await gql(
        'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "left") { __typename } }',
        {"id": order["id"]},
        staff=manager,
    )
    assert cancel["data"]["cancelOrder"]["__typename"] == "OrderPayload", cancel
    fired_at = await _fired_at(db, order_id)
    assert await _sweep(db, fired_at + timedelta(hours=2)) == []


def test_next_due_course_rules():
    now = utcnow()

    def ticket(ticket_id, course, status, **times):
        return KitchenTicket(
            id=ticket_id, order_id=1, station="kitchen", station_id=1, course=course,
            status=status, **times,
        )  # fmt: skip

    held = ticket(3, 2, TicketStatus.HELD)
    # Nothing earlier to wait for: due at once.
    assert courses.next_due_course([held], {}, now=now, after_minutes=5) == 2
    pending = ticket(1, 1, TicketStatus.PENDING)
    assert courses.next_due_course([pending, held], {1: 1}, now=now, after_minutes=5) is None
    # A ticket whose lines were all voided holds nothing back; nor does a dismissed one.
    voided = ticket(1, 1, TicketStatus.PENDING, updated_at=now - timedelta(minutes=6))
    assert courses.next_due_course([voided, held], {}, now=now, after_minutes=5) == 2
    dismissed = ticket(1, 1, TicketStatus.PREPARING, dismissed_at=now - timedelta(minutes=1))
    assert courses.next_due_course([dismissed, held], {1: 2}, now=now, after_minutes=5) is None
    assert courses.next_due_course([dismissed, held], {1: 2}, now=now, after_minutes=1) == 2
    assert courses.next_due_course([pending], {1: 1}, now=now, after_minutes=0) is None


def test_course_names():
    assert [courses.course_name(n) for n in (1, 2, 3, 4, 9)] == [
        "Starters",
        "Mains",
        "Desserts",
        "Course 4",
        "Course 9",
    ]


# --- races on PostgreSQL --------------------------------------------------------------------


@pytest.fixture
def only_postgres(backend):
    if backend.name != "postgresql":
        pytest.skip("a PostgreSQL race test")


async def test_two_fire_course_at_once_fire_once(only_postgres, gql, db, server, kitchen):
    order = await _three_courses(gql, db, server)
    variables = {"orderId": order["id"], "course": 2}
    results = await asyncio.gather(
        gql(FIRE, variables, staff=server), gql(FIRE, variables, staff=kitchen)
    )
    payloads = [result["data"]["fireCourse"] for result in results]
    assert sorted(p["alreadyFired"] for p in payloads) == [False, True]
    ticket_ids = [t.id for t in (await _tickets(db, dbid(order["id"])))[2]]
    events = await _events(db, ticket_ids)
    assert [events[(tid, TicketStatus.PENDING)] for tid in ticket_ids] == [1] * len(ticket_ids)


async def test_two_sweeps_at_once_fire_a_course_once(only_postgres, gql, db, server):
    order = await _three_courses(gql, db, server)
    order_id = dbid(order["id"])
    await _serve_course(db, order_id, 1)
    fired_at = await _fired_at(db, order_id)
    now = fired_at + timedelta(hours=1)
    results = await asyncio.gather(*(_sweep(db, now) for _ in range(4)))
    assert sorted(fired for result in results for fired in result) == [(order_id, 2)]
    ticket_ids = [t.id for t in (await _tickets(db, order_id))[2]]
    events = await _events(db, ticket_ids)
    assert events[(ticket_ids[0], TicketStatus.PENDING)] == 1


async def test_the_kitchen_watch_fires_due_courses_only_when_the_setting_is_on(gql, db, server):
    order = await _three_courses(gql, db, server)
    order_id = dbid(order["id"])
    await _serve_course(db, order_id, 1)
    later = await _fired_at(db, order_id) + timedelta(hours=1)
    off = watch.kitchen_sweeps(Settings(course_auto_fire_minutes=None))
    assert await watch.run_sweeps(db, off, now=later) == [None]
    assert (await _tickets(db, order_id))[2][0].status == TicketStatus.HELD
    on = watch.kitchen_sweeps(Settings(course_auto_fire_minutes=10))
    assert await watch.run_sweeps(db, on, now=later) == [None, None]
    tickets = await _tickets(db, order_id)
    assert tickets[2][0].status == TicketStatus.PENDING
    assert tickets[2][0].fired_at == later
    assert tickets[3][0].status == TicketStatus.HELD
