"""The MCP server over streamable HTTP: an ASGI endpoint with bearer auth and Host/Origin checks.

``create_mcp_app`` gives the endpoint and the lifespan the host application must run. The web app
mounts it with ``app.add_route("/mcp", mcp.endpoint, methods=[...])`` and enters
``mcp.lifespan()`` in its own lifespan (Starlette does not run mounted apps' lifespans);
``fast-genai mcp --http`` serves ``mcp.standalone()`` with uvicorn.

The transport is stateless (every request carries its own authentication and gets its own
context), as the 2026-07-28 protocol revision is; clients of older revisions still connect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp_types.version import KNOWN_PROTOCOL_VERSIONS
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.summary_model import LazySummaryModel
from mcp_server.auth import (
    PRINCIPAL_SCOPE_KEY,
    BearerAuth,
    Principal,
    ResourceMetadata,
    TokenVerifier,
)
from mcp_server.options import ToolFilter
from mcp_server.server import RequestContext, build_server
from tools.context import ToolContext
from tools.errors import MissingCredential
from tools.spec import ToolSpec

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MCP_METHODS = ["GET", "POST", "DELETE"]
PROTOCOL_VERSION_HEADER = "mcp-protocol-version"


def security_settings(
    allowed_hosts: Iterable[str] = (), allowed_origins: Iterable[str] = ()
) -> TransportSecuritySettings:
    """DNS-rebinding protection: loopback names always, plus the operator's own names."""
    hosts = [*LOOPBACK_HOSTS, *(f"{h}:*" for h in LOOPBACK_HOSTS), *allowed_hosts]
    origins = [
        *(f"http://{h}" for h in LOOPBACK_HOSTS),
        *(f"http://{h}:*" for h in LOOPBACK_HOSTS),
        *allowed_origins,
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


async def principal_context(rctx: RequestContext) -> ToolContext:
    """The tool context of the authenticated caller of this request."""
    request = rctx.request
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY) if isinstance(request, Request) else None
    if not isinstance(principal, Principal):
        raise MissingCredential("this request carries no authenticated user")
    return principal.context


@dataclass(frozen=True)
class HostCheck:
    """Refuses a foreign Host or Origin (421/403) before anything else runs."""

    app: ASGIApp
    settings: TransportSecuritySettings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await TransportSecurityMiddleware(self.settings).validate_request(
                Request(scope, receive), is_post=False
            )
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class ProtocolVersionCheck:
    """Answers an ``MCP-Protocol-Version`` header naming no known revision with a 400 that says so.

    Without it the SDK takes an unknown version for the 2026-07-28 envelope era and complains
    about ``params._meta`` keys, which names neither the problem nor the fix.
    """

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        requested = (
            Headers(scope=scope).get(PROTOCOL_VERSION_HEADER) if scope["type"] == "http" else None
        )
        if requested is None or requested.strip() in KNOWN_PROTOCOL_VERSIONS:
            await self.app(scope, receive, send)
            return
        known = ", ".join(KNOWN_PROTOCOL_VERSIONS)
        error = types.ErrorData(
            code=types.UNSUPPORTED_PROTOCOL_VERSION,
            message=f"unsupported MCP-Protocol-Version {requested!r}; this server speaks {known}",
            data={"supported": list(KNOWN_PROTOCOL_VERSIONS), "requested": requested},
        )
        body = types.JSONRPCError(jsonrpc="2.0", id=None, error=error)
        response = JSONResponse(body.model_dump(mode="json", by_alias=True), status_code=400)
        await response(scope, receive, send)


@dataclass(frozen=True)
class McpHttpApp:
    """The MCP endpoint (ASGI) and the lifespan that must run around it."""

    endpoint: ASGIApp
    session_manager: StreamableHTTPSessionManager
    summary_model: LazySummaryModel | None = None

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Enter once in the host app's lifespan; the endpoint serves only inside it."""
        async with AsyncExitStack() as stack:
            if self.summary_model is not None:
                await stack.enter_async_context(self.summary_model)
            await stack.enter_async_context(self.session_manager.run())
            yield

    def standalone(self, path: str = "/mcp") -> Starlette:
        """A Starlette app serving the endpoint at ``path``, running the lifespan itself."""

        def lifespan(_: Starlette) -> AbstractAsyncContextManager[None]:
            return self.lifespan()

        return Starlette(
            routes=[Route(path, endpoint=self.endpoint, methods=MCP_METHODS)], lifespan=lifespan
        )


def create_mcp_app(
    token_verifier: TokenVerifier,
    *,
    tool_filter: ToolFilter | None = None,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
    specs: Iterable[ToolSpec] | None = None,
    summary_model: LazySummaryModel | None = None,
    resource_metadata: ResourceMetadata | None = None,
) -> McpHttpApp:
    """The MCP server over streamable HTTP, each request authenticated by ``token_verifier``.

    ``summary_model`` serves tools that use a model when the caller's context has none;
    ``resource_metadata`` names the OAuth protected-resource metadata in 401 answers.
    """
    server: Any = build_server(
        principal_context, tool_filter=tool_filter, specs=specs, summary_model=summary_model
    )
    security = security_settings(allowed_hosts, allowed_origins)
    manager = StreamableHTTPSessionManager(
        app=server, stateless=True, json_response=False, security_settings=security
    )
    mcp = ProtocolVersionCheck(StreamableHTTPASGIApp(manager))
    endpoint = HostCheck(BearerAuth(mcp, token_verifier, resource_metadata), security)
    return McpHttpApp(endpoint=endpoint, session_manager=manager, summary_model=summary_model)


async def serve(app: McpHttpApp, host: str, port: int, path: str = "/mcp") -> None:
    """Serve ``app`` standalone with uvicorn until interrupted."""
    import uvicorn

    config = uvicorn.Config(app.standalone(path), host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()
