"""DateTime needs an offset and Decimal travels as a string: clear VALIDATION_ERRORs otherwise."""

from __future__ import annotations

import pytest

ORDERS = "query($from: DateTime) { orders(createdFrom: $from) { edges { cursor } } }"


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "2026-01-01 00:00", "2026-01-01T00:00"])
async def test_datetime_without_offset_is_a_validation_error(gql, server, value):
    inline = await gql(
        f'{{ orders(createdFrom: "{value}") {{ edges {{ cursor }} }} }}', staff=server
    )
    variable = await gql(ORDERS, {"from": value}, staff=server)
    for result in (inline, variable):
        [error] = result["errors"]
        assert error["extensions"]["code"] == "VALIDATION_ERROR", result
        assert "has no offset" in error["message"], result
        assert "Unexpected" not in error["message"]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-01-01", 12])
async def test_datetime_garbage_is_a_validation_error(gql, server, value):
    result = await gql(ORDERS, {"from": value}, staff=server)
    [error] = result["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR", result


async def test_datetime_with_offset_is_read_and_written_in_rfc3339(gql, server):
    placed = await gql(
        """mutation { placeOrder(input: {lines: [{name: "Tea", price: "2.00", category: "Drinks"}]})
           { ... on OrderPayload { order { createdAt } } } }""",
        staff=server,
    )
    created = placed["data"]["placeOrder"]["order"]["createdAt"]
    assert created.endswith("+00:00"), created
    for value in ("2000-01-01T00:00:00Z", "2000-01-01T01:00:00.5+01:00"):
        result = await gql(ORDERS, {"from": value}, staff=server)
        assert len(result["data"]["orders"]["edges"]) == 1, result


@pytest.mark.parametrize("value", [2.5, "1e3", "1,50", " ", True])
async def test_decimal_must_be_a_plain_string(gql, server, value):
    result = await gql(
        """mutation($price: Decimal!) { placeOrder(input: {lines: [
             {name: "Tea", price: $price, category: "Drinks"}]}) { __typename } }""",
        {"price": value},
        staff=server,
    )
    [error] = result["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR", result
    assert "Decimal" in error["message"]
