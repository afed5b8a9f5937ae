"""Password use cases: login under the throttle, password change, admin password reset.

They take the Database, not a session: the password hash (about a quarter of a second) runs
in a worker thread between short transactions, never inside one, so that it holds no lock
(on SQLite: the one write lock every writer needs).
"""

from __future__ import annotations

from restaurant_api import security
from restaurant_api.config import Settings
from restaurant_api.db import Database, utcnow
from restaurant_api.errors import AuthenticationFailed
from restaurant_api.users import throttle
from restaurant_api.users.models import User
from restaurant_api.users.permissions import ADMINS, require_role
from restaurant_api.users.service import (
    MAX_PASSWORD_LENGTH,
    InvalidCredentials,
    InvalidToken,
    TokenPair,
    WrongPassword,
    check_login_input,
    check_password,
    end_access,
    find_by_email,
    get_user,
    issue_tokens,
    lock_user,
    revoke_all_refresh_tokens,
    storable,
)


async def login(
    db: Database, *, email: str, password: str, client_address: str | None, settings: Settings
) -> TokenPair:
    """Check credentials under the throttle and issue tokens.

    Unknown email, wrong password and inactive account all answer InvalidCredentials, after
    the same amount of hashing, and all count as failures.
    """
    check_login_input(email, password)
    keys = throttle.keys_for(email, client_address, settings)
    async with db.session() as session:
        attempt_ids = await throttle.reserve(session, keys, settings)
        user = await find_by_email(session, email)
        user_id, hashed = (user.id, user.hashed_password) if user else (None, None)
    ok, new_hash = await security.verify_password_async(password, hashed)
    if not ok or user is None or not user.is_active:
        raise InvalidCredentials()
    async with db.session() as session:
        current = await session.get(User, user_id, populate_existing=True)
        if current is None or not current.is_active or current.hashed_password != hashed:
            raise InvalidCredentials()  # changed meanwhile: deactivated or new password
        await throttle.forgive(session, attempt_ids)
        if new_hash is not None:
            current.hashed_password = new_hash
            current.updated_at = utcnow()
            session.add(current)
        return await issue_tokens(session, user=current, settings=settings)


async def change_password(
    db: Database,
    *,
    actor: User | None,
    current_password: str,
    new_password: str,
    client_address: str | None,
    settings: Settings,
) -> TokenPair:
    """The signed-in user's new password; every other session ends, this one gets new tokens.

    The current password is checked under the login throttle (a stolen access token must not
    be a way to guess it).
    """
    if actor is None:
        raise AuthenticationFailed("Not authenticated")
    if len(current_password) > MAX_PASSWORD_LENGTH or not storable(current_password):
        raise WrongPassword()
    check_password(new_password, field="newPassword")
    keys = throttle.keys_for(actor.email, client_address, settings)
    async with db.session() as session:
        attempt_ids = await throttle.reserve(session, keys, settings)
        user = await get_user(session, actor.id)
        hashed, version = user.hashed_password, user.token_version
    ok, _ = await security.verify_password_async(current_password, hashed)
    if not ok:
        raise WrongPassword()
    new_hash = await security.hash_password_async(new_password)
    async with db.session() as session:
        user = await lock_user(session, actor.id)
        if not user.is_active or user.token_version != version:
            raise InvalidToken()  # signed out, deactivated or changed meanwhile
        await throttle.forgive(session, attempt_ids)
        user.hashed_password = new_hash
        await revoke_all_refresh_tokens(session, user.id)
        end_access(session, user)
        await session.flush()
        return await issue_tokens(session, user=user, settings=settings)


async def reset_password(
    db: Database, *, actor: User | None, user_id: int, new_password: str
) -> User:
    """An admin sets a new password for a user: all of that user's sessions end."""
    require_role(actor, ADMINS)
    check_password(new_password, field="newPassword")
    new_hash = await security.hash_password_async(new_password)
    async with db.session() as session:
        user = await lock_user(session, user_id)
        user.hashed_password = new_hash
        await revoke_all_refresh_tokens(session, user.id)
        end_access(session, user)
        await session.flush()
        return user
