"""The SDK's ``OAuthAuthorizationServerProvider`` over the database.

Everything secret is random (``secrets``) and stored as a SHA-256 hash, like long-lived access
tokens: authorization codes, access tokens (``fga_``) and refresh tokens (``fgr_``). A client
secret is the exception (the SDK compares it in clear), so it is stored encrypted like
integration credentials.

- ``authorize`` keeps the validated request and sends the browser to the consent page, which
  turns it into a code once the user consents (``pages``). Codes live five minutes and work
  once: presenting a used code again revokes what it gave (RFC 6749 §4.1.2).
- A grant is one consent: the user, the client, the workspaces, the scopes (``mcp:write``:
  writes allowed) and the resource. Its access token is short-lived; a refresh replaces both
  tokens, and presenting the replaced refresh token again revokes the grant (RFC 9700 §4.14).
- Deleting a grant (the user's ``DELETE /api/v1/tokens/{id}``, or ``/revoke``) revokes both.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from sqlalchemy import CursorResult, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from web.auth.access_tokens import aware, token_hash
from web.auth.oauth.urls import CONSENT_PATH, OAuthUrls, same_resource
from web.db import Database
from web.integrations.credentials import secret_box
from web.integrations.secret_box import UndecryptableSecret
from web.models import OAuthAuthorization, OAuthClient, OAuthGrant, User, utcnow
from web.state import WebState

log = logging.getLogger("fast_genai.web.oauth")

ACCESS_PREFIX = "fga_"
REFRESH_PREFIX = "fgr_"
READ_SCOPE = "mcp:read"
WRITE_SCOPE = "mcp:write"
SCOPES = [READ_SCOPE, WRITE_SCOPE]
REQUEST_LIFETIME = timedelta(minutes=10)
"""How long a user has to log in and consent."""
CODE_LIFETIME = timedelta(minutes=5)
TOUCH_INTERVAL = timedelta(minutes=1)
KEEP_USED = timedelta(hours=1)
"""How long an expired request or code is kept (a code's replay within it revokes its grant)."""
_UNSAFE_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class Code(AuthorizationCode):
    row_id: str
    workspaces: list[str]


class Refresh(RefreshToken):
    grant_id: uuid.UUID


def is_oauth_access_token(token: str) -> bool:
    return token.startswith(ACCESS_PREFIX)


def writes_allowed(scopes: list[str]) -> bool:
    return WRITE_SCOPE in scopes


def check_redirect_uri(uri: str) -> None:
    """OAuth 2.1 §2.3.1 / RFC 8252: https, http on loopback only, or a native app's own
    scheme; never a scheme a browser would run or read locally."""
    scheme, _, rest = uri.partition(":")
    scheme = scheme.lower()
    if scheme in _UNSAFE_SCHEMES:
        raise RegistrationError("invalid_redirect_uri", f"redirect URI scheme {scheme!r} refused")
    if scheme == "http":
        host = rest.removeprefix("//").split("/", 1)[0].rsplit("@", 1)[-1]
        host = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if host.lower() not in _LOOPBACK_HOSTS:
            raise RegistrationError(
                "invalid_redirect_uri", f"plain http redirect URIs must be loopback, not {uri!r}"
            )
    if "#" in uri:
        raise RegistrationError("invalid_redirect_uri", "a redirect URI has no fragment")


async def grant_for_access(db: Database, token: str) -> OAuthGrant | None:
    """The grant whose current, unexpired access token this is (``None`` otherwise)."""
    if not is_oauth_access_token(token):
        return None
    async with db.sessions() as session:
        query = select(OAuthGrant).where(col(OAuthGrant.access_hash) == token_hash(token))
        grant: OAuthGrant | None = (await session.execute(query)).scalars().first()
    now = utcnow()
    if grant is None or aware(grant.access_expires_at) <= now:
        return None
    if grant.last_used_at is None or now - aware(grant.last_used_at) >= TOUCH_INTERVAL:
        async with db.write() as session:
            await session.execute(
                update(OAuthGrant).where(col(OAuthGrant.id) == grant.id).values(last_used_at=now)
            )
    return grant


def _new_tokens() -> tuple[str, str]:
    return ACCESS_PREFIX + secrets.token_urlsafe(32), REFRESH_PREFIX + secrets.token_urlsafe(32)


def affected(result: Any) -> int:
    """The rows an UPDATE or DELETE touched."""
    assert isinstance(result, CursorResult)
    return result.rowcount


@dataclass
class OAuthProvider(OAuthAuthorizationServerProvider[Code, Refresh, AccessToken]):
    """One per request: ``urls`` name the issuer and resource that request sees. The SDK's
    default refuses the identity-assertion grant (SEP-990), which this server does not offer."""

    state: WebState
    urls: OAuthUrls

    @property
    def db(self) -> Database:
        return self.state.db

    # clients (RFC 7591)

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        async with self.db.sessions() as session:
            row = await session.get(OAuthClient, client_id[:100])
        if row is None:
            return None
        info = OAuthClientInformationFull.model_validate(row.info)
        if row.secret is not None:
            try:
                info.client_secret = secret_box(self.state).decrypt(row.secret)
            except UndecryptableSecret:
                log.warning("OAuth client %s: secret undecryptable; it must register again", row)
                return None
        return info

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        for uri in client_info.redirect_uris or []:
            check_redirect_uri(str(uri))
        secret = client_info.client_secret
        data = client_info.model_dump(mode="json", exclude={"client_secret"}, exclude_none=True)
        row = OAuthClient(
            client_id=client_info.client_id,
            info=data,
            secret=None if secret is None else secret_box(self.state).encrypt(secret),
        )
        async with self.db.write() as session:
            session.add(row)

    # authorization (the consent page completes it)

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        resource = params.resource or self.urls.resource
        if not same_resource(resource, self.urls.resource):
            raise AuthorizeError(
                "invalid_target",
                f"this server issues tokens for {self.urls.resource} only, not {resource}",
            )
        row = OAuthAuthorization(
            id=secrets.token_urlsafe(32),
            client_id=client.client_id,
            request={
                "redirect_uri": str(params.redirect_uri),
                "redirect_uri_provided_explicitly": params.redirect_uri_provided_explicitly,
                "code_challenge": params.code_challenge,
                "state": params.state,
                "scopes": params.scopes or (client.scope or " ".join(SCOPES)).split(),
                "resource": self.urls.resource,
            },
            expires_at=utcnow() + REQUEST_LIFETIME,
        )
        async with self.db.write() as session:
            await _sweep(session)
            session.add(row)
        return self.urls.at(f"{CONSENT_PATH}?request={row.id}")

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> Code | None:
        async with self.db.sessions() as session:
            query = select(OAuthAuthorization).where(
                col(OAuthAuthorization.code_hash) == token_hash(authorization_code)
            )
            row = (await session.execute(query)).scalars().first()
        if row is None or row.client_id != client.client_id or row.user_id is None:
            return None
        if row.used_at is not None:
            log.warning("OAuth: authorization code of client %s replayed", client.client_id)
            if row.grant_id is not None:
                await self._delete_grant(row.grant_id)
            return None
        request = row.request
        return Code(
            code=authorization_code,
            scopes=row.scopes,
            expires_at=aware(row.expires_at).timestamp(),
            client_id=row.client_id,
            code_challenge=request["code_challenge"],
            redirect_uri=request["redirect_uri"],
            redirect_uri_provided_explicitly=request["redirect_uri_provided_explicitly"],
            resource=request["resource"],
            subject=str(row.user_id),
            row_id=row.id,
            workspaces=row.workspaces,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: Code
    ) -> OAuthToken:
        code = authorization_code
        if code.subject is None or code.resource is None:
            raise TokenError("invalid_grant", "the authorization code is incomplete")
        user_id = uuid.UUID(code.subject)
        access, refresh = _new_tokens()
        now = utcnow()
        settings = self.state.settings
        grant = OAuthGrant(
            user_id=user_id,
            client_id=client.client_id,
            client_name=(client.client_name or client.client_id)[:200],
            workspaces=code.workspaces,
            scopes=code.scopes,
            resource=code.resource,
            access_hash=token_hash(access),
            access_expires_at=now + timedelta(seconds=settings.oauth_access_token_seconds),
            refresh_hash=token_hash(refresh),
            refresh_expires_at=now + timedelta(days=settings.oauth_refresh_token_days),
        )
        async with self.db.write() as session:
            user = await session.get(User, user_id)
            if user is None or not user.is_active:
                raise TokenError("invalid_grant", "the user who consented is no longer active")
            used = await session.execute(
                update(OAuthAuthorization)
                .where(col(OAuthAuthorization.id) == code.row_id)
                .where(col(OAuthAuthorization.used_at).is_(None))
                .values(used_at=now, grant_id=grant.id)
            )
            if affected(used) != 1:
                raise TokenError("invalid_grant", "the authorization code was already used")
            session.add(grant)
        return self._token(access, refresh, code.scopes)

    # refresh tokens: rotated on every use

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> Refresh | None:
        if not refresh_token.startswith(REFRESH_PREFIX):
            return None
        digest = token_hash(refresh_token)
        async with self.db.sessions() as session:
            query = select(OAuthGrant).where(col(OAuthGrant.refresh_hash) == digest)
            grant = (await session.execute(query)).scalars().first()
            if grant is None:
                reused = select(OAuthGrant).where(col(OAuthGrant.previous_refresh_hash) == digest)
                stale = (await session.execute(reused)).scalars().first()
        if grant is None:
            if stale is not None:
                log.warning(
                    "OAuth: a replaced refresh token was presented; revoking grant %s", stale.id
                )
                await self._delete_grant(stale.id)
            return None
        if grant.client_id != client.client_id:
            return None
        return Refresh(
            token=refresh_token,
            client_id=grant.client_id,
            scopes=grant.scopes,
            expires_at=int(aware(grant.refresh_expires_at).timestamp()),
            resource=grant.resource,
            subject=str(grant.user_id),
            grant_id=grant.id,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: Refresh, scopes: list[str]
    ) -> OAuthToken:
        access, refresh = _new_tokens()
        now = utcnow()
        settings = self.state.settings
        async with self.db.write() as session:
            grant = await session.get(OAuthGrant, refresh_token.grant_id)
            user = None if grant is None else await session.get(User, grant.user_id)
            if user is None or not user.is_active:
                raise TokenError("invalid_grant", "the user of this grant is no longer active")
            rotated = await session.execute(
                update(OAuthGrant)
                .where(col(OAuthGrant.id) == refresh_token.grant_id)
                .where(col(OAuthGrant.refresh_hash) == token_hash(refresh_token.token))
                .values(
                    scopes=scopes,
                    access_hash=token_hash(access),
                    access_expires_at=now + timedelta(seconds=settings.oauth_access_token_seconds),
                    refresh_hash=token_hash(refresh),
                    previous_refresh_hash=token_hash(refresh_token.token),
                    refresh_expires_at=now + timedelta(days=settings.oauth_refresh_token_days),
                )
            )
            if affected(rotated) != 1:
                raise TokenError("invalid_grant", "the refresh token was already used")
        return self._token(access, refresh, scopes)

    # access tokens, revocation

    async def load_access_token(self, token: str) -> AccessToken | None:
        grant = await grant_for_access(self.db, token)
        if grant is None:
            return None
        return AccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=grant.scopes,
            expires_at=int(aware(grant.access_expires_at).timestamp()),
            resource=grant.resource,
            subject=str(grant.user_id),
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        if isinstance(token, Refresh):
            await self._delete_grant(token.grant_id)
            return
        async with self.db.write() as session:
            await session.execute(
                delete(OAuthGrant).where(col(OAuthGrant.access_hash) == token_hash(token.token))
            )

    async def _delete_grant(self, grant_id: uuid.UUID) -> None:
        async with self.db.write() as session:
            await session.execute(delete(OAuthGrant).where(col(OAuthGrant.id) == grant_id))

    def _token(self, access: str, refresh: str, scopes: list[str]) -> OAuthToken:
        return OAuthToken(
            access_token=access,
            token_type="Bearer",  # noqa: S106 - the type, not a secret
            expires_in=self.state.settings.oauth_access_token_seconds,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )


async def _sweep(session: AsyncSession) -> None:
    """Forget requests and codes past their time (a used code a while longer, to recognise its
    replay) and grants whose refresh token has expired."""
    now = utcnow()
    await session.execute(
        delete(OAuthAuthorization).where(col(OAuthAuthorization.expires_at) < now - KEEP_USED)
    )
    await session.execute(delete(OAuthGrant).where(col(OAuthGrant.refresh_expires_at) < now))


def pending_expired(row: OAuthAuthorization, now: datetime | None = None) -> bool:
    return aware(row.expires_at) <= (now or utcnow())
