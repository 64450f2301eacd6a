"""Bearer-token authentication of the MCP HTTP transport.

``mcp_server`` does not know users: whoever mounts the app supplies a ``TokenVerifier`` that maps
an access token to a ``Principal`` (the user and the tool context they act with: workspace,
stored integration credentials). The verifier also sees the request (its headers, query and path
parameters), so a host may let clients choose among contexts, e.g. one of several workspaces;
when the token is good but the request may not proceed it raises a ``ToolError``, answered as
JSON with the error's status. The web layer implements it over its users' long-lived tokens;
the standalone server uses ``StaticTokenVerifier`` with ``FAST_GENAI_MCP_TOKEN``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from tools.context import ToolContext
from tools.errors import ToolError

PRINCIPAL_SCOPE_KEY = "fast_genai.mcp.principal"
"""Where the authenticated ``Principal`` travels in the ASGI scope to the tool handlers."""

REALM = "fast-genai"


@dataclass(frozen=True)
class Principal:
    """Who is calling, and the context their tool calls run with."""

    user_id: str
    context: ToolContext
    """Workspace, credentials and ``actor`` (normally ``user_id``) of this user's calls."""
    read_only: bool = False
    """The token allows no writes (an OAuth grant without ``mcp:write``): write tools are
    hidden and refused, as with ``X-MCP-Readonly``."""


class TokenVerifier(Protocol):
    """Maps a bearer token (and its request) to its principal.

    Returns ``None`` for an unknown, expired or revoked token (401). Raises a ``ToolError`` when
    the token is good but what the request asks for is not allowed (e.g. a workspace the user
    may not use): the answer is the error's status with ``{"error": {"code", "message",
    "hint"}}``.
    """

    async def verify(self, token: str, request: HTTPConnection) -> Principal | None: ...


@dataclass(frozen=True)
class StaticTokenVerifier:
    """One configured token (``FAST_GENAI_MCP_TOKEN``) for the standalone server."""

    token: SecretStr
    context: ToolContext
    user_id: str = "local"

    async def verify(self, token: str, request: HTTPConnection) -> Principal | None:
        expected = self.token.get_secret_value().encode()
        if not expected or not hmac.compare_digest(token.encode(), expected):
            return None
        return Principal(user_id=self.user_id, context=self.context)


ResourceMetadata = Callable[[HTTPConnection], str | None]
"""The RFC 9728 metadata URL to name in ``WWW-Authenticate`` for a request (``None``: none)."""


def _challenge(error: str | None, description: str | None, resource_metadata: str | None) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    if resource_metadata:
        parts.append(f'resource_metadata="{resource_metadata}"')
    return "Bearer " + ", ".join(parts)


async def _json(
    send: Send, status: int, payload: dict[str, Any], *extra: tuple[bytes, bytes]
) -> None:
    body = json.dumps(payload).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _unauthorized(
    send: Send, error: str | None, description: str, resource_metadata: str | None
) -> None:
    challenge = _challenge(error, description if error else None, resource_metadata)
    await _json(
        send,
        401,
        {"error": error or "unauthorized", "error_description": description},
        (b"www-authenticate", challenge.encode()),
    )


async def _refused(send: Send, exc: ToolError) -> None:
    error = {"code": exc.code, "message": exc.message, "hint": exc.hint}
    await _json(send, exc.status, {"error": error})


@dataclass(frozen=True)
class BearerAuth:
    """ASGI middleware: ``Authorization: Bearer <token>`` or 401 with ``WWW-Authenticate``
    (naming the protected-resource metadata when ``resource_metadata`` gives its URL, so OAuth
    clients can discover the authorization server, RFC 9728 §5.1)."""

    app: ASGIApp
    verifier: TokenVerifier
    resource_metadata: ResourceMetadata | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metadata = (
            None
            if self.resource_metadata is None
            else self.resource_metadata(HTTPConnection(scope))
        )
        header = Headers(scope=scope).get("authorization")
        if not header:
            await _unauthorized(
                send, None, "an Authorization: Bearer <token> header is required", metadata
            )
            return
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await _unauthorized(
                send,
                "invalid_request",
                "the Authorization header must be 'Bearer <token>'",
                metadata,
            )
            return
        try:
            principal = await self.verifier.verify(token, HTTPConnection(scope))
        except ToolError as exc:
            await _refused(send, exc)
            return
        if principal is None:
            await _unauthorized(
                send, "invalid_token", "the access token is unknown, expired or revoked", metadata
            )
            return
        inner: dict[str, Any] = {**scope, PRINCIPAL_SCOPE_KEY: principal}
        await self.app(inner, receive, send)
