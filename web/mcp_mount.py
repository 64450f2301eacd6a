"""``/mcp`` on the web app: the MCP server over streamable HTTP, authenticated by users' tokens.

Each request carries ``Authorization: Bearer fg_...`` (a token from ``POST /api/v1/tokens``) or
an OAuth access token ``fga_...`` (``web.auth.oauth``: what MCP clients that follow the MCP
authorization spec obtain by themselves); the verifier maps it to its user and the tool context
the web API's direct tool calls use for that user (a workspace, their credentials, the database
write record with ``actor`` = user id).

The workspace is the one the client names, ``/mcp?workspace=NAME`` or the header
``X-Fast-Genai-Workspace: NAME``, else the server's default if the user may use it, else the
first one they may. A workspace that is unknown or not theirs answers 404 (as in the web API),
two different names 422, both as ``{"error": {"code", "message", "hint"}}``. A missing, unknown
or revoked token gets 401 with ``WWW-Authenticate`` naming the protected-resource metadata
(``resource_metadata``, RFC 9728), before any workspace is looked at; a
foreign ``Host``/``Origin`` 421/403 (DNS-rebinding protection).
"""

from __future__ import annotations

import dataclasses
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
from tools.errors import InvalidArgument, NotFound
from web.auth.access_tokens import user_for_token
from web.auth.oauth.provider import grant_for_access, is_oauth_access_token, writes_allowed
from web.auth.oauth.urls import MCP_PATH, OAuthUnavailable, same_resource, urls_for
from web.context import tool_context
from web.errors import error_body
from web.models import User
from web.state import WebState

log = logging.getLogger("fast_genai.web.mcp")

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
    """``TokenVerifier`` over the ``access_token`` table and the OAuth grants.

    An OAuth access token (``fga_``) must be unexpired and bound to this server's ``/mcp``
    (RFC 8707); it reaches only the workspaces its user consented to, and without the
    ``mcp:write`` scope it is read-only."""

    state: WebState

    async def verify(self, token: str, request: HTTPConnection) -> Principal | None:
        if is_oauth_access_token(token):
            return await self._oauth(token, request)
        user = await user_for_token(self.state.db, token)
        if user is None:
            return None
        return await self._principal(user, request, self.state.workspaces.names_for(user))

    async def _oauth(self, token: str, request: HTTPConnection) -> Principal | None:
        grant = await grant_for_access(self.state.db, token)
        if grant is None:
            return None
        try:
            expected = urls_for(request).resource
        except OAuthUnavailable:
            return None
        if not same_resource(grant.resource, expected):
            log.warning("MCP: a token for %s was presented to %s", grant.resource, expected)
            return None
        async with self.state.db.sessions() as session:
            user = await session.get(User, grant.user_id)
        if user is None or not user.is_active:
            return None
        names = [n for n in self.state.workspaces.names_for(user) if n in grant.workspaces]
        requested = requested_workspace(request)
        if requested is not None and requested not in names:
            raise NotFound(
                f"this authorization does not cover workspace {requested!r}",
                hint=f"it covers: {', '.join(names) or 'none'}; authorize again to add it",
            )
        principal = await self._principal(user, request, names)
        if principal is None:
            return None
        return dataclasses.replace(principal, read_only=not writes_allowed(grant.scopes))

    async def _principal(
        self, user: User, request: HTTPConnection, names: list[str]
    ) -> Principal | None:
        if not names:
            log.warning("MCP: user %s may use no workspace; refusing the token", user.id)
            return None
        workspaces = self.state.workspaces
        default = workspaces.default if workspaces.default in names else names[0]
        name = requested_workspace(request) or default
        # a name that is unknown or not the user's raises NotFound (404, their names in it)
        return Principal(user_id=str(user.id), context=await tool_context(self.state, user, name))


def resource_metadata_url(request: HTTPConnection) -> str | None:
    """Where OAuth clients find this resource's metadata (RFC 9728), for 401 answers."""
    try:
        return urls_for(request).resource_metadata
    except OAuthUnavailable:
        return None


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
            resource_metadata=resource_metadata_url,
        )

    mount = McpMount(build)
    route = Route(MCP_PATH, endpoint=mount, methods=MCP_METHODS, include_in_schema=False)
    app.router.routes.append(route)
    return mount
