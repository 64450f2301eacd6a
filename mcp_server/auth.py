"""Bearer-token authentication of the MCP HTTP transport.

``mcp_server`` does not know users: whoever mounts the app supplies a ``TokenVerifier`` that maps
an access token to a ``Principal`` (the user and the tool context they act with: workspace,
stored integration credentials). The web layer implements it over its users' long-lived tokens;
the standalone server uses ``StaticTokenVerifier`` with ``FAST_GENAI_MCP_TOKEN``.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tools.context import ToolContext

PRINCIPAL_SCOPE_KEY = "fast_genai.mcp.principal"
"""Where the authenticated ``Principal`` travels in the ASGI scope to the tool handlers."""

REALM = "fast-genai"


@dataclass(frozen=True)
class Principal:
    """Who is calling, and the context their tool calls run with."""

    user_id: str
    context: ToolContext
    """Workspace, credentials and ``actor`` (normally ``user_id``) of this user's calls."""


class TokenVerifier(Protocol):
    """Maps a bearer token to its principal; ``None`` for an unknown, expired or revoked one."""

    async def verify(self, token: str) -> Principal | None: ...


@dataclass(frozen=True)
class StaticTokenVerifier:
    """One configured token (``FAST_GENAI_MCP_TOKEN``) for the standalone server."""

    token: SecretStr
    context: ToolContext
    user_id: str = "local"

    async def verify(self, token: str) -> Principal | None:
        expected = self.token.get_secret_value().encode()
        if not expected or not hmac.compare_digest(token.encode(), expected):
            return None
        return Principal(user_id=self.user_id, context=self.context)


def _challenge(error: str | None, description: str | None) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(parts)


async def _unauthorized(send: Send, error: str | None, description: str) -> None:
    body = json.dumps({"error": error or "unauthorized", "error_description": description}).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", _challenge(error, description if error else None).encode()),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class BearerAuth:
    """ASGI middleware: ``Authorization: Bearer <token>`` or 401 with ``WWW-Authenticate``."""

    app: ASGIApp
    verifier: TokenVerifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        if not header:
            await _unauthorized(send, None, "an Authorization: Bearer <token> header is required")
            return
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await _unauthorized(
                send, "invalid_request", "the Authorization header must be 'Bearer <token>'"
            )
            return
        principal = await self.verifier.verify(token)
        if principal is None:
            await _unauthorized(send, "invalid_token", "the access token is unknown or revoked")
            return
        inner: dict[str, Any] = {**scope, PRINCIPAL_SCOPE_KEY: principal}
        await self.app(inner, receive, send)
