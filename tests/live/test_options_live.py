"""Live kitchen screens receive the kitchen names of a line's options, and their changes."""

from __future__ import annotations

from tests.conftest import gid
from tests.factories import Opt
from tests.live.conftest import open_socket

SCREEN = """subscription { kitchenTickets {
  kind tickets { id lines { name options note isVoid } } removedTicketIds } }"""


async def test_kitchen_screen_shows_options_and_their_changes(
    live_server, gql, server, kitchen, add_menu_item, add_modifier_group
):
    burger = await add_menu_item("Burger", "12.00", "Mains")
    _, (medium, rare) = await add_modifier_group(
        "Temperature",
        [Opt("Medium", kitchen_name="MED", default=True), Opt("Rare", kitchen_name="RARE")],
        1,
        1,
        items=(burger.id,),
    )
    socket = await open_socket(live_server, token=kitchen.token)
    await socket.subscribe(SCREEN)
    assert (await socket.next_data())["kitchenTickets"]["tickets"] == []

    placed = await gql(
        """mutation($item: ID!) { placeOrder(input: {lines: [{menuItemId: $item,
             note: "no bun"}]}) { ... on OrderPayload { order { id lines { id } } } } }""",
        {"item": gid("MenuItem", burger.id)},
        staff=server,
    )
    order = placed["data"]["placeOrder"]["order"]
    [ticket] = (await socket.next_data())["kitchenTickets"]["tickets"]
    assert ticket["lines"] == [
        {"name": "Burger", "options": ["MED"], "note": "no bun", "isVoid": False}
    ]

    changed = await gql(
        """mutation($id: ID!, $line: ID!, $rare: ID!) { updateOrder(orderId: $id, input: {
             changeLines: [{lineId: $line, options: [$rare]}]}) {
             ... on OrderPayload { order { version } } } }""",
        {
            "id": order["id"],
            "line": order["lines"][0]["id"],
            "rare": gid("ModifierOption", rare.id),
        },
        staff=server,
    )
    assert changed["data"]["updateOrder"]["order"]["version"] == 2
    lines: list[dict[str, object]] = []
    while not any(line["options"] == ["RARE"] for line in lines):
        change = (await socket.next_data())["kitchenTickets"]
        lines.extend(line for t in change["tickets"] for line in t["lines"])
    assert {"name": "Burger", "options": ["RARE"], "note": "no bun", "isVoid": False} in lines
    assert medium.kitchen_name == "MED"
    await socket.connection.close()
