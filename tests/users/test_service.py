"""Account services: hashing upgrades, timing-safe misses, concurrent registration."""

from __future__ import annotations

import asyncio

import bcrypt
import pytest

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
