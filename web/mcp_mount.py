"""``/mcp`` on the web app: the MCP server over streamable HTTP, authenticated by users' tokens.

Each request carries ``Authorization: Bearer fg_...`` (a token from ``POST /api/v1/tokens``); the
verifier maps it to its user and the tool context the web API's direct tool calls use for that
user (a workspace, their credentials, the database write record with ``actor`` = user id).

The workspace is the one the client names, ``/mcp?workspace=NAME`` or the header
``X-Fast-Genai-Workspace: NAME``, else the server's default if the user may use it, else the
first one they may. A workspace that is unknown or not theirs answers 404 (as in the web API),
two different names 422, both as ``{"error": {"code", "message", "hint"}}``. A missing, unknown
or revoked token gets 401 with ``WWW-Authenticate`` (before any workspace is looked at); a
foreign ``Host``/``Origin`` 421/403 (DNS-rebinding protection).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from agent.summary_model import LazySummaryModel
from mcp_server.auth import Principal
from mcp_server.http import MCP_METHODS, McpHttpApp, create_mcp_app
from tools.errors import InvalidArgument
from web.auth.access_tokens import user_for_token
from web.context import tool_context
from web.errors import error_body
from web.state import WebState

log = logging.getLogger("fast_genai.web.mcp")

MCP_PATH = "/mcp"
WORKSPACE_PARAM = "workspace"
WORKSPACE_HEADER = "X-Fast-Genai-Workspace"


def requested_workspace(request: HTTPConnection) -> str | None:
    """The workspace the client names in the query or the header (``None``: not named)."""
    from_query = request.query_params.get(WORKSPACE_PARAM, "").strip()
    from_header = request.headers.get(WORKSPACE_HEADER, "").strip()
    if from_query and from_header and from_query != from_header:
        raise InvalidArgument(
            f"two workspaces named: {from_query!r} in the URL, {from_header!r} in the "
            f"{WORKSPACE_HEADER} header",
            hint="name one, or the same in both",
        )
    return from_query or from_header or None


@dataclass(frozen=True)
class UserTokenVerifier:
    """``TokenVerifier`` over the ``access_token`` table."""

    state: WebState

    async def verify(self, token: str, request: HTTPConnection) -> Principal | None:
        user = await user_for_token(self.state.db, token)
        if user is None:
            return None
        workspaces = self.state.workspaces
        names = workspaces.names_for(user)
        if not names:
            log.warning("MCP: user %s may use no workspace; refusing the token", user.id)
            return None
        default = workspaces.default if workspaces.default in names else names[0]
        name = requested_workspace(request) or default
        # a name that is unknown or not the user's raises NotFound (404, their names in it)
        return Principal(user_id=str(user.id), context=await tool_context(self.state, user, name))


@dataclass
class McpMount:
    """The ``/mcp`` endpoint; each run of the app's lifespan serves a fresh MCP app.

    The SDK's session manager runs once per instance, while an app's lifespan may run several
    times (test clients, a restarted server in one process): ``lifespan()`` builds a new one.
    Outside a lifespan the endpoint answers 503.
    """

    build: Callable[[], McpHttpApp]
    current: McpHttpApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mcp = self.current
        if mcp is None:
            response = JSONResponse(
                error_body("unavailable", "the MCP endpoint is not running"), status_code=503
            )
            await response(scope, receive, send)
            return
        await mcp.endpoint(scope, receive, send)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        mcp = self.build()
        async with mcp.lifespan():
            self.current = mcp
            try:
                yield
            finally:
                self.current = None


def mount_mcp(
    app: FastAPI,
    state: WebState,
    *,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
) -> McpMount:
    """Serve MCP at ``/mcp``; the caller enters the returned mount's ``lifespan()``."""

    def build() -> McpHttpApp:
        return create_mcp_app(
            UserTokenVerifier(state),
            specs=state.tools.values(),
            allowed_hosts=allowed_hosts,
            allowed_origins=allowed_origins,
            summary_model=LazySummaryModel(),
        )

    mount = McpMount(build)
    route = Route(MCP_PATH, endpoint=mount, methods=MCP_METHODS, include_in_schema=False)
    app.router.routes.append(route)
    return mount
