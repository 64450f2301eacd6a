"""Users through fastapi-users: the manager, JWT login, and ``CurrentUser``.

Other authentication backends (long-lived access tokens) join ``AUTH_BACKENDS``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi_users import BaseUserManager, FastAPIUsers, InvalidPasswordException, UUIDIDMixin
from fastapi_users import schemas as user_schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase
from sqlalchemy import Select

from web.auth.access_tokens import token_backend
from web.auth.revocation import RevocableJWTStrategy
from web.db import database
from web.models import User

MIN_PASSWORD_LENGTH = 8


class UserRead(user_schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(user_schemas.BaseUserCreate):
    pass


class UserUpdate(user_schemas.BaseUserUpdate):
    """An update; an explicit ``null`` means "leave as it is" (no column may become NULL)."""

    def create_update_dict(self) -> dict[str, Any]:
        return _without_nulls(super().create_update_dict())  # type: ignore[no-untyped-call]

    def create_update_dict_superuser(self) -> dict[str, Any]:
        return _without_nulls(super().create_update_dict_superuser())  # type: ignore[no-untyped-call]


def _without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    """fastapi-users' manager; tokens for password reset are signed with the server secret."""

    async def validate_password(self, password: str, user: UserCreate | User) -> None:  # type: ignore[override]
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidPasswordException(
                reason=f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
            )
        if user.email.lower() in password.lower():
            raise InvalidPasswordException(reason="the password may not contain the e-mail")


class UserDatabase(SQLAlchemyUserDatabase[User, uuid.UUID]):
    """fastapi-users' adapter, releasing its connection after each lookup.

    The authentication dependency lives as long as the response, which for a streamed chat is
    the whole answer: holding a pooled connection that long would starve the pool.
    """

    async def _get_user(self, statement: Select[Any]) -> User | None:
        try:
            return await super()._get_user(statement)
        finally:
            await self.session.close()  # detaches the (fully loaded) user, frees the connection


async def get_user_db(request: Request) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
    async with database(request).sessions() as session:
        yield UserDatabase(session, User)


async def get_user_manager(
    request: Request,
    user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
) -> AsyncIterator[UserManager]:
    manager = UserManager(user_db)
    secret: str = request.app.state.secret
    manager.reset_password_token_secret = secret
    manager.verification_token_secret = secret
    yield manager


def get_jwt_strategy(request: Request) -> JWTStrategy[User, uuid.UUID]:
    return RevocableJWTStrategy(
        database(request),
        secret=request.app.state.secret,
        lifetime_seconds=request.app.state.settings.jwt_lifetime_seconds,
    )


bearer = BearerTransport(tokenUrl="/api/v1/auth/jwt/login")
jwt_backend: AuthenticationBackend[User, uuid.UUID] = AuthenticationBackend(
    name="jwt", transport=bearer, get_strategy=get_jwt_strategy
)
AUTH_BACKENDS = [jwt_backend, token_backend]

fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, AUTH_BACKENDS)
current_active_user = fastapi_users.current_user(active=True)
current_superuser = fastapi_users.current_user(active=True, superuser=True)

CurrentUser = Annotated[User, Depends(current_active_user)]
