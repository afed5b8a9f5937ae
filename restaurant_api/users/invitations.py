"""Staff invitations: how accounts are made when self-registration is closed.

A manager or admin invites someone (email, name, role; a manager may not invite an admin)
and gets a one-time code to pass on (in a link or by hand). The code is random (256 bits),
stored only as a SHA-256 hash, expires after `invitation_hours`, works once and can be
revoked. The invitee accepts with the code and a password and gets an active account with
that role. Inviting an email again replaces its pending invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api import security
from restaurant_api.config import Settings
from restaurant_api.db import Database, is_valid_id, utcnow
from restaurant_api.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from restaurant_api.users.models import Invitation, Role, User
from restaurant_api.users.permissions import MANAGERS, require_role
from restaurant_api.users.service import (
    EmailTaken,
    TokenPair,
    check_password,
    clean_name,
    find_by_email,
    insert_user,
    issue_tokens,
    normalize_email,
    storable,
)

MAX_CODE_LENGTH = 128


class InvalidInvitation(DomainError):
    """Unknown, expired, revoked or already used: one answer for all (no oracle)."""

    code = ErrorCode.INVALID_INVITATION
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Invalid or expired invitation code", field="code")


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    code: str  # shown once, to the inviter; only its hash is stored


def _may_invite(actor: User, role: Role) -> None:
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise PermissionDenied("Only an admin may invite an admin")


async def invite(
    session: AsyncSession,
    *,
    actor: User | None,
    email: str,
    name: str,
    role: Role,
    settings: Settings,
) -> IssuedInvitation:
    actor = require_role(actor, MANAGERS)
    _may_invite(actor, role)
    email, name = normalize_email(email), clean_name(name)
    if await find_by_email(session, email) is not None:
        raise EmailTaken()
    now = utcnow()
    # One pending invitation per email: a new one replaces the old code.
    await session.exec(
        update(Invitation)
        .where(
            col(Invitation.email) == email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    code = security.new_refresh_secret()
    invitation = Invitation(
        email=email,
        name=name,
        role=role,
        code_hash=security.fingerprint(code),
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=settings.invitation_hours),
    )
    session.add(invitation)
    await session.flush()
    return IssuedInvitation(invitation, code)


async def list_pending(
    session: AsyncSession, *, actor: User | None, limit: int | None = None
) -> list[Invitation]:
    require_role(actor, MANAGERS)
    result = await session.exec(
        select(Invitation)
        .where(
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > utcnow(),
        )
        .order_by(col(Invitation.id))
        .limit(limit)
    )
    return list(result.all())


async def invitations_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Invitation]:
    """Invitations by id (the `node` lookup; its caller checked the role)."""
    wanted = [invitation_id for invitation_id in ids if is_valid_id(invitation_id)]
    if not wanted:
        return {}
    rows = await session.exec(select(Invitation).where(col(Invitation.id).in_(wanted)))
    return {invitation.id: invitation for invitation in rows.all()}


async def revoke(session: AsyncSession, *, actor: User | None, invitation_id: int) -> Invitation:
    actor = require_role(actor, MANAGERS)
    invitation = (
        await session.get(Invitation, invitation_id) if is_valid_id(invitation_id) else None
    )
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("Invitation not found")
    _may_invite(actor, invitation.role)
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.add(invitation)
        await session.flush()
    return invitation


async def _usable(session: AsyncSession, code: str, *, lock: bool) -> Invitation:
    if not code or len(code) > MAX_CODE_LENGTH or not storable(code):
        raise InvalidInvitation()
    query = select(Invitation).where(Invitation.code_hash == security.fingerprint(code))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invitation = (await session.exec(query)).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise InvalidInvitation()
    return invitation


async def accept(
    db: Database, *, code: str, password: str, name: str | None, settings: Settings
) -> TokenPair:
    """Create the invited account and sign it in. Of two accepts of one code, one wins.

    The code is checked before hashing (a guessed code costs no hash), and again under a
    row lock in the write transaction (PostgreSQL; SQLite has one writer): the loser of a
    race gets InvalidInvitation, never a second account.
    """
    check_password(password)
    chosen_name = clean_name(name) if name is not None else None
    async with db.session(read_only=True) as session:
        await _usable(session, code, lock=False)
    hashed = await security.hash_password_async(password)
    async with db.session() as session:
        invitation = await _usable(session, code, lock=True)
        user = await insert_user(
            session,
            name=chosen_name or invitation.name,
            email=invitation.email,
            hashed_password=hashed,
            role=invitation.role,
        )
        invitation.accepted_at = utcnow()
        invitation.user_id = user.id
        session.add(invitation)
        return await issue_tokens(session, user=user, settings=settings)
