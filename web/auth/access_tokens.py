"""Long-lived access tokens for CLI and MCP clients: minted once, stored as a SHA-256 hash.

A token is ``fg_`` plus 32 random bytes (URL-safe base64). It is shown once, at creation; the
server keeps only its hash, and looks tokens up by that hash (the tokens are high-entropy, so a
plain hash is enough and a lookup by hash leaks no timing about the token). Revoking deletes the
row, so a revoked token fails on its next request. ``last_used_at`` is written at most once a
minute per token, so busy clients do not turn every request into a write.

``token_backend`` is a fastapi-users authentication backend: ``Authorization: Bearer fg_...``
works wherever a login JWT does. ``user_for_token`` serves the MCP endpoint's verifier.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi_users import BaseUserManager
from fastapi_users.authentication import AuthenticationBackend, BearerTransport
from fastapi_users.authentication.strategy import StrategyDestroyNotSupportedError
from sqlalchemy import update
from sqlmodel import col, select

from web.db import Database, database
from web.models import AccessToken, User, utcnow

TOKEN_PREFIX = "fg_"  # noqa: S105 - a prefix, not a secret
TOUCH_INTERVAL = timedelta(minutes=1)


def new_token() -> str:
    """A fresh token: ``fg_`` and 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(when: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return when if when.tzinfo is not None else when.replace(tzinfo=utcnow().tzinfo)


async def user_for_token(db: Database, token: str) -> User | None:
    """The active user owning ``token``, or ``None`` (not ours, unknown, revoked, inactive)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    async with db.sessions() as session:
        query = select(AccessToken).where(col(AccessToken.token_hash) == token_hash(token))
        row = (await session.execute(query)).scalars().first()
        if row is None:
            return None
        user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - aware(row.last_used_at) >= TOUCH_INTERVAL:
        async with db.write() as session:
            await session.execute(
                update(AccessToken).where(col(AccessToken.id) == row.id).values(last_used_at=now)
            )
    return user


class AccessTokenStrategy:
    """fastapi-users strategy reading our tokens (minting happens at ``POST /tokens``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def read_token(
        self, token: str | None, user_manager: BaseUserManager[User, uuid.UUID]
    ) -> User | None:
        if not token:
            return None
        return await user_for_token(self.db, token)

    async def write_token(self, user: User) -> str:
        raise NotImplementedError("access tokens are created at POST /api/v1/tokens")

    async def destroy_token(self, token: str, user: User) -> None:
        raise StrategyDestroyNotSupportedError


def get_token_strategy(request: Request) -> Any:
    return AccessTokenStrategy(database(request))


token_backend: AuthenticationBackend[User, uuid.UUID] = AuthenticationBackend(
    name="access-token",
    transport=BearerTransport(tokenUrl="/api/v1/auth/jwt/login"),
    get_strategy=get_token_strategy,
)
