"""User accounts, authentication and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import security
from restaurant_api.config import Settings
from restaurant_api.db import Database, is_valid_id, utcnow
from restaurant_api.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from restaurant_api.inputs import storable
from restaurant_api.users.callers import caller_of_token as caller_of_token
from restaurant_api.users.callers import user_for_access_token as user_for_access_token
from restaurant_api.users.errors import EmailTaken as EmailTaken
from restaurant_api.users.errors import InactiveUser as InactiveUser
from restaurant_api.users.errors import InvalidCredentials as InvalidCredentials
from restaurant_api.users.errors import InvalidToken as InvalidToken
from restaurant_api.users.errors import RefreshTokenReused as RefreshTokenReused
from restaurant_api.users.errors import WrongPassword as WrongPassword
from restaurant_api.users.events import user_access_changed
from restaurant_api.users.models import RefreshToken, Role, User
from restaurant_api.users.permissions import ADMINS, require_role
from restaurant_api.users.permissions import ALL_STAFF as ALL_STAFF
from restaurant_api.users.permissions import FLOOR_STAFF as FLOOR_STAFF
from restaurant_api.users.permissions import MANAGERS as MANAGERS

# Other domains and api/ reach users through this module: `User`, `Role`, `require_role`,
# the role sets, the errors and the caller of a token are re-exported above for them.

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: User


# --- validation -------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    if not storable(email):
        raise InvalidInput("Invalid email address", field="email")
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"Invalid email address: {exc}", field="email") from exc
    return result.normalized.lower()


def check_password(password: str, field: str = "password") -> None:
    """The one password rule of REST and GraphQL: 8 to 128 characters, no NUL."""
    if not storable(password):
        raise InvalidInput(
            "Password must not contain NUL characters or lone surrogates", field=field
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters", field=field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters", field=field
        )


def check_login_input(email: str, password: str) -> None:
    """Refuse oversized or NUL-bearing credentials before any lookup or hashing."""
    if len(email) > MAX_EMAIL_LENGTH or not storable(email):
        raise InvalidInput("Invalid email address", field="email")
    if len(password) > MAX_PASSWORD_LENGTH or not storable(password):
        raise InvalidInput(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters, without NUL",
            field="password",
        )


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not storable(cleaned):
        raise InvalidInput("Name must not contain NUL characters or lone surrogates", field="name")
    if not cleaned:
        raise InvalidInput("Name must not be empty", field="name")
    if len(cleaned) > 100:
        raise InvalidInput("Name must be at most 100 characters", field="name")
    return cleaned


# --- accounts ---------------------------------------------------------------------------


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id) if is_valid_id(user_id) else None
    if user is None:
        raise NotFound("User not found")
    return user


async def find_active(session: AsyncSession, user_id: int) -> User | None:
    """The user as stored now, when active (live sockets re-check their user with this)."""
    user = await session.get(User, user_id, populate_existing=True)
    return user if user is not None and user.is_active else None


async def users_by_id(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    rows = await session.exec(select(User).where(col(User.id).in_(user_ids)))
    return {user.id: user for user in rows.all()}


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.exec(select(User).where(User.email == email.strip().lower()))
    return result.first()


async def insert_user(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    hashed_password: str,
    role: Role,
    is_active: bool = True,
) -> User:
    """Insert an account whose password is already hashed (validated input)."""
    user = User(
        name=name, email=email, hashed_password=hashed_password, role=role, is_active=is_active
    )
    if await find_by_email(session, user.email) is not None:
        raise EmailTaken()
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the unique index
        raise EmailTaken() from exc
    return user


async def create_user(
    session: AsyncSession, *, name: str, email: str, password: str, role: Role = Role.SERVER
) -> User:
    """Create an active account with an explicit role (CLI, first admin, tests)."""
    name, email = clean_name(name), normalize_email(email)
    check_password(password)
    hashed = await security.hash_password_async(password)
    return await insert_user(session, name=name, email=email, hashed_password=hashed, role=role)


async def register(
    db: Database,
    *,
    name: str,
    email: str,
    password: str,
    registration_open: bool,
    needs_approval: bool = True,
) -> User:
    """Self-registration: the `server` role, INACTIVE until an admin activates it unless
    approval is turned off (REGISTRATION_APPROVAL=false).

    The password is hashed before the write transaction (and also when the email is taken,
    so that timing does not tell either).
    """
    if not registration_open:
        raise PermissionDenied("Registration is closed", code=ErrorCode.REGISTRATION_CLOSED)
    name, email = clean_name(name), normalize_email(email)
    check_password(password)
    hashed = await security.hash_password_async(password)
    async with db.session() as session:
        return await insert_user(
            session,
            name=name,
            email=email,
            hashed_password=hashed,
            role=Role.SERVER,
            is_active=not needs_approval,
        )


async def list_users(
    session: AsyncSession, *, actor: User | None, limit: int | None = None
) -> list[User]:
    require_role(actor, ADMINS)
    result = await session.exec(select(User).order_by(col(User.id)).limit(limit))
    return list(result.all())


async def page_users(
    session: AsyncSession, *, actor: User | None, after_id: int | None, limit: int
) -> list[User]:
    """Up to `limit` users by id, those after `after_id` (a page of a connection)."""
    require_role(actor, ADMINS)
    query = select(User).order_by(col(User.id)).limit(limit)
    if after_id is not None:
        query = query.where(col(User.id) > after_id)
    return list((await session.exec(query)).all())


async def _active_admin_count(session: AsyncSession) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, col(User.is_active).is_(True))
    )
    return int(result.one())


async def _lock_admins(session: AsyncSession) -> None:
    """Lock every admin row, in id order, before changing any role or active flag.

    Two concurrent demotions of the last two admins would each count two admins and both
    succeed; with these locks the second waits, then counts one. Always the same order (and
    before the target row), so concurrent changes cannot deadlock. SQLite: one writer.
    """
    await session.exec(
        select(User.id).where(User.role == Role.ADMIN).order_by(col(User.id)).with_for_update()
    )


async def lock_user(session: AsyncSession, user_id: int) -> User:
    if not is_valid_id(user_id):
        raise NotFound("User not found")
    result = await session.exec(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    user = result.first()
    if user is None:
        raise NotFound("User not found")
    return user


async def _ensure_admin_remains(session: AsyncSession, user: User) -> None:
    if user.role == Role.ADMIN and user.is_active and await _active_admin_count(session) <= 1:
        raise Conflict(
            "The last active admin cannot be demoted or deactivated", code=ErrorCode.LAST_ADMIN
        )


def end_access(session: AsyncSession, user: User) -> None:
    """End every access token of `user` now, and close their live sockets after commit."""
    user.token_version += 1
    user.updated_at = utcnow()
    session.add(user)
    user_access_changed(session, user.id)


async def change_role(
    session: AsyncSession, *, actor: User | None, user_id: int, role: Role
) -> User:
    require_role(actor, ADMINS)
    await _lock_admins(session)
    user = await lock_user(session, user_id)
    if user.role == role:
        return user
    await _ensure_admin_remains(session, user)
    user.role = role
    # Tokens and sockets opened under the old role end; refresh tokens go on working.
    end_access(session, user)
    await session.flush()
    return user


async def set_active(
    session: AsyncSession, *, actor: User | None, user_id: int, active: bool
) -> User:
    """Deactivate (or reactivate) an account; a deactivated user's tokens stop at once."""
    require_role(actor, ADMINS)
    await _lock_admins(session)
    user = await lock_user(session, user_id)
    if user.is_active == active:
        return user
    if not active:
        await _ensure_admin_remains(session, user)
        await revoke_all_refresh_tokens(session, user.id)
        end_access(session, user)
    user.is_active = active
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    return user


