"""``install_telemetry(app, settings)``: wire tracing and metrics into an app, when enabled."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from web.settings import WebSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from web.telemetry.metrics import Metrics


@dataclass
class Telemetry:
    """What was switched on; ``shutdown()`` flushes the exporter and undoes the agent hook."""

    provider: TracerProvider
    metrics: Metrics | None
    stopped: bool = False

    def shutdown(self) -> None:
        """Idempotent: the app's lifespan and a test may both call it."""
        from pydantic_ai import Agent

        if self.stopped:
            return
        self.stopped = True
        Agent.instrument_all(False)
        self.provider.shutdown()


def install_telemetry(
    app: FastAPI, settings: WebSettings, *, exporter: SpanExporter | None = None
) -> Telemetry | None:
    """Tracing when ``settings.otlp_endpoint`` (or ``exporter``, for tests) is set; metrics when
    ``settings.metrics``. ``None``, and no import of the SDKs, when neither is on."""
    tracing = exporter is not None or bool(settings.otlp_endpoint)
    if not tracing and not settings.metrics:
        return None
    from pydantic_ai import Agent
    from pydantic_ai.models.instrumented import InstrumentationSettings

    provider = _provider(settings, exporter)
    metrics = None
    if settings.metrics:
        from web.telemetry.metrics import HttpMetrics, Metrics, SpanMetrics, install_metrics_route

        metrics = Metrics.create()
        provider.add_span_processor(SpanMetrics(metrics))
        app.add_middleware(HttpMetrics, metrics=metrics)
        install_metrics_route(app, metrics, settings)
    if tracing:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=provider, excluded_urls="/healthz,/readyz,/metrics"
        )
    # every agent of this process reports runs, model requests and tool calls to the provider
    Agent.instrument_all(
        InstrumentationSettings(
            tracer_provider=provider,
            include_content=settings.telemetry_content,
            include_binary_content=False,
        )
    )
    telemetry = Telemetry(provider, metrics)
    _shutdown_with_app(app, telemetry)
    app.state.telemetry = telemetry
    return telemetry


def _provider(settings: WebSettings, exporter: SpanExporter | None) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME", "fast-genai")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # like the SDK does with the variable: the traces path is appended to the base URL
        # (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read by the exporter, names a full URL instead)
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or (
            settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        )
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def _shutdown_with_app(app: FastAPI, telemetry: Telemetry) -> None:
    """Run the app's own lifespan, then flush and close the telemetry."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        try:
            async with inner(application) as state:
                yield state
        finally:
            telemetry.shutdown()

    app.router.lifespan_context = lifespan
