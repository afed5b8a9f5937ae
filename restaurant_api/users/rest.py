"""REST adapters for accounts: /users/*, as REST_CONTRACT.md documents them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, ValidationError

from restaurant_api.api.rest import (
    CurrentUser,
    DatabaseDep,
    MessageResponse,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    error_responses,
    require_roles,
)
from restaurant_api.db import utcnow
from restaurant_api.users import invitations, passwords, service
from restaurant_api.users.models import Invitation, Role, User

router = APIRouter(
    prefix="/users", tags=["users"], responses=error_responses(400, 401, 403, 404, 409)
)

AdminUser = Annotated[User, require_roles(Role.ADMIN)]
ManagerUser = Annotated[User, require_roles(Role.ADMIN, Role.MANAGER)]
PASSWORD_FIELD = Field(
    min_length=service.MIN_PASSWORD_LENGTH, max_length=service.MAX_PASSWORD_LENGTH
)


class UserPublic(BaseModel):
    """An account as clients see it: never a password or a hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    role: Role
    is_active: bool
    created_at: datetime


class RegisterBody(BaseModel):
    # A `role` field, if sent, is ignored: self-registration never grants a role.
    name: str = Field(min_length=1, max_length=100)
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class LoginBody(BaseModel):
    # The same caps as GraphQL's login: an oversized password is refused before hashing.
    email: str = Field(min_length=1, max_length=service.MAX_EMAIL_LENGTH)
    password: str = Field(min_length=1, max_length=service.MAX_PASSWORD_LENGTH)


class PasswordChangeBody(BaseModel):
    current_password: str = Field(min_length=1, max_length=service.MAX_PASSWORD_LENGTH)
    new_password: str = PASSWORD_FIELD


class PasswordResetBody(BaseModel):
    new_password: str = PASSWORD_FIELD


class InvitationBody(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=100)
    role: Role


class AcceptInvitationBody(BaseModel):
    code: str = Field(min_length=1, max_length=invitations.MAX_CODE_LENGTH)
    password: str = PASSWORD_FIELD
    name: str | None = Field(default=None, min_length=1, max_length=100)


class InvitationPublic(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    expires_at: datetime
    accepted: bool
    revoked: bool

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationPublic:
        return cls(
            id=invitation.id,
            email=invitation.email,
            name=invitation.name,
            role=Role(invitation.role),
            expires_at=invitation.expires_at,
            accepted=invitation.accepted_at is not None,
            revoked=invitation.revoked_at is not None,
        )


class InvitationIssued(InvitationPublic):
    code: str  # shown once: only its hash is stored


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class UserUpdateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: StrictBool | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str
    user: UserPublic


def _tokens(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=max(0, int((pair.expires_at - utcnow()).total_seconds())),
        refresh_token=pair.refresh_token,
        user=UserPublic.model_validate(pair.user),
    )


def _client_address(request: Request) -> str | None:
    # Behind a reverse proxy this is the proxy unless uvicorn runs with --proxy-headers and
    # --forwarded-allow-ips naming it (see README, "Accounts and login").
    return request.client.host if request.client is not None else None


@router.post(
    "/register",
    response_model=UserPublic,
    summary="Register a staff account (when open; inactive until an admin activates it)",
)
async def register(body: RegisterBody, db: DatabaseDep, settings: SettingsDep) -> Any:
    # The contract fixes 400 "Email already registered" for a taken email: kept for REST.
    return await service.register(
        db,
        name=body.name,
        email=str(body.email),
        password=body.password,
        registration_open=settings.registration_open,
        needs_approval=settings.registration_approval,
    )


_LOGIN_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginBody.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "The email"},
                        "password": {"type": "string"},
                    },
                }
            },
        },
    }
}


