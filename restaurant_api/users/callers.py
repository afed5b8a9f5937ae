"""Who calls: the active user of an access token, checked on every request."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import security
from restaurant_api.config import Settings
from restaurant_api.db import Database, is_valid_id, table_of
from restaurant_api.db_rows import detached_instance, whole_rows
from restaurant_api.raw_reads import NotPrebuilt, prebuilt
from restaurant_api.users.errors import InactiveUser, InvalidToken
from restaurant_api.users.models import User


def _claims(token: str, settings: Settings) -> security.AccessClaims:
    try:
        return security.decode_access_token(
            token, secret=settings.secret_key, algorithm=settings.jwt_algorithm
        )
    except security.TokenError as exc:
        raise InvalidToken() from exc


def _caller(user: User | None, claims: security.AccessClaims) -> User:
    """`user` if it is the active holder of the token's current version."""
    if user is None or user.token_version != claims.version:
        raise InvalidToken()
    if not user.is_active:
        raise InactiveUser()
    return user


async def user_for_access_token(session: AsyncSession, token: str, settings: Settings) -> User:
    """The active user of a valid token whose version is the user's current one."""
    claims = _claims(token, settings)
    user = await session.get(User, claims.user_id) if is_valid_id(claims.user_id) else None
    return _caller(user, claims)


_USERS = table_of(User)
# A caller's row, built once: on PostgreSQL `caller_of_token` reads it on the raw reads.
_USER_ROW = prebuilt(select(*whole_rows(User)).where(_USERS.c.id == bindparam("id")))


async def caller_of_token(
    db: Database, token: str, settings: Settings
) -> tuple[User, security.AccessClaims]:
    """`user_for_access_token` in a read of its own, with the token's claims.

    On PostgreSQL one prebuilt statement on the raw reads, and the user built from its row,
    detached, as a session that has closed leaves it: an ORM session, its transaction and
    identity map cost a read-only request more than the rest of its work (the plans)."""
    claims = _claims(token, settings)
    if not is_valid_id(claims.user_id):
        raise InvalidToken()
    if db.raw_reads is not None:
        try:
            async with db.raw_reads.connection() as raw:
                row = (await raw.execute(_USER_ROW, {"id": claims.user_id})).first()
        except NotPrebuilt:
            pass
        else:
            return _caller(None if row is None else detached_instance(User, row), claims), claims
    async with db.session(read_only=True) as session:
        return _caller(await session.get(User, claims.user_id), claims), claims
