"""GraphQL types and fields for accounts and authentication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from restaurant_api.api.graphql import (
    Context,
    IsAuthenticated,
    RoleType,
    require_roles,
    result_union,
    run_mutation,
)
from restaurant_api.api.node import Node, decode_id, register_node, to_global_id
from restaurant_api.api.pagination import (
    DEFAULT_PAGE,
    MAX_PAGE,
    PageInfo,
    check_first,
    decode_id_cursor,
    encode_cursor,
    page_info,
)
from restaurant_api.users import service
from restaurant_api.users.models import Role, User


@strawberry.type(name="User", description="A staff account.")
class UserType(Node):
    database_id: int = strawberry.field(description="The integer id REST uses.")
    name: str = strawberry.field(description="Display name.")
    email: str = strawberry.field(description="Login email, lower-cased.")
    role: RoleType = strawberry.field(description="What the user may do.")  # type: ignore[valid-type]
    is_active: bool = strawberry.field(description="False once deactivated: tokens stop working.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")

    @classmethod
    def from_model(cls, user: User) -> UserType:
        return cls(
            id=to_global_id("User", user.id),  # type: ignore[arg-type]
            database_id=user.id,  # type: ignore[arg-type]
            name=user.name,
            email=user.email,
            role=user.role,
            is_active=user.is_active,
            created_at=user.created_at,
        )


@strawberry.type(description="A user in a connection.")
class UserEdge:
    node: UserType = strawberry.field(description="The user.")
    cursor: str = strawberry.field(description="Pass as `after` to continue after this one.")


@strawberry.type(description="A page of users, by id.")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(description="The users of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


@strawberry.type(description="Tokens issued by login or refresh.")
class AuthPayload:
    access_token: str = strawberry.field(description="JWT for `Authorization: Bearer ...`.")
    token_type: str = strawberry.field(description='Always "bearer".')
    expires_at: datetime = strawberry.field(description="When the access token expires.")
    refresh_token: str = strawberry.field(
        description="Opaque single-use token for `refreshToken`; rotated on every use."
    )
    user: UserType = strawberry.field(description="The signed-in user.")

    @classmethod
    def from_pair(cls, pair: service.TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access_token,
            token_type="bearer",
            expires_at=pair.expires_at,
            refresh_token=pair.refresh_token,
            user=UserType.from_model(pair.user),
        )


@strawberry.type(description="A user after a change.")
class UserPayload:
    user: UserType = strawberry.field(description="The user as it is now.")


@strawberry.type(description="Outcome of logging out.")
class LogoutPayload:
    ok: bool = strawberry.field(description="True: the refresh token's family is revoked.")


@strawberry.input(description="Self-registration. New accounts get the `server` role.")
class RegisterInput:
    name: str = strawberry.field(description="Display name (1-100 characters).")
    email: str = strawberry.field(description="Login email; compared case-insensitively.")
    password: str = strawberry.field(description="At least 8 characters.")


@strawberry.input(description="Credentials.")
class LoginInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="Password.")


RegisterResult = result_union("RegisterResult", UserPayload, "The new user, or why not.")
LoginResult = result_union("LoginResult", AuthPayload, "Tokens, or why not.")
RefreshResult = result_union("RefreshResult", AuthPayload, "New tokens, or why not.")
LogoutResult = result_union("LogoutResult", LogoutPayload, "Logged out, or why not.")
UserResult = result_union("UserResult", UserPayload, "The changed user, or why not.")

AdminOnly = require_roles(Role.ADMIN)


def users_by_id(context: Context) -> DataLoader[int, User | None]:
    async def load(ids: Sequence[int]) -> list[User | None]:
        async with context.use_session() as session:
            by_id = await service.users_by_id(session, ids)
        return [by_id.get(user_id) for user_id in ids]

    return context.loader("users.user_by_id", lambda: DataLoader(load_fn=load))


async def _load_users(context: Context, ids: Sequence[int]) -> list[UserType | None]:
    users = await users_by_id(context).load_many(ids)
    return [UserType.from_model(user) if user else None for user in users]


register_node("User", _load_users, permission_classes=[AdminOnly])


@strawberry.type
class Query:
    @strawberry.field(
        description="The signed-in user; null with an error when not signed in.",
        permission_classes=[IsAuthenticated],
    )
    def me(self, info: Info[Context, None]) -> UserType | None:
        return UserType.from_model(info.context.user)  # type: ignore[arg-type]

    @strawberry.field(
        description="Users by id, as a cursor connection (admin only).",
        permission_classes=[AdminOnly],
    )
    async def users(
        self,
        info: Info[Context, None],
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE}.")
        ] = DEFAULT_PAGE,
        after: Annotated[
            str | None, strawberry.argument(description="Continue after this cursor.")
        ] = None,
    ) -> UserConnection | None:
        check_first(first)
        after_id = decode_id_cursor(after) if after else None
        async with info.context.use_session() as session:
            users = await service.page_users(
                session, actor=info.context.user, after_id=after_id, limit=first + 1
            )
        edges = [
            UserEdge(node=UserType.from_model(user), cursor=encode_cursor(user.id))
            for user in users[:first]
        ]
        return UserConnection(
            edges=edges,
            page_info=page_info(
                cursors=[edge.cursor for edge in edges],
                has_next_page=len(users) > first,
                has_previous_page=after is not None,
            ),
        )

    @strawberry.field(description="One user by id (admin only).", permission_classes=[AdminOnly])
    async def user(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The user's global id.")],
    ) -> UserType | None:
        (user,) = await _load_users(info.context, [decode_id(id, "User", field="id")])
        return user


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a staff account with the `server` role.")
    async def register(
        self,
        info: Info[Context, None],
        input: Annotated[RegisterInput, strawberry.argument(description="The new account.")],
    ) -> RegisterResult:
        async def operation(session: AsyncSession) -> object:
            user = await service.register(
                session,
                name=input.name,
                email=input.email,
                password=input.password,
                registration_open=info.context.settings.registration_open,
            )
            return UserPayload(user=UserType.from_model(user))

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Exchange credentials for an access and a refresh token.")
    async def login(
        self,
        info: Info[Context, None],
        input: Annotated[LoginInput, strawberry.argument(description="Credentials.")],
    ) -> LoginResult:
        async def operation(session: AsyncSession) -> object:
            pair = await service.login(
                session, email=input.email, password=input.password, settings=info.context.settings
            )
            return AuthPayload.from_pair(pair)

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Rotate a refresh token; a reused one revokes its family.")
    async def refresh_token(
        self,
        info: Info[Context, None],
        refresh_token: Annotated[
            str, strawberry.argument(description="The current refresh token.")
        ],
    ) -> RefreshResult:
        async def operation(session: AsyncSession) -> object:
            pair = await service.refresh(
                session, refresh_token=refresh_token, settings=info.context.settings
            )
            return AuthPayload.from_pair(pair)

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Revoke a refresh token (and its rotations).")
    async def logout(
        self,
        info: Info[Context, None],
        refresh_token: Annotated[
            str, strawberry.argument(description="The refresh token to revoke.")
        ],
    ) -> LogoutResult:
        async def operation(session: AsyncSession) -> object:
            await service.logout(session, refresh_token=refresh_token)
            return LogoutPayload(ok=True)

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Change a user's role (admin only).")
    async def change_user_role(
        self,
        info: Info[Context, None],
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to change.")
        ],
        role: Annotated[RoleType, strawberry.argument(description="The new role.")],
    ) -> UserResult:
        async def operation(session: AsyncSession) -> object:
            user = await service.change_role(
                session,
                actor=info.context.user,
                user_id=decode_id(user_id, "User", field="userId"),
                role=Role(role),
            )
            return UserPayload(user=UserType.from_model(user))

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Deactivate a user: their tokens stop working (admin only).")
    async def deactivate_user(
        self,
        info: Info[Context, None],
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to deactivate.")
        ],
    ) -> UserResult:
        async def operation(session: AsyncSession) -> object:
            user = await service.set_active(
                session,
                actor=info.context.user,
                user_id=decode_id(user_id, "User", field="userId"),
                active=False,
            )
            return UserPayload(user=UserType.from_model(user))

        return await run_mutation(info, operation)

    @strawberry.mutation(description="Reactivate a deactivated user (admin only).")
    async def reactivate_user(
        self,
        info: Info[Context, None],
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to reactivate.")
        ],
    ) -> UserResult:
        async def operation(session: AsyncSession) -> object:
            user = await service.set_active(
                session,
                actor=info.context.user,
                user_id=decode_id(user_id, "User", field="userId"),
                active=True,
            )
            return UserPayload(user=UserType.from_model(user))

        return await run_mutation(info, operation)
