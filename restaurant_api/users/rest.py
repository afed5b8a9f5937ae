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
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    error_responses,
    require_roles,
)
from restaurant_api.db import utcnow
from restaurant_api.users import service
from restaurant_api.users.models import Role, User

router = APIRouter(
    prefix="/users", tags=["users"], responses=error_responses(400, 401, 403, 404, 409)
)

AdminUser = Annotated[User, require_roles(Role.ADMIN)]


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
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


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


class MessageResponse(BaseModel):
    message: str


def _tokens(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=max(0, int((pair.expires_at - utcnow()).total_seconds())),
        refresh_token=pair.refresh_token,
        user=UserPublic.model_validate(pair.user),
    )


@router.post("/register", response_model=UserPublic, summary="Register a staff account")
async def register(body: RegisterBody, session: SessionDep, settings: SettingsDep) -> Any:
    return await service.register(
        session,
        name=body.name,
        email=str(body.email),
        password=body.password,
        registration_open=settings.registration_open,
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
async def login(request: Request, session: SessionDep, settings: SettingsDep) -> Any:
    body = await _login_body(request)
    pair = await service.login(session, email=body.email, password=body.password, settings=settings)
    return _tokens(pair)


@router.post("/refresh", response_model=TokenResponse, summary="Rotate a refresh token")
async def refresh(body: RefreshBody, session: SessionDep, settings: SettingsDep) -> Any:
    return _tokens(
        await service.refresh(session, refresh_token=body.refresh_token, settings=settings)
    )


@router.post("/logout", response_model=MessageResponse, summary="Revoke a refresh token")
async def logout(body: RefreshBody, session: SessionDep) -> Any:
    await service.logout(session, refresh_token=body.refresh_token)
    return MessageResponse(message="Logged out")


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
async def me(user: CurrentUser) -> Any:
    return user


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
