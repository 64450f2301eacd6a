"""Prometheus metrics on the app's own registry: HTTP requests (an ASGI middleware), agent runs,
tool calls and tokens (read from pydantic-ai's spans as they end), active streams."""

from __future__ import annotations

import ipaddress
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import iter_route_contexts
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.settings import WebSettings

TOOL_ROUTE = "/api/v1/tools/{name}"
"""The direct tool-call route; its calls count as tool calls with ``source="api"``."""


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    request_seconds: Histogram
    run_seconds: Histogram
    tool_calls: Counter
    tokens: Counter
    active_streams: Gauge

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "fast_genai_http_requests", "HTTP requests by route template and status.",
                ["method", "route", "status"], registry=registry,
            ),
            request_seconds=Histogram(
                "fast_genai_http_request_duration_seconds", "HTTP request durations.",
                ["method", "route"], registry=registry,
            ),
            run_seconds=Histogram(
                "fast_genai_agent_run_duration_seconds", "Agent run durations (chat and runs).",
                ["outcome"], registry=registry,
                buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            ),
            tool_calls=Counter(
                "fast_genai_tool_calls", "Tool calls by tool, surface (agent, api) and outcome.",
                ["tool", "source", "outcome"], registry=registry,
            ),
            tokens=Counter(
                "fast_genai_model_tokens", "Model tokens by model and direction.",
                ["model", "direction"], registry=registry,
            ),
            active_streams=Gauge(
                "fast_genai_active_streams", "Server-sent event streams open now.",
                registry=registry,
            ),
        )  # fmt: skip


class SpanMetrics(SpanProcessor):
    """Counts pydantic-ai's ``invoke_agent``, ``execute_tool`` and model-request spans."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        operation = attributes.get("gen_ai.operation.name")
        outcome = "error" if span.status.status_code is StatusCode.ERROR else "ok"
        if operation == "invoke_agent":
            seconds = ((span.end_time or 0) - (span.start_time or 0)) / 1e9
            self.metrics.run_seconds.labels(outcome).observe(seconds)
        elif operation == "execute_tool":
            tool = str(attributes.get("gen_ai.tool.name", "unknown"))
            self.metrics.tool_calls.labels(tool, "agent", outcome).inc()
        elif "gen_ai.request.model" in attributes:  # one model request
            model = str(
                attributes.get("gen_ai.response.model") or attributes["gen_ai.request.model"]
            )
            for direction in ("input", "output"):
                count = attributes.get(f"gen_ai.usage.{direction}_tokens")
                if isinstance(count, int) and count > 0:
                    self.metrics.tokens.labels(model, direction).inc(count)

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


class HttpMetrics:
    """Requests by route template (not raw path: bounded labels), durations, open SSE streams."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route, params = _route_of(scope)
        started = time.perf_counter()
        status = 500
        streaming = False

        async def watch(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/event-stream"):
                    streaming = True
                    self.metrics.active_streams.inc()
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if streaming:
                self.metrics.active_streams.dec()
            self._record(scope["method"], route, params, status, time.perf_counter() - started)

    def _record(
        self, method: str, route: str, params: dict[str, Any], status: int, seconds: float
    ) -> None:
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.request_seconds.labels(method, route).observe(seconds)
        if route == TOOL_ROUTE and method == "POST":
            tool = str(params.get("name", "unknown"))
            outcome = "ok" if status < 400 else "error"
            self.metrics.tool_calls.labels(tool, "api", outcome).inc()


def _route_of(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The template of the app route that takes this request (``/api/v1/tools/{name}``, a mount
    such as ``/static``) and its path parameters: labels stay few whatever the paths are.
    Matched before the request runs, as mounts rewrite the scope; like the OpenTelemetry FastAPI
    instrumentation does, by asking each route of the app (FastAPI's ``iter_route_contexts``
    gives included routers' routes with their full paths)."""
    for route in iter_route_contexts(getattr(scope.get("app"), "routes", ())):
        match, child = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "<unnamed>")), dict(child.get("path_params", {}))
    return "<unmatched>", {}


def install_metrics_route(app: FastAPI, metrics: Metrics, settings: WebSettings) -> None:
    """``GET /metrics``: with ``FAST_GENAI_METRICS_TOKEN``, for that bearer token only;
    without it, for loopback clients only."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def scrape(request: Request) -> Response:
        if not _may_scrape(request, token):
            return PlainTextResponse("forbidden\n", status_code=403)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", scrape, methods=["GET"], include_in_schema=False)


def _may_scrape(request: Request, token: str | None) -> bool:
    if token is not None:
        given = request.headers.get("authorization", "")
        return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
