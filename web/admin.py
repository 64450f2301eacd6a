"""Operator actions outside HTTP (used by ``fast-genai users create``)."""

from __future__ import annotations

from fastapi_users.exceptions import InvalidPasswordException, UserAlreadyExists
from fastapi_users_db_sqlalchemy import SQLAlchemyUserDatabase
from pydantic import ValidationError

from tools.errors import AlreadyExists, InvalidArgument
from web.auth.users import UserCreate, UserManager
from web.db import Database
from web.models import User


async def create_user(
    database_url: str, email: str, password: str, *, superuser: bool = False
) -> User:
    """Create an active (and verified) user through fastapi-users' manager (password hashing)."""
    try:
        data = UserCreate(email=email, password=password, is_superuser=superuser, is_verified=True)
    except ValidationError as exc:
        raise InvalidArgument(f"invalid user: {exc.errors()[0]['msg']}") from None
    db = Database.connect(database_url)
    try:
        async with db.sessions() as session:
            manager = UserManager(SQLAlchemyUserDatabase(session, User))
            try:
                return await manager.create(data, safe=False)
            except UserAlreadyExists:
                raise AlreadyExists(f"a user {email!r} exists already") from None
            except InvalidPasswordException as exc:
                raise InvalidArgument(f"invalid password: {exc.reason}") from None
    finally:
        await db.close()


async def create_invite_code(database_url: str, *, days: float) -> str:
    """A one-use invite code for registration mode ``invite`` (printed once, stored hashed)."""
    from web.auth.registration import create_invite

    db = Database.connect(database_url)
    try:
        return await create_invite(db, days=days)
    finally:
        await db.close()
