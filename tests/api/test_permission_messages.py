"""An invalid token's message belongs to its own request, never to the next caller's."""

from __future__ import annotations

from typing import Any

QUERY = "{ orders(first: 1) { edges { node { id } } } }"


async def test_an_invalid_token_does_not_leak_its_message_to_anonymous_callers(gql: Any) -> None:
    bad = await gql(QUERY, token="not-a-token")
    assert bad["errors"][0]["message"] == "Invalid token"
    assert bad["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    anonymous = await gql(QUERY)
    assert anonymous["errors"][0]["message"] == "Not authenticated"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
