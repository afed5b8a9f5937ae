"""Login throttling: failed attempts per account and per client address, shared by workers.

Sliding window: a key (hashed "account:<email>" or "address:<ip>") may fail
`max_failures` times within `login_window_seconds`. The next attempt starts a cool-down of
`login_cooldown_seconds` in which every attempt for that key is refused before any password
is checked, a correct one included (otherwise a brute force could go on). The cool-down
forgives the key's earlier failures, so once it ends the real user has a full allowance
again: nobody is locked out for longer than one cool-down at a time.

Attempts are reserved *before* the password is checked (so concurrent attempts count), and a
success deletes its own reservation: only failures count. The state is two tables, so every
worker process (and host) on PostgreSQL shares it; a per-key advisory lock makes the
check-and-reserve exact under concurrency there, and SQLite's single writer does the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import security
from restaurant_api.config import Settings
from restaurant_api.db import utcnow
from restaurant_api.errors import TooManyAttempts
from restaurant_api.users.models import LoginAttempt, LoginLockout


@dataclass(frozen=True, slots=True)
class ThrottleKey:
    key: str
    max_failures: int


def keys_for(email: str, client_address: str | None, settings: Settings) -> list[ThrottleKey]:
    """The throttle keys of one attempt: the account (always) and the client address."""
    keys = [
        ThrottleKey(
            security.fingerprint("account:" + email.strip().lower()),
            settings.login_max_failures_per_account,
        )
    ]
    if client_address:
        keys.append(
            ThrottleKey(
                security.fingerprint("address:" + client_address),
                settings.login_max_failures_per_address,
            )
        )
    return keys


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


async def reserve(session: AsyncSession, keys: list[ThrottleKey], settings: Settings) -> list[int]:
    """Count one attempt against every key, or raise TooManyAttempts (nothing reserved).

    Returns the ids of the reserved attempt rows, for `forgive` after a success.
    """
    now = utcnow()
    ordered = sorted(keys, key=lambda item: item.key)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Per key, in a fixed order (no deadlock): concurrent attempts count one by one.
        for item in ordered:
            await session.exec(
                select(func.pg_advisory_xact_lock(func.hashtextextended(item.key, 0)))
            )
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    await _housekeeping(session, now, window_start, postgres=postgres)

    lockouts: dict[str, LoginLockout | None] = {}
    for item in ordered:
        lockout = await session.get(LoginLockout, item.key, populate_existing=True)
        if lockout is not None and lockout.locked_until > now:
            raise TooManyAttempts(_seconds_until(lockout.locked_until, now))
        lockouts[item.key] = lockout

    for item in ordered:
        # Failures before the end of a past cool-down were paid for: they no longer count.
        lockout = lockouts[item.key]
        since = window_start if lockout is None else max(window_start, lockout.locked_until)
        result = await session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == item.key, col(LoginAttempt.attempted_at) > since)
        )
        if int(result.one()) >= item.max_failures:
            until = now + timedelta(seconds=settings.login_cooldown_seconds)
            await _lock_out(session, item.key, until, postgres=postgres)
            raise TooManyAttempts(settings.login_cooldown_seconds)

    attempts = [LoginAttempt(key=item.key, attempted_at=now) for item in ordered]
    session.add_all(attempts)
    await session.flush()
    return [attempt.id for attempt in attempts]


# Any constant: names the advisory lock of the housekeeping below.
_HOUSEKEEPING_LOCK = 7_301_917


async def _housekeeping(
    session: AsyncSession, now: datetime, window_start: datetime, *, postgres: bool
) -> None:
    """Delete what is never read again (old attempts, ended cool-downs): one worker at a time,
    the others skip it rather than wait on (or deadlock over) the same rows."""
    if postgres:
        result = await session.exec(select(func.pg_try_advisory_xact_lock(_HOUSEKEEPING_LOCK)))
        if not result.one():
            return
    await session.exec(delete(LoginAttempt).where(col(LoginAttempt.attempted_at) <= window_start))
    # Kept for a window after they end: they mark which failures were already paid for.
    await session.exec(delete(LoginLockout).where(col(LoginLockout.locked_until) <= window_start))


async def _lock_out(session: AsyncSession, key: str, until: datetime, *, postgres: bool) -> None:
    # An upsert: housekeeping in another worker may delete an old row of this key meanwhile.
    insert = postgresql_insert if postgres else sqlite_insert
    statement = insert(LoginLockout).values(key=key, locked_until=until)
    await session.exec(
        statement.on_conflict_do_update(index_elements=["key"], set_={"locked_until": until})
    )


async def forgive(session: AsyncSession, attempt_ids: list[int]) -> None:
    """A success: its reservations do not count as failures (an active cool-down stays)."""
    if attempt_ids:
        await session.exec(delete(LoginAttempt).where(col(LoginAttempt.id).in_(attempt_ids)))
