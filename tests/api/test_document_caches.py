"""Verdicts remembered per parsed document: the same answers as computing them each time."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from restaurant_api.api import cost
from restaurant_api.config import Settings
from restaurant_api.graphql_bounds import list_bounds
from restaurant_api.schema import build_schema

SETTINGS = Settings()
SCHEMA = build_schema(SETTINGS)
BOUNDS = list_bounds(SETTINGS)

ORDERS = parse(
    """query($n: Int, $m: Int = 7) { orders(first: $n) { edges { node { id
        tickets { id } } } } tables: orders(first: $m) { edges { node { id } } } }"""
)


@pytest.mark.parametrize(
    "variables",
    [{"n": 5}, {"n": 50}, {"n": 5}, {}, {"n": None}, {"n": 5, "m": 2}, {"n": [1]}, {"n": 10**9}],
)
def test_a_remembered_cost_equals_the_walk(variables: dict[str, Any]) -> None:
    walked = cost._document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, variables)
    assert cost.document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, variables) == walked
    assert cost.document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, variables) == walked


def test_costs_differ_with_the_page_sizes_read() -> None:
    small = cost.document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, {"n": 2, "m": 1})
    large = cost.document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, {"n": 90, "m": 1})
    assert large > small
    # A variable the cost never reads does not change it.
    assert cost.document_cost(SCHEMA._schema, BOUNDS, ORDERS, None, {"n": 2, "m": 1, "x": 3}) == (
        small
    )


async def test_an_invalid_document_is_refused_every_time() -> None:
    query = "{ menu { id nope } }"
    for _ in range(3):
        result = await SCHEMA.execute(query)
        assert result.errors is not None
        assert "nope" in result.errors[0].message
    valid = await SCHEMA.execute("{ __typename }")
    assert valid.errors is None and valid.data == {"__typename": "Query"}
