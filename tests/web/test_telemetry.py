"""Opt-in telemetry: traces (in-memory span exporter) of requests, agent runs, model requests
and tool calls without content unless enabled; a scrape of ``/metrics``; nothing when off."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from agent.settings import AgentSettings
from tests.web.conftest import Person, register, sse_chunks, user_message
from tests.web.scripted_model import scripted_model
from web.app import create_app
from web.runs.durable import build_durable_agent
from web.settings import WebSettings
from web.telemetry import Telemetry, install_telemetry

pytestmark = pytest.mark.anyio

SECRET_TEXT = "alpha-file-content-7781"
"""What the read file holds: it must not appear in any span unless content is enabled."""


def _app(settings: WebSettings) -> FastAPI:
    from tools.registry import TOOLS

    agent = build_durable_agent(AgentSettings(), model=scripted_model(), tools=TOOLS)
    return create_app(settings, tools=TOOLS, agent=agent)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


async def _client(app: FastAPI, host: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with its lifespan running (the run engine is launched in it)."""
    transport = httpx.ASGITransport(app=app, client=(host, 50000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


@pytest.fixture
def traced(web_settings: WebSettings, exporter: InMemorySpanExporter) -> Iterator[FastAPI]:
    app = _app(web_settings)
    on = web_settings.model_copy(update={"metrics": True})
    telemetry = install_telemetry(app, on, exporter=exporter)
    assert telemetry is not None
    yield app
    telemetry.shutdown()


@pytest.fixture
async def client(traced: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(traced):
        yield http


def _text_of(span: ReadableSpan) -> str:
    parts = [span.name, json.dumps(dict(span.attributes or {}), default=str)]
    parts += [json.dumps(dict(e.attributes or {}), default=str) for e in span.events]
    return "\n".join(parts)


async def _run_read(client: httpx.AsyncClient, person: Person, workspace: Path) -> None:
    (workspace / "a.txt").write_text(SECRET_TEXT + "\n")
    response = await client.post(
        "/api/v1/run", json={"instruction": "read a.txt"}, headers=person.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "done"


async def test_a_run_is_traced_without_content(
    client: httpx.AsyncClient, alice: Person, workspace: Path, exporter: InMemorySpanExporter
) -> None:
    await _run_read(client, alice, workspace)
    spans = exporter.get_finished_spans()
    by_operation: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        operation = str((span.attributes or {}).get("gen_ai.operation.name", ""))
        by_operation.setdefault(operation, []).append(span)
    http = [s for s in spans if s.name == "POST /api/v1/run"]
    assert http, [s.name for s in spans]
    [run] = by_operation["invoke_agent"]
    [tool] = by_operation["execute_tool"]
    assert (tool.attributes or {})["gen_ai.tool.name"] == "read_file"
    models = [s for s in spans if "gen_ai.request.model" in (s.attributes or {})]
    assert len(models) == 2  # the tool call, then the answer
    assert all(s.context.trace_id == run.context.trace_id for s in [tool, *models])
    leaked = [s.name for s in spans if SECRET_TEXT in _text_of(s) or "read a.txt" in _text_of(s)]
    assert not leaked, f"content in spans: {leaked}"


async def test_content_is_traced_only_when_enabled(
    web_settings: WebSettings, alice: Person, workspace: Path
) -> None:
    exporter = InMemorySpanExporter()
    app = _app(web_settings)
    telemetry = install_telemetry(
        app, web_settings.model_copy(update={"telemetry_content": True}), exporter=exporter
    )
    assert isinstance(telemetry, Telemetry) and telemetry.metrics is None
    try:
        async for http in _client(app):
            person = await register(http, "carol@example.org")
            await _run_read(http, person, workspace)
    finally:
        telemetry.shutdown()
    assert any(SECRET_TEXT in _text_of(s) for s in exporter.get_finished_spans())


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_scrape(client: httpx.AsyncClient, alice: Person, workspace: Path) -> None:
    await _run_read(client, alice, workspace)
    direct = await client.post(
        "/api/v1/tools/read_file", json={"arguments": {"path": "a.txt"}}, headers=alice.headers
    )
    assert direct.status_code == 200, direct.text
    chat = await client.post(
        "/api/v1/chat",
        json={
            "id": str(uuid.uuid4()),
            "trigger": "submit-message",
            "messages": [user_message("hi")],
        },
        headers=alice.headers,
    )
    assert chat.status_code == 200 and sse_chunks(chat.text)[-1]["type"] == "[DONE]"

    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    samples = _samples(scraped.text)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    run_labels = {"method": "POST", "route": "/api/v1/run", "status": "200"}
    assert value("fast_genai_http_requests_total", **run_labels) == 1
    assert value("fast_genai_agent_run_duration_seconds_count", outcome="ok") == 2  # run + chat
    agent_read = value(
        "fast_genai_tool_calls_total", tool="read_file", source="agent", outcome="ok"
    )
    assert agent_read == 1
    assert value("fast_genai_tool_calls_total", tool="read_file", source="api", outcome="ok") == 1
    tokens = [v for (name, labels), v in samples.items() if name == "fast_genai_model_tokens_total"]
    assert tokens and all(v > 0 for v in tokens)
    assert value("fast_genai_active_streams") == 0  # the chat stream has ended


async def test_metrics_are_refused_to_remote_clients(traced: FastAPI) -> None:
    async for http in _client(traced, host="203.0.113.9"):  # a documentation address, never dialled
        assert (await http.get("/metrics")).status_code == 403


async def test_metrics_token(web_settings: WebSettings) -> None:
    app = _app(
        web_settings.model_copy(update={"metrics": True, "metrics_token": SecretStr("scrape-me-9")})
    )
    try:
        async for http in _client(app, host="203.0.113.9"):
            assert (await http.get("/metrics")).status_code == 403
            wrong = {"Authorization": "Bearer nope"}
            assert (await http.get("/metrics", headers=wrong)).status_code == 403
            good = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-9"})
            assert good.status_code == 200 and "fast_genai_http_requests_total" in good.text
    finally:
        app.state.telemetry.shutdown()


async def test_active_streams_counts_open_event_streams() -> None:
    from web.telemetry.metrics import HttpMetrics, Metrics

    metrics = Metrics.create()
    seen: list[float] = []

    async def streaming(scope: object, receive: object, send: object) -> None:
        await send(  # type: ignore[operator]
            {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"text/event-stream")]}
        )  # fmt: skip
        seen.append(metrics.active_streams._value.get())
        await send({"type": "http.response.body", "body": b"data: x\n\n"})  # type: ignore[operator]

    async def sink(message: object) -> None:
        return None

    middleware = HttpMetrics(streaming, metrics)  # type: ignore[arg-type]
    await middleware({"type": "http", "method": "GET", "path": "/s"}, None, sink)  # type: ignore[arg-type]
    assert seen == [1.0] and metrics.active_streams._value.get() == 0


OURS_WHEN_ON = (
    "opentelemetry.sdk.trace",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation",
    "prometheus_client",
    "web.telemetry.metrics",
)
"""What telemetry imports when on. (redis-py itself imports ``opentelemetry.sdk.metrics`` when
the SDK is installed, on or off: that module is not ours to check.)"""


def test_off_by_default_imports_nothing_and_serves_no_metrics(tmp_path: Path) -> None:
    probe = f"""
import asyncio, json, sys
import httpx
from web.app import create_app
from web.runs.durable import build_durable_agent
from web.settings import WebSettings
app = create_app(WebSettings(database_url="sqlite+aiosqlite:///{tmp_path / "x.db"}"))
async def get():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return (await http.get("/metrics")).status_code
from pydantic_ai import Agent
print(json.dumps({{"metrics": asyncio.run(get()), "modules": sorted(sys.modules),
                  "instrumented": Agent._instrument_default is not False}}))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["metrics"] == 404 and result["instrumented"] is False
    heavy = [
        m for m in result["modules"]
        if m.startswith(OURS_WHEN_ON)
    ]  # fmt: skip
    assert not heavy, heavy