async def _login_body(request: Request) -> LoginBody:
    """JSON `{email, password}` or the OAuth2 password form (`username`, `password`)."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            return LoginBody(email=form.get("username") or "", password=form.get("password") or "")
        try:
            payload = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body",),
                        "msg": "JSON decode error",
                        "input": {},
                    }
                ]
            ) from exc
        return LoginBody.model_validate(payload)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


@router.post(
    "/login",
    response_model=TokenResponse,
    summary="Log in (JSON or OAuth2 password form)",
    openapi_extra=_LOGIN_BODY_DOC,
)
async def login(request: Request, db: DatabaseDep, settings: SettingsDep) -> Any:
    body = await _login_body(request)
    pair = await passwords.login(
        db,
        email=body.email,
        password=body.password,
        client_address=_client_address(request),
        settings=settings,
    )
    return _tokens(pair)


@router.post("/refresh", response_model=TokenResponse, summary="Rotate a refresh token")
async def refresh(body: RefreshBody, session: SessionDep, settings: SettingsDep) -> Any:
    return _tokens(
        await service.refresh(session, refresh_token=body.refresh_token, settings=settings)
    )


@router.post(
    "/logout",
    response_model=MessageResponse,
    summary="Revoke a refresh token and end every access token of its user",
)
async def logout(body: RefreshBody, session: SessionDep) -> Any:
    await service.logout(session, refresh_token=body.refresh_token)
    return MessageResponse(message="Logged out")


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
async def me(user: CurrentUser) -> Any:
    return user


@router.post(
    "/me/password",
    response_model=TokenResponse,
    summary="Change my password: other sessions end, this one gets new tokens",
    responses=error_responses(429),
)
async def change_password(
    request: Request,
    body: PasswordChangeBody,
    user: CurrentUser,
    db: DatabaseDep,
    settings: SettingsDep,
) -> Any:
    pair = await passwords.change_password(
        db,
        actor=user,
        current_password=body.current_password,
        new_password=body.new_password,
        client_address=_client_address(request),
        settings=settings,
    )
    return _tokens(pair)


@router.post(
    "/invitations",
    response_model=InvitationIssued,
    status_code=201,
    summary="Invite a staff member (manager+; only an admin invites an admin)",
)
async def invite(
    body: InvitationBody, actor: ManagerUser, session: SessionDep, settings: SettingsDep
) -> Any:
    issued = await invitations.invite(
        session,
        actor=actor,
        email=str(body.email),
        name=body.name,
        role=body.role,
        settings=settings,
    )
    return InvitationIssued(**InvitationPublic.of(issued.invitation).model_dump(), code=issued.code)


@router.get(
    "/invitations", response_model=list[InvitationPublic], summary="Pending invitations (manager+)"
)
async def list_invitations(actor: ManagerUser, session: ReadSessionDep) -> Any:
    return [
        InvitationPublic.of(item) for item in await invitations.list_pending(session, actor=actor)
    ]


@router.delete(
    "/invitations/{invitation_id}",
    response_model=InvitationPublic,
    summary="Revoke a pending invitation (manager+)",
)
async def revoke_invitation(invitation_id: int, actor: ManagerUser, session: SessionDep) -> Any:
    invitation = await invitations.revoke(session, actor=actor, invitation_id=invitation_id)
    return InvitationPublic.of(invitation)


@router.post(
    "/invitations/accept",
    response_model=TokenResponse,
    summary="Accept an invitation: creates the account and signs it in",
)
async def accept_invitation(
    body: AcceptInvitationBody, db: DatabaseDep, settings: SettingsDep
) -> Any:
    pair = await invitations.accept(
        db, code=body.code, password=body.password, name=body.name, settings=settings
    )
    return _tokens(pair)


@router.get("/", response_model=list[UserPublic], summary="All users (admin)")
@router.get("", response_model=list[UserPublic], include_in_schema=False)
async def list_users(admin: AdminUser, session: ReadSessionDep) -> Any:
    return await service.list_users(session, actor=admin)


@router.get("/{user_id}", response_model=UserPublic, summary="One user (admin)")
async def get_user(user_id: int, admin: AdminUser, session: ReadSessionDep) -> Any:
    return await service.get_user(session, user_id)


@router.patch("/{user_id}", response_model=UserPublic, summary="Change role or deactivate (admin)")
async def update_user(
    user_id: int, body: Annotated[UserUpdateBody, Body()], admin: AdminUser, session: SessionDep
) -> Any:
    user = await service.get_user(session, user_id)
    if body.role is not None:
        user = await service.change_role(session, actor=admin, user_id=user_id, role=body.role)
    if body.is_active is not None:
        user = await service.set_active(
            session, actor=admin, user_id=user_id, active=body.is_active
        )
    return user


@router.post(
    "/{user_id}/password",
    response_model=UserPublic,
    summary="Set a user's password (admin): all of that user's sessions end",
)
async def reset_password(
    user_id: int, body: PasswordResetBody, admin: AdminUser, db: DatabaseDep
) -> Any:
    return await passwords.reset_password(
        db, actor=admin, user_id=user_id, new_password=body.new_password
    )
