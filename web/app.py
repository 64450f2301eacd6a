"""The FastAPI app factory: ``create_app(settings) -> FastAPI``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from tools.settings import ToolSettings, server_tool_settings
from tools.spec import ToolSpec
from web.db import Database
from web.errors import install_error_handlers
from web.limits import close_rate_limiter
from web.middleware import BodyLimit, HeaderLimit, RequestLog
from web.page import install_page
from web.settings import WebSettings
from web.state import WebState
from web.telemetry import install_telemetry
from web.workspaces import Workspaces

log = logging.getLogger("fast_genai.web")

API = "/api/v1"


def create_app(
    settings: WebSettings | None = None,
    *,
    tool_settings: ToolSettings | None = None,
    tools: Iterable[ToolSpec] | None = None,
    agent: Any = None,
    allowed_hosts: Iterable[str] = (),
) -> FastAPI:
    """The web app. ``tools`` defaults to the registry; ``agent`` to ``agent.build_agent``.

    ``allowed_hosts``: Host header values ``/mcp`` accepts beyond loopback names and
    ``FAST_GENAI_MCP_ALLOWED_HOSTS`` (the address ``serve`` binds, for example).
    """
    from mcp_server.settings import McpSettings
    from web.auth.oauth.routes import install_oauth
    from web.mcp_mount import mount_mcp
    from web.routes import approvals, chat, conversations, health, runs, tokens, tool_calls, users
    from web.routes import integrations as integrations_routes

    settings = settings or WebSettings()
    tool_settings = server_tool_settings(tool_settings or ToolSettings())
    if tools is None:
        from tools.registry import TOOLS

        tools = TOOLS
    state = WebState(
        settings=settings,
        tool_settings=tool_settings,
        db=Database.connect(settings.database_url, pool=settings.pool()),
        workspaces=Workspaces.open(
            settings.workspaces,
            settings.workspace_readers,
            allow_secrets=tool_settings.allow_secret_files,
            allow_hardlinks=tool_settings.allow_hardlinked_files,
        ),
        tools={spec.name: spec for spec in tools},
        agent=agent,
    )
    for problem in state.workspaces.problems:
        log.warning(problem)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from web.runs import engine

        engine.launch(state)  # recovers this executor's unfinished runs
        try:
            async with mcp.lifespan():
                yield
        finally:
            engine.shutdown()
            await close_rate_limiter(state)
            await state.db.close()

    # FastAPIOffline: Swagger UI (/docs) and ReDoc (/redoc) from assets bundled in the package,
    # served under /static-offline-docs, instead of a CDN (blank pages offline)
    app = FastAPIOffline(
        title="fast-genai",
        summary="A Gemini-backed agent with typed code and integration tools.",
        version="0.1.0",
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url=f"{API}/openapi.json",
        lifespan=lifespan,
    )
    app.state.web = state
    app.state.db = state.db
    app.state.settings = settings
    app.state.secret = settings.resolved_secret(tool_settings.data_dir)

    install_error_handlers(app)
    app.include_router(health.router)
    for router in (
        users.router,
        tool_calls.router,
        approvals.router,
        conversations.router,
        chat.router,
        runs.router,
        tokens.router,
        integrations_routes.router,
    ):
        app.include_router(router, prefix=API)
    mcp_settings = McpSettings()
    mcp = mount_mcp(
        app,
        state,
        allowed_hosts=[*mcp_settings.mcp_allowed_hosts, *allowed_hosts],
        allowed_origins=[*mcp_settings.mcp_allowed_origins, *settings.cors_origins],
    )
    install_oauth(app)
    install_page(app)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLog)
    app.add_middleware(HeaderLimit, max_bytes=settings.max_header_bytes)
    install_telemetry(app, settings)  # off unless OTEL_EXPORTER_OTLP_ENDPOINT / FAST_GENAI_METRICS
    return app
