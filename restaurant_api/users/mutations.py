"""GraphQL mutations for accounts and authentication: inputs, payloads and the Mutation fields."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, RoleType, TooManyAttemptsError, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id
from restaurant_api.users import invitations, passwords, service
from restaurant_api.users.graphql import InvitationType, UserType
from restaurant_api.users.models import Role


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
    ok: bool = strawberry.field(
        description="True: the refresh token's family is revoked and access tokens ended."
    )


@strawberry.type(description="Outcome of a self-registration (the same for every address).")
class RegistrationPayload:
    message: str = strawberry.field(
        description="What happens next: an admin activates new accounts before they can sign in."
    )


@strawberry.type(description="A new invitation and its one-time code.")
class InvitationIssuedPayload:
    invitation: InvitationType = strawberry.field(description="The invitation.")
    # Not `code`: that name is the ErrorCode of the error members of the same union.
    invitation_code: str = strawberry.field(
        description="The one-time code for `acceptInvitation`; shown only now (stored hashed)."
    )


@strawberry.type(description="An invitation after a change.")
class InvitationPayload:
    invitation: InvitationType = strawberry.field(description="The invitation as it is now.")


@strawberry.input(description="Invite a staff member (managers and admins).")
class InviteStaffInput:
    email: str = strawberry.field(description="The invitee's email.")
    name: str = strawberry.field(description="The invitee's display name (1-100 characters).")
    role: RoleType = strawberry.field(
        description="The role the account gets; only an admin may invite an admin."
    )


@strawberry.input(description="Accept an invitation: the account is created and signed in.")
class AcceptInvitationInput:
    code: str = strawberry.field(description="The one-time invitation code.")
    password: str = strawberry.field(description="The new password (8-128 characters).")
    name: str | None = strawberry.field(
        default=None, description="Display name, when not the one the inviter wrote."
    )


@strawberry.input(description="Change the signed-in user's password.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password used now.")
    new_password: str = strawberry.field(description="The new password (8-128 characters).")


@strawberry.input(description="An admin sets a user's password.")
class ResetUserPasswordInput:
    user_id: strawberry.ID = strawberry.field(
        description="The global id of the user whose password is reset."
    )
    new_password: str = strawberry.field(description="The new password (8-128 characters).")


@strawberry.input(description="Self-registration (when open). New accounts get the `server` role.")
class RegisterInput:
    name: str = strawberry.field(description="Display name (1-100 characters).")
    email: str = strawberry.field(description="Login email; compared case-insensitively.")
    password: str = strawberry.field(description="8 to 128 characters.")


@strawberry.input(description="Credentials.")
class LoginInput:
    email: str = strawberry.field(description="Login email.")
    password: str = strawberry.field(description="Password (at most 128 characters).")


RegisterResult = result_union(
    "RegisterResult", RegistrationPayload, "Registration received, or why not."
)
LoginResult = result_union(
    "LoginResult", AuthPayload, "Tokens, or why not.", extra=(TooManyAttemptsError,)
)
ChangePasswordResult = result_union(
    "ChangePasswordResult",
    AuthPayload,
    "New tokens for this session (every other one ended), or why not.",
    extra=(TooManyAttemptsError,),
)
AcceptInvitationResult = result_union(
    "AcceptInvitationResult", AuthPayload, "The new account's tokens, or why not."
)
InviteStaffResult = result_union(
    "InviteStaffResult", InvitationIssuedPayload, "The invitation and its code, or why not."
)
InvitationResult = result_union(
    "InvitationResult", InvitationPayload, "The changed invitation, or why not."
)
RefreshResult = result_union("RefreshResult", AuthPayload, "New tokens, or why not.")
LogoutResult = result_union("LogoutResult", LogoutPayload, "Logged out, or why not.")
UserResult = result_union("UserResult", UserPayload, "The changed user, or why not.")

REGISTRATION_RECEIVED = (
    "Registration received. An admin activates new accounts before they can sign in."
)
REGISTRATION_DONE = "Registration received. Sign in with your email and password."


def _client_address(info: Info[Context, None]) -> str | None:
    request = info.context.request
    client = getattr(request, "client", None)
    return client.host if client is not None else None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Self-registration, when open: a `server` account that an admin activates before "
            "it can sign in (unless the operator turned approval off). The answer does not "
            "tell whether the email already had an account."
        )
    )
    @domain_mutation(self_managed=True)
    async def register(
        self,
        info: Info[Context, None],
        input: Annotated[RegisterInput, strawberry.argument(description="The new account.")],
    ) -> RegisterResult:
        # An existing email gets the same answer as a new account: no enumeration.
        with contextlib.suppress(service.EmailTaken):
            await service.register(
                info.context.db,
                name=input.name,
                email=input.email,
                password=input.password,
                registration_open=info.context.settings.registration_open,
                needs_approval=info.context.settings.registration_approval,
            )
        if info.context.settings.registration_approval:
            return RegistrationPayload(message=REGISTRATION_RECEIVED)
        return RegistrationPayload(message=REGISTRATION_DONE)

    @strawberry.mutation(
        description=(
            "Exchange credentials for an access and a refresh token. Failed attempts are "
            "throttled per account and per client address (TooManyAttemptsError)."
        )
    )
    @domain_mutation(self_managed=True)
    async def login(
        self,
        info: Info[Context, None],
        input: Annotated[LoginInput, strawberry.argument(description="Credentials.")],
    ) -> LoginResult:
        pair = await passwords.login(
            info.context.db,
            email=input.email,
            password=input.password,
            client_address=_client_address(info),
            settings=info.context.settings,
        )
        return AuthPayload.from_pair(pair)

    @strawberry.mutation(
        description=(
            "Change the signed-in user's password. Every other session (tokens, sockets) "
            "ends; this one continues with the new tokens returned."
        )
    )
    @domain_mutation(self_managed=True)
    async def change_password(
        self,
        info: Info[Context, None],
        input: Annotated[
            ChangePasswordInput, strawberry.argument(description="Old and new password.")
        ],
    ) -> ChangePasswordResult:
        pair = await passwords.change_password(
            info.context.db,
            actor=info.context.user,
            current_password=input.current_password,
            new_password=input.new_password,
            client_address=_client_address(info),
            settings=info.context.settings,
        )
        return AuthPayload.from_pair(pair)

    @strawberry.mutation(
        description="Set a user's password (admin only): all of that user's sessions end."
    )
    @domain_mutation(self_managed=True)
    async def reset_user_password(
        self,
        info: Info[Context, None],
        input: Annotated[
            ResetUserPasswordInput, strawberry.argument(description="Who, and the password.")
        ],
    ) -> UserResult:
        user = await passwords.reset_password(
            info.context.db,
            actor=info.context.user,
            user_id=decode_id(input.user_id, "User", field="userId"),
            new_password=input.new_password,
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(
        description=(
            "Invite a staff member (managers and admins; only an admin invites an admin). "
            "Returns a one-time code that expires; inviting the email again replaces it."
        )
    )
    @domain_mutation
    async def invite_staff(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[InviteStaffInput, strawberry.argument(description="Who and which role.")],
    ) -> InviteStaffResult:
        issued = await invitations.invite(
            session,
            actor=info.context.user,
            email=input.email,
            name=input.name,
            role=Role(input.role),
            settings=info.context.settings,
        )
        return InvitationIssuedPayload(
            invitation=InvitationType.from_model(issued.invitation),
            invitation_code=issued.code,
        )

    @strawberry.mutation(description="Revoke a pending invitation (managers and admins).")
    @domain_mutation
    async def revoke_invitation(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The invitation's global id.")
        ],
    ) -> InvitationResult:
        invitation = await invitations.revoke(
            session,
            actor=info.context.user,
            invitation_id=decode_id(id, "Invitation", field="id"),
        )
        return InvitationPayload(invitation=InvitationType.from_model(invitation))

    @strawberry.mutation(
        description="Accept an invitation with its code and a password: creates the account."
    )
    @domain_mutation(self_managed=True)
    async def accept_invitation(
        self,
        info: Info[Context, None],
        input: Annotated[
            AcceptInvitationInput, strawberry.argument(description="Code and password.")
        ],
    ) -> AcceptInvitationResult:
        pair = await invitations.accept(
            info.context.db,
            code=input.code,
            password=input.password,
            name=input.name,
            settings=info.context.settings,
        )
        return AuthPayload.from_pair(pair)

    @strawberry.mutation(description="Rotate a refresh token; a reused one revokes its family.")
    @domain_mutation
    async def refresh_token(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        refresh_token: Annotated[
            str, strawberry.argument(description="The current refresh token.")
        ],
    ) -> RefreshResult:
        pair = await service.refresh(
            session, refresh_token=refresh_token, settings=info.context.settings
        )
        return AuthPayload.from_pair(pair)

    @strawberry.mutation(
        description=(
            "Sign out: revoke this refresh token (and its rotations) and end every access "
            "token of the user at once (other devices refresh to continue)."
        )
    )
    @domain_mutation
    async def logout(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        refresh_token: Annotated[
            str, strawberry.argument(description="The refresh token to revoke.")
        ],
    ) -> LogoutResult:
        await service.logout(session, refresh_token=refresh_token)
        return LogoutPayload(ok=True)

    @strawberry.mutation(description="Change a user's role (admin only).")
    @domain_mutation
    async def change_user_role(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to change.")
        ],
        role: Annotated[RoleType, strawberry.argument(description="The new role.")],
    ) -> UserResult:
        user = await service.change_role(
            session,
            actor=info.context.user,
            user_id=decode_id(user_id, "User", field="userId"),
            role=Role(role),
        )
        return UserPayload(user=UserType.from_model(user))

    @strawberry.mutation(description="Deactivate a user: their tokens stop working (admin only).")
    @domain_mutation
    async def deactivate_user(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to deactivate.")
        ],
    ) -> UserResult:
        return await _set_active(info, session, user_id, active=False)

    @strawberry.mutation(description="Reactivate a deactivated user (admin only).")
    @domain_mutation
    async def reactivate_user(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id of the user to reactivate.")
        ],
    ) -> UserResult:
        return await _set_active(info, session, user_id, active=True)


async def _set_active(
    info: Info[Context, None], session: AsyncSession, user_id: strawberry.ID, *, active: bool
) -> UserPayload:
    user = await service.set_active(
        session,
        actor=info.context.user,
        user_id=decode_id(user_id, "User", field="userId"),
        active=active,
    )
    return UserPayload(user=UserType.from_model(user))