async def ensure_first_admin(
    session: AsyncSession, *, email: str, password: str, name: str
) -> User | None:
    """Create the configured first admin when absent; returns it when created."""
    if await find_by_email(session, email) is not None:
        return None
    return await create_user(session, name=name, email=email, password=password, role=Role.ADMIN)


# --- tokens -----------------------------------------------------------------------------


async def _new_refresh_token(
    session: AsyncSession, user: User, settings: Settings, family: str
) -> str:
    secret = security.new_refresh_secret()
    session.add(
        RefreshToken(
            token_hash=security.fingerprint(secret),
            user_id=user.id,
            family=family,
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    return secret


def _access_token(user: User, settings: Settings) -> tuple[str, datetime]:
    return security.create_access_token(
        user.id,
        secret=settings.secret_key,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(minutes=settings.access_token_minutes),
        version=user.token_version,
    )


async def issue_tokens(session: AsyncSession, *, user: User, settings: Settings) -> TokenPair:
    """A new access token and the first refresh token of a new family."""
    await session.flush()  # the token carries the user's current version
    access, expires_at = _access_token(user, settings)
    refresh = await _new_refresh_token(session, user, settings, family=uuid4().hex)
    return TokenPair(access, refresh, expires_at, user)


async def refresh(session: AsyncSession, *, refresh_token: str, settings: Settings) -> TokenPair:
    """Rotate a refresh token. Presenting a used one revokes its whole family."""
    result = await session.exec(
        select(RefreshToken)
        .where(RefreshToken.token_hash == security.fingerprint(refresh_token))
        .with_for_update()
    )
    stored = result.first()
    now = utcnow()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidToken()
    if stored.used_at is not None:
        await _revoke_family(session, stored.family)
        raise RefreshTokenReused()
    user = await session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise InactiveUser()
    stored.used_at = now
    session.add(stored)
    access, expires_at = _access_token(user, settings)
    new_refresh = await _new_refresh_token(session, user, settings, family=stored.family)
    return TokenPair(access, new_refresh, expires_at, user)


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    """Sign out: revoke this refresh token's family and end ALL the user's access tokens.

    One version per user keeps the per-request check free (the user row is read anyway);
    other devices keep their refresh tokens and get a new access token on their next refresh.
    """
    result = await session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == security.fingerprint(refresh_token))
    )
    stored = result.first()
    if stored is not None:
        await _revoke_family(session, stored.family)
        user = await lock_user(session, stored.user_id)
        end_access(session, user)
        await session.flush()


async def _revoke_family(session: AsyncSession, family: str) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family) == family, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_all_refresh_tokens(session: AsyncSession, user_id: int) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


__all__ = [
    "DomainError",
    "EmailTaken",
    "InactiveUser",
    "InvalidCredentials",
    "InvalidToken",
    "TokenPair",
    "WrongPassword",
]
