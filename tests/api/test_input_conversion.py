"""Planned input conversion builds exactly what Strawberry's own conversion builds."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType
from graphql.utilities import coerce_input_value
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.unset import UNSET

from restaurant_api.api.input_conversion import plan_input_types
from restaurant_api.config import Settings
from restaurant_api.schema import build_schema

SCHEMA = build_schema(Settings())

SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("PlaceOrderInput", {"lines": [{"menuItemId": "TWVudUl0ZW06MQ=="}]}),
    (
        "PlaceOrderInput",
        {
            "lines": [
                {
                    "menuItemId": "TWVudUl0ZW06MQ==",
                    "quantity": 2,
                    "modifiers": ["no onion", "extra cheese"],
                    "seatNumber": 3,
                    "options": ["TW9kaWZpZXJPcHRpb246MQ==", "TW9kaWZpZXJPcHRpb246Mg=="],
                    "course": 2,
                },
                {"name": "Off-menu", "price": "4.50", "category": "Specials", "note": None},
            ],
            "tableId": "VGFibGU6Nw==",
            "customerCount": 4,
            "specialRequests": "Birthday",
            "total": "17.50",
            "diningOption": "TAKEOUT",
            "fireAll": True,
        },
    ),
    ("UpdateOrderInput", {}),
    ("UpdateOrderInput", {"tableId": None, "specialRequests": None}),
    (
        "UpdateOrderInput",
        {
            "version": 3,
            "addLines": [{"menuItemId": "TWVudUl0ZW06MQ==", "options": None}],
            "removeLineIds": ["T3JkZXJMaW5lOjE="],
            "changeLines": [{"lineId": "T3JkZXJMaW5lOjI=", "quantity": 5, "modifiers": []}],
            "diningOption": "DELIVERY",
        },
    ),
    ("SplitInput", {"mode": "ITEMS", "items": [[1, 2], [3]]}),
    ("SplitInput", {"mode": "SEATS", "seatAssignments": [{"seatNumber": 1, "items": [1, 2]}]}),
    ("SplitInput", {"mode": "EVEN", "ways": 3, "items": None}),
    (
        "ModifierGroupInput",
        {"name": "Sides", "options": [{"name": "Fries", "priceDelta": "1.25"}, {"name": "Salad"}]},
    ),
]


def _definitions() -> dict[str, StrawberryObjectDefinition]:
    return {
        name: concrete.definition
        for name, concrete in SCHEMA.schema_converter.type_map.items()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
        and concrete.definition.is_input
    }


def _convert(name: str, value: dict[str, Any]) -> Any:
    graphql_type = SCHEMA._schema.get_type(name)
    assert isinstance(graphql_type, GraphQLInputObjectType)
    coerced = coerce_input_value(value, graphql_type)
    origin = _definitions()[name].origin
    return convert_argument(coerced, origin, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)


def test_every_input_type_of_the_schema_is_planned() -> None:
    definitions = _definitions()
    assert len(definitions) > 30
    assert [name for name, d in definitions.items() if d.from_input is None] == []
    assert plan_input_types(SCHEMA) == []  # nothing left over to plan a second time


@pytest.mark.parametrize(("name", "value"), SAMPLES)
def test_planned_conversion_equals_strawberrys(name: str, value: dict[str, Any]) -> None:
    planned = _convert(name, value)
    definitions = _definitions()
    saved = {key: d.from_input for key, d in definitions.items()}
    try:
        for definition in definitions.values():
            definition.from_input = None
        strawberrys = _convert(name, value)
    finally:
        for key, definition in definitions.items():
            definition.from_input = saved[key]
    assert type(planned) is type(strawberrys)
    assert planned == strawberrys


def test_omitted_fields_keep_their_defaults_and_lists_are_copies() -> None:
    first = _convert("UpdateOrderInput", {})
    second = _convert("UpdateOrderInput", {})
    assert first.table_id is UNSET  # omitted, not null: "leave the table as it is"
    assert first.remove_line_ids == [] and first.remove_line_ids is not second.remove_line_ids
    nulled = _convert("UpdateOrderInput", {"tableId": None})
    assert nulled.table_id is None
    placed = _convert("PlaceOrderInput", {"lines": [{"name": "Soup", "price": "3.00"}]})
    assert placed.customer_count == 1 and placed.lines[0].quantity == 1
    assert placed.lines[0].modifiers == [] and placed.lines[0].menu_item_id is None
