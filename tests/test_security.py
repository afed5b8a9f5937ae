"""The one Bearer-token parser (HTTP headers, websocket `connection_init` payloads)."""

from __future__ import annotations

import pytest

from restaurant_api.security import bearer_token


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        ("Bearer abc.def", "abc.def"),
        ("bearer abc", "abc"),
        ("BEARER  abc  ", "abc"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("Basic abc", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(authorization: str | None, token: str | None) -> None:
    assert bearer_token(authorization) == token
