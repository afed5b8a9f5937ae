"""Password hashing and JWT access tokens."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import weakref
from calendar import timegm
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import JWTError, jwt
from passlib.context import CryptContext

# argon2 for new hashes; bcrypt hashes from the system we replace still verify and are
# upgraded on the next successful login (`deprecated="auto"`).
password_context = CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto")

# Verified against when the email is unknown, so that a miss costs as much as a wrong password.
_DUMMY_HASH = password_context.hash(secrets.token_urlsafe(16))

ACCESS_TOKEN_TYPE = "access"


class TokenError(Exception):
    """The token is malformed, forged, expired or of the wrong kind."""


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value (scheme case-insensitive),
    None for another scheme or no token. The one parser of HTTP headers and websocket
    `connection_init` payloads alike."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


def hash_password(password: str) -> str:
    return password_context.hash(password)


def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new_hash) where new_hash is set when it needs upgrading."""
    if hashed is None:
        password_context.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return password_context.verify_and_update(password, hashed)
    except (ValueError, TypeError):
        return False, None


# Hashing costs about a quarter of a second of CPU. It runs in worker threads (argon2 and
# bcrypt release the GIL), at most `limit` at once per event loop, so that a login flood
# queues here instead of starving every other request on the loop.
_hashing_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
DEFAULT_HASH_CONCURRENCY = 2


def _slots(limit: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _hashing_slots.get(loop)
    if slots is None:
        slots = _hashing_slots[loop] = asyncio.Semaphore(limit)
    return slots


def configure_hashing(limit: int) -> None:
    """Set the per-process bound on concurrent hashes (the app does this at start-up)."""
    global DEFAULT_HASH_CONCURRENCY
    DEFAULT_HASH_CONCURRENCY = limit
    _hashing_slots.clear()


async def hash_password_async(password: str) -> str:
    async with _slots(DEFAULT_HASH_CONCURRENCY):
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, hashed: str | None) -> tuple[bool, str | None]:
    async with _slots(DEFAULT_HASH_CONCURRENCY):
        return await asyncio.to_thread(verify_password, password, hashed)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    version: int
    issued_at: datetime
    expires_at: datetime


def create_access_token(
    user_id: int,
    *,
    secret: str,
    algorithm: str,
    lifetime: timedelta,
    now: datetime | None = None,
    version: int = 0,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + lifetime
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "type": ACCESS_TOKEN_TYPE,
        "ver": version,
    }
    return jwt.encode(claims, secret, algorithm=algorithm), expires


# Tokens whose signature verified, with their expiry: every request of a signed-in client
# sends the same token, and verifying it again cost ~0.17 ms (python-jose), about 2% of
# placing an order. Only the signature check is remembered: the expiry is checked on every
# use, and the token's version against its user's row by the caller (`users.callers`).
_VERIFIED_MAX = 4096
_verified: OrderedDict[tuple[str, str, str], tuple[AccessClaims, int]] = OrderedDict()


def decode_access_token(token: str, *, secret: str, algorithm: str) -> AccessClaims:
    """Verify signature, algorithm (pinned) and expiry; `exp` is required."""
    key = (token, secret, algorithm)
    known = _verified.get(key)
    if known is not None:
        claims, expires = known
        # python-jose's own test: valid up to and including the second of `exp`.
        if expires >= timegm(datetime.now(UTC).utctimetuple()):
            return claims
        del _verified[key]
        raise TokenError("Signature has expired.")
    claims = _verify_access_token(token, secret=secret, algorithm=algorithm)
    _verified[key] = (claims, int(claims.expires_at.timestamp()))
    while len(_verified) > _VERIFIED_MAX:
        _verified.popitem(last=False)
    return claims


def _verify_access_token(token: str, *, secret: str, algorithm: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except JWTError as exc:
        raise TokenError(str(exc)) from exc
    except Exception as exc:  # python-jose raises assorted errors on garbage input
        raise TokenError("malformed token") from exc
    if claims.get("type") != ACCESS_TOKEN_TYPE:
        raise TokenError("not an access token")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise TokenError("bad subject") from exc
    version = claims.get("ver")
    if type(version) is not int:
        raise TokenError("no token version")
    return AccessClaims(
        user_id=user_id,
        version=version,
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


def new_refresh_secret() -> str:
    """An opaque refresh token: random, stored only as a hash."""
    return secrets.token_urlsafe(32)


def fingerprint(token: str) -> str:
    """SHA-256 of a refresh token, which is what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()
