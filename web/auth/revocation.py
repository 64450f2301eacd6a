"""Logout ends a login: JWTs revoked by a deny-list in the database.

fastapi-users' ``JWTStrategy`` cannot destroy a token (it is valid until it expires), so
``POST /auth/jwt/logout`` used to leave a 7-day token working. ``RevocableJWTStrategy`` stores
the SHA-256 of a logged-out token with its expiry in ``revoked_token`` and refuses it from then
on, on every instance sharing the database. The check is one primary-key lookup per request
authenticated by JWT, made only after the signature and expiry are verified. Expired rows are
deleted by the next logout. Each JWT carries a random ``jti``, so two logins in the same second
are two tokens and logging out one leaves the other.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import jwt
from fastapi_users import BaseUserManager
from fastapi_users.authentication import JWTStrategy
from fastapi_users.jwt import decode_jwt, generate_jwt
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from web.db import Database
from web.models import RevokedToken, User, utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RevocableJWTStrategy(JWTStrategy[User, uuid.UUID]):
    def __init__(self, db: Database, secret: str, lifetime_seconds: int) -> None:
        super().__init__(secret=secret, lifetime_seconds=lifetime_seconds)
        self.db = db

    async def write_token(self, user: User) -> str:
        data = {"sub": str(user.id), "aud": self.token_audience, "jti": secrets.token_urlsafe(12)}
        return generate_jwt(data, self.encode_key, self.lifetime_seconds, algorithm=self.algorithm)

    async def read_token(
        self, token: str | None, user_manager: BaseUserManager[User, uuid.UUID]
    ) -> User | None:
        if token is None or self._claims(token) is None:
            return None
        async with self.db.sessions() as session:
            query = select(RevokedToken.token_hash).where(
                col(RevokedToken.token_hash) == _hash(token)
            )
            if (await session.execute(query)).first() is not None:
                return None
        return await super().read_token(token, user_manager)

    async def destroy_token(self, token: str, user: User) -> None:
        claims = self._claims(token)
        if claims is None:
            return
        exp = claims.get("exp")
        expires = datetime.fromtimestamp(float(exp) if isinstance(exp, int | float) else 0, UTC)
        dialect = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        insert = (
            dialect.insert(RevokedToken)
            .values(token_hash=_hash(token), expires_at=expires)
            .on_conflict_do_nothing()
        )
        async with self.db.write() as session:
            await session.execute(insert)
            await session.execute(
                delete(RevokedToken).where(col(RevokedToken.expires_at) < utcnow())
            )

    def _claims(self, token: str) -> dict[str, object] | None:
        try:
            data: dict[str, object] = decode_jwt(
                token, self.decode_key, self.token_audience, algorithms=[self.algorithm]
            )
        except jwt.PyJWTError:
            return None
        return data
