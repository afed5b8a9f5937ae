"""The options a guest chose for one line, checked against what the item offers.

Pure: the caller reads the item's groups (`modifiers.groups_for_items`, batched) inside
the transaction that places the line, so a check and the write see the same menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from restaurant_api.errors import InvalidInput
from restaurant_api.menu.modifiers import MAX_OPTIONS_PER_LINE, OfferedGroup


def _plural(count: int) -> str:
    return "option" if count == 1 else "options"


def _count_error(item: str, group: str, minimum: int, maximum: int, chosen: int) -> InvalidInput:
    if minimum == maximum:
        rule = f"choose {minimum} {_plural(minimum)} from {group}"
    elif chosen < minimum:
        rule = f"choose at least {minimum} {_plural(minimum)} from {group}"
    else:
        rule = f"choose at most {maximum} {_plural(maximum)} from {group}"
    return InvalidInput(f"{item}: {rule}", field="options")


def choose_options(
    item_name: str, groups: Sequence[OfferedGroup], option_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """The chosen options as a line stores them (`OrderLine.options`), in menu order.

    `option_ids` None: every group's available defaults. A list: exactly those options,
    each offered on the item, available, once; every group's count within its min and max.
    """
    if option_ids is not None:
        if len(option_ids) > MAX_OPTIONS_PER_LINE:
            raise InvalidInput(f"at most {MAX_OPTIONS_PER_LINE} options per line", field="options")
        if len(set(option_ids)) != len(option_ids):
            raise InvalidInput(f"{item_name}: an option is chosen twice", field="options")
    offered = {option.id: (group, option) for group in groups for option in group.options}
    if option_ids is None:
        wanted = {o.id for g in groups for o in g.options if o.is_default and o.is_available}
    else:
        wanted = set(option_ids)
        for option_id in option_ids:
            found = offered.get(option_id)
            if found is None:
                raise InvalidInput(
                    f"{item_name}: option {option_id} is not offered on this item",
                    field="options",
                )
            group, option = found
            if not option.is_available:
                raise InvalidInput(
                    f"{item_name}: {option.name} ({group.group.name}) is not available",
                    field="options",
                )
    chosen: list[dict[str, Any]] = []
    for group in groups:
        picked = [option for option in group.options if option.id in wanted]
        minimum, maximum = group.group.min_selections, group.group.max_selections
        if not minimum <= len(picked) <= maximum:
            raise _count_error(item_name, group.group.name, minimum, maximum, len(picked))
        chosen.extend(
            {
                "option_id": option.id,
                "group_id": group.group.id,
                "group": group.group.name,
                "name": option.name,
                "kitchen_name": option.kitchen_name,
                "price_delta_cents": option.price_delta_cents,
            }
            for option in picked
        )
    return chosen


def options_delta_cents(options: Sequence[dict[str, Any]]) -> int:
    """What the chosen options add to the unit price (negative: a credit)."""
    return sum(int(option["price_delta_cents"]) for option in options)
