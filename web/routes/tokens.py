"""The current user's long-lived access tokens: create (shown once), list, revoke.

A token authenticates the API (``Authorization: Bearer fg_...``, wherever a login token works)
and the MCP endpoint ``/mcp``. Listing shows names and dates, never a token or its hash.

The listing also holds the user's OAuth grants (``kind: "oauth"``): MCP clients the user
authorized on the consent page, with their workspaces and whether they may write. Revoking one
(``DELETE /tokens/{id}``, the same route) ends its access and refresh tokens at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select

from tools.errors import Conflict, NotFound
from web.auth.access_tokens import aware, new_token, token_hash
from web.auth.oauth.provider import writes_allowed
from web.auth.users import CurrentUser
from web.models import AccessToken, OAuthGrant
from web.state import StateDep

router = APIRouter(tags=["tokens"])

MAX_TOKENS_PER_USER = 100


class TokenCreate(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description="What the token is for, e.g. 'laptop CLI'.",
    )


class TokenView(BaseModel):
    id: uuid.UUID
    kind: Literal["token"] = "token"
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: AccessToken) -> TokenView:
        used = row.last_used_at
        return cls(
            id=row.id,
            name=row.name,
            created_at=aware(row.created_at),
            last_used_at=None if used is None else aware(used),
        )


class GrantView(BaseModel):
    """An MCP client authorized through OAuth: short-lived access tokens, renewed by refresh."""

    id: uuid.UUID
    kind: Literal["oauth"] = "oauth"
    name: str = Field(description="The client's name, as it registered itself.")
    client_id: str
    workspaces: list[str]
    writes: bool = Field(description="Whether the user allowed writes (scope mcp:write).")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime = Field(description="When the refresh token ends unless used first.")

    @classmethod
    def of(cls, row: OAuthGrant) -> GrantView:
        used = row.last_used_at
        return cls(
            id=row.id,
            name=row.client_name,
            client_id=row.client_id,
            workspaces=row.workspaces,
            writes=writes_allowed(row.scopes),
            created_at=aware(row.created_at),
            last_used_at=None if used is None else aware(used),
            expires_at=aware(row.refresh_expires_at),
        )


class TokenCreated(TokenView):
    token: str = Field(description="The token itself: shown only now, store it safely.")


@router.post("/tokens", status_code=201)
async def create_token(body: TokenCreate, state: StateDep, user: CurrentUser) -> TokenCreated:
    """Create a token; the answer is the only time the token itself is shown."""
    token = new_token()
    async with state.db.write() as session:
        count = (
            await session.execute(
                select(func.count())
                .select_from(AccessToken)
                .where(col(AccessToken.user_id) == user.id)
            )
        ).scalar_one()
        if count >= MAX_TOKENS_PER_USER:
            raise Conflict(
                f"you have {count} access tokens, the most allowed",
                hint="revoke unused ones with DELETE /api/v1/tokens/{id}",
            )
        row = AccessToken(user_id=user.id, name=body.name.strip(), token_hash=token_hash(token))
        session.add(row)
        await session.flush()
        view = TokenView.of(row)
    return TokenCreated(**view.model_dump(), token=token)


@router.get("/tokens")
async def list_tokens(state: StateDep, user: CurrentUser) -> list[TokenView | GrantView]:
    """Your tokens, then your authorized OAuth clients (each newest first): names and dates."""
    async with state.db.sessions() as session:
        rows = (
            await session.execute(
                select(AccessToken)
                .where(col(AccessToken.user_id) == user.id)
                .order_by(col(AccessToken.created_at).desc())
            )
        ).scalars()
        tokens: list[TokenView | GrantView] = [TokenView.of(row) for row in rows]
        grants = (
            await session.execute(
                select(OAuthGrant)
                .where(col(OAuthGrant.user_id) == user.id)
                .order_by(col(OAuthGrant.created_at).desc())
            )
        ).scalars()
        return tokens + [GrantView.of(grant) for grant in grants]


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: uuid.UUID, state: StateDep, user: CurrentUser) -> Response:
    """Revoke a token or an OAuth client's grant: requests carrying it fail from now on."""
    async with state.db.write() as session:
        row = await session.get(AccessToken, token_id)
        if row is not None and row.user_id == user.id:
            await session.delete(row)
            return Response(status_code=204)
        grant = await session.get(OAuthGrant, token_id)
        if grant is None or grant.user_id != user.id:
            raise NotFound(f"you have no access token {token_id}")
        await session.delete(grant)
    return Response(status_code=204)
