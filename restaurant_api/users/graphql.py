"""GraphQL types and fields for accounts and authentication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from restaurant_api.api.cost import Page
from restaurant_api.api.graphql import (
    Context,
    RoleType,
    from_row,
    require_roles,
    signed_in,
)
from restaurant_api.api.node import Node, decode_id, loaded_as, register_node
from restaurant_api.api.pagination import (
    DEFAULT_PAGE,
    After,
    First,
    after_id_page,
    connection_type,
    id_connection_page,
)
from restaurant_api.users import invitations, service
from restaurant_api.users.models import Invitation, Role, User


@strawberry.type(name="User", description="A staff account.")
class UserType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    name: str = strawberry.field(description="Display name.")
    email: str = strawberry.field(description="Login email, lower-cased.")
    role: RoleType = strawberry.field(description="What the user may do.")
    is_active: bool = strawberry.field(description="False once deactivated: tokens stop working.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")

    @classmethod
    def from_model(cls, user: User) -> UserType:
        return from_row(cls, user)


UserConnection = connection_type(
    UserType,
    "User",
    noun="users",
    item="A user in a connection.",
    node="The user.",
    description="A page of users, by id.",
)


@strawberry.type(name="Invitation", description="A pending invitation of a staff member.")
class InvitationType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    email: str = strawberry.field(description="Who is invited (lower-cased).")
    name: str = strawberry.field(description="The invitee's display name.")
    role: RoleType = strawberry.field(description="The role the account gets.")
    expires_at: datetime = strawberry.field(description="After this the code no longer works.")
    accepted: bool = strawberry.field(description="True once an account was made with it.")
    revoked: bool = strawberry.field(description="True once revoked or replaced.")

    @classmethod
    def from_model(cls, invitation: Invitation) -> InvitationType:
        return from_row(
            cls,
            invitation,
            accepted=invitation.accepted_at is not None,
            revoked=invitation.revoked_at is not None,
        )


AdminOnly = require_roles(Role.ADMIN)
INVITATIONS_PAGE = Page(default=100, maximum=100)
InvitationsFirst = Annotated[int | None, INVITATIONS_PAGE.argument("invitations")]
ManagersOnly = require_roles(Role.ADMIN, Role.MANAGER)


def users_by_id(context: Context) -> DataLoader[int, User | None]:
    async def load(ids: Sequence[int]) -> list[User | None]:
        async with context.use_session() as session:
            by_id = await service.users_by_id(session, ids)
        return [by_id.get(user_id) for user_id in ids]

    return context.loader("users.user_by_id", lambda: DataLoader(load_fn=load))


_load_users = loaded_as(users_by_id, UserType.from_model)


register_node("User", _load_users, permission_classes=[AdminOnly])


async def _load_invitations(context: Context, ids: Sequence[int]) -> list[InvitationType | None]:
    async with context.use_session() as session:
        by_id = await invitations.invitations_by_id(session, ids)
    return [InvitationType.from_model(by_id[i]) if i in by_id else None for i in ids]


# Invitations are read by managers and admins, like `invitations`.
register_node("Invitation", _load_invitations, permission_classes=[ManagersOnly])


@strawberry.type
class Query:
    @signed_in("The signed-in user; null with an error when not signed in.")
    def me(self, info: Info[Context, None]) -> UserType | None:
        return UserType.from_model(info.context.user)  # type: ignore[arg-type]

    @strawberry.field(
        description="Users by id, as a cursor connection (admin only).",
        permission_classes=[AdminOnly],
    )
    async def users(
        self,
        info: Info[Context, None],
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> UserConnection | None:
        after_id = after_id_page(first, after)
        async with info.context.use_session() as session:
            users = await service.page_users(
                session, actor=info.context.user, after_id=after_id, limit=first + 1
            )
        return id_connection_page(
            UserConnection, users, first, UserType.from_model, has_previous_page=after is not None
        )

    @strawberry.field(description="One user by id (admin only).", permission_classes=[AdminOnly])
    async def user(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The user's global id.")],
    ) -> UserType | None:
        (user,) = await _load_users(info.context, [decode_id(id, "User", field="id")])
        return user

    @strawberry.field(
        description="Pending invitations, oldest first, at most `first` (managers and admins).",
        permission_classes=[ManagersOnly],
    )
    async def invitations(
        self,
        info: Info[Context, None],
        first: InvitationsFirst = INVITATIONS_PAGE.default,
    ) -> list[InvitationType] | None:  # role-gated: null with its error, siblings answer
        limit = INVITATIONS_PAGE.size(first)
        async with info.context.use_session() as session:
            pending = await invitations.list_pending(session, actor=info.context.user, limit=limit)
        return [InvitationType.from_model(invitation) for invitation in pending]
