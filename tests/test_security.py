"""The one Bearer-token parser (HTTP headers, websocket `connection_init` payloads)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from restaurant_api.security import (
    TokenError,
    bearer_token,
    create_access_token,
    decode_access_token,
)


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


# --- access tokens: a verified signature is remembered, the expiry is not --------------------

SECRET = "a-test-secret-of-enough-length-0123456789"


def _token(lifetime: timedelta, *, user_id: int = 7, secret: str = SECRET) -> str:
    token, _ = create_access_token(
        user_id, secret=secret, algorithm="HS256", lifetime=lifetime, version=3
    )
    return token


def test_a_token_decodes_the_same_every_time() -> None:
    token = _token(timedelta(minutes=5))
    first = decode_access_token(token, secret=SECRET, algorithm="HS256")
    again = decode_access_token(token, secret=SECRET, algorithm="HS256")
    assert first == again
    assert (first.user_id, first.version) == (7, 3)


def test_a_remembered_token_still_expires() -> None:
    token = _token(timedelta(seconds=1))
    claims = decode_access_token(token, secret=SECRET, algorithm="HS256")  # remembered now
    # Past the whole second of `exp` (python-jose accepts the token during that second).
    time.sleep(max(0.0, claims.expires_at.timestamp() + 1.05 - time.time()))
    with pytest.raises(TokenError):
        decode_access_token(token, secret=SECRET, algorithm="HS256")
    with pytest.raises(TokenError):  # and stays refused
        decode_access_token(token, secret=SECRET, algorithm="HS256")


def test_a_remembered_token_is_checked_against_the_secret_and_algorithm() -> None:
    token = _token(timedelta(minutes=5))
    decode_access_token(token, secret=SECRET, algorithm="HS256")
    with pytest.raises(TokenError):
        decode_access_token(token, secret=SECRET + "-rotated", algorithm="HS256")
    with pytest.raises(TokenError):
        decode_access_token(token, secret=SECRET, algorithm="HS512")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(TokenError):
        decode_access_token(forged, secret=SECRET, algorithm="HS256")
