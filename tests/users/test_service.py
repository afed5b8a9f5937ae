"""Account services: hashing upgrades, timing-safe misses, concurrent registration."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import bcrypt
import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from restaurant_api import security
from restaurant_api.users import passwords, service
from restaurant_api.users.models import Role, User


async def test_bcrypt_hash_verifies_and_is_rehashed_with_argon2_on_login(db, app):
    settings = app.state.settings
    legacy = bcrypt.hashpw(b"legacy-password", bcrypt.gensalt()).decode()
    async with db.session() as session:
        user = User(name="Old Timer", email="old@example.com", hashed_password=legacy)
        session.add(user)
    await passwords.login(
        db,
        email="old@example.com",
        password="legacy-password",
        client_address=None,
        settings=settings,
    )
    async with db.session(read_only=True) as session:
        stored = await service.find_by_email(session, "old@example.com")
    assert stored is not None
    assert stored.hashed_password.startswith("$argon2")
    again = await passwords.login(
        db,
        email="old@example.com",
        password="legacy-password",
        client_address=None,
        settings=settings,
    )
    assert again.user.id == stored.id


async def test_unknown_email_still_verifies_a_hash(db, app, monkeypatch):
    # The miss must cost a full password verification, like a wrong password does.
    calls: list[str] = []
    original = security.password_context.verify

    def counting_verify(secret: str, hashed: str) -> bool:
        calls.append(hashed[:9])
        return original(secret, hashed)

    monkeypatch.setattr(security.password_context, "verify", counting_verify)
    with pytest.raises(service.InvalidCredentials):
        await passwords.login(
            db,
            email="ghost@example.com",
            password="whatever1",
            client_address=None,
            settings=app.state.settings,
        )
    assert calls == ["$argon2id"]


async def test_concurrent_registrations_of_one_email_make_one_account(db):
    async def attempt() -> str:
        try:
            await service.register(
                db,
                name="Racer",
                email="race@example.com",
                password="password123",
                registration_open=True,
            )
        except service.EmailTaken:
            return "taken"
        return "created"

    outcomes = await asyncio.gather(*(attempt() for _ in range(8)))
    assert sorted(outcomes) == ["created"] + ["taken"] * 7
    async with db.session(read_only=True) as session:
        users = await service.list_users(
            session, actor=User(name="a", email="a@x.io", hashed_password="", role=Role.ADMIN)
        )
    assert [user.email for user in users] == ["race@example.com"]


async def test_the_caller_of_a_token_is_the_stored_user_detached(db, app):
    """`caller_of_token` (a raw read on PostgreSQL) gives what the ORM session gives: the
    same values, times in UTC, a detached user a later session updates, never inserts."""
    settings = app.state.settings
    async with db.session() as session:
        user = User(name="Caller", email="caller@example.com", hashed_password="x")
        session.add(user)
        await session.flush()
        tokens = await service.issue_tokens(session, user=user, settings=settings)
    caller, claims = await service.caller_of_token(db, tokens.access_token, settings)
    assert claims.user_id == caller.id
    async with db.session(read_only=True) as session:
        stored = await service.user_for_access_token(session, tokens.access_token, settings)
    fields = list(User.model_fields)
    assert [getattr(caller, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert caller.created_at.utcoffset() is not None
    assert caller.created_at == stored.created_at
    async with db.session() as session:
        session.add(caller)
        caller.name = "Renamed"
    async with db.session(read_only=True) as session:
        count = await session.exec(select(func.count()).select_from(User))
        assert count.one() == 1
        assert (await session.get(User, caller.id)).name == "Renamed"
    async with db.session() as session:
        await session.exec(update(User).where(col(User.id) == caller.id).values(is_active=False))
    with pytest.raises(service.InactiveUser):
        await service.caller_of_token(db, tokens.access_token, settings)
    forged, _ = security.create_access_token(
        caller.id, secret=settings.secret_key, algorithm=settings.jwt_algorithm,
        lifetime=timedelta(minutes=5), version=caller.token_version + 1,
    )  # fmt: skip
    with pytest.raises(service.InvalidToken):
        await service.caller_of_token(db, forged, settings)
    with pytest.raises(service.InvalidToken):
        await service.caller_of_token(db, "not-a-token", settings)
