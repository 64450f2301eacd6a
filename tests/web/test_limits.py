"""Per-user limits on chat and runs: the request rate (in memory, and in Redis shared by two
server instances) and the daily token quota; both answer 429 with a clear message and
Retry-After, the chat before its stream starts."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from agent.settings import AgentSettings
from tests.web.conftest import Person, register, user_message
from tests.web.scripted_model import scripted_model
from tools.registry import TOOLS
from web.app import create_app
from web.limits import tokens_today
from web.models import Usage
from web.runs.durable import build_durable_agent
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis(url: str = REDIS_URL) -> None:
    """Skip when the local Redis is not running; fail instead in CI (every test must run)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        message = f"Redis is not reachable at {url}"
        if os.environ.get("FAST_GENAI_REQUIRE_EXTERNAL") == "1":
            pytest.fail(f"{message}, and CI requires every test to run")
        pytest.skip(message)


async def _serve(settings: WebSettings) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    agent = build_durable_agent(AgentSettings(), model=scripted_model(), tools=TOOLS)
    app = create_app(settings, tools=TOOLS, agent=agent)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client, app


async def _run(client: httpx.AsyncClient, person: Person, text: str = "hello") -> httpx.Response:
    return await client.post("/api/v1/run", json={"instruction": text}, headers=person.headers)


async def _chat(client: httpx.AsyncClient, person: Person, chat_id: str) -> httpx.Response:
    body = {"id": chat_id, "trigger": "submit-message", "messages": [user_message("hi")]}
    return await client.post("/api/v1/chat", json=body, headers=person.headers)


def _assert_limited(response: httpx.Response, words: str, most_seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert words in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= most_seconds


async def test_rate_limit_per_user_in_memory(web_settings: WebSettings) -> None:
    settings = web_settings.model_copy(update={"rate_limit": "3/minute"})
    async for client, _app in _serve(settings):
        alice = await register(client, "alice@example.org")
        bob = await register(client, "bob@example.org")
        for _ in range(2):
            assert (await _run(client, alice)).status_code == 200
        assert (await _chat(client, alice, str(uuid.uuid4()))).status_code == 200
        refused_run = await _run(client, alice)
        _assert_limited(refused_run, "the limit is 3 per minute", 60)
        chat_id = str(uuid.uuid4())
        refused_chat = await _chat(client, alice, chat_id)
        _assert_limited(refused_chat, "too many chat messages and runs", 60)
        # nothing was stored for the refused chat
        gone = await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)
        assert gone.status_code == 404
        # another user has a count of their own
        assert (await _run(client, bob)).status_code == 200


async def test_no_rate_limit_when_the_setting_is_empty(web_settings: WebSettings) -> None:
    async for client, _app in _serve(web_settings):  # the fixture sets rate_limit=""
        alice = await register(client, "alice@example.org")
        for _ in range(25):
            assert (await _run(client, alice)).status_code == 200


def test_a_bad_rate_limit_setting_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a rate limit"):
        WebSettings(rate_limit="twenty a minute")
    assert WebSettings(rate_limit="5/second; 100/hour").rate_limit == "5/second; 100/hour"
    with pytest.raises(ValidationError, match="not a rate-limit storage"):
        WebSettings(rate_limit_storage="mongodb://127.0.0.1")


async def test_rate_limit_in_redis_is_shared_by_two_instances(web_settings: WebSettings) -> None:
    require_redis()
    settings = web_settings.model_copy(
        update={"rate_limit": "2/minute", "rate_limit_storage": REDIS_URL}
    )
    async for first, _app in _serve(settings):
        alice = await register(first, "alice@example.org")
        async for second, _other in _serve(settings):  # same database, same Redis
            assert (await _run(first, alice)).status_code == 200
            assert (await _run(second, alice)).status_code == 200
            _assert_limited(await _run(first, alice), "the limit is 2 per minute", 60)
            _assert_limited(await _chat(second, alice, str(uuid.uuid4())), "too many", 60)


async def test_unreachable_redis_does_not_stop_the_service(
    web_settings: WebSettings, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = web_settings.model_copy(
        update={"rate_limit": "1/minute", "rate_limit_storage": f"redis://127.0.0.1:{port}/0"}
    )
    async for client, _app in _serve(settings):
        alice = await register(client, "alice@example.org")
        assert (await _run(client, alice)).status_code == 200
        assert (await _run(client, alice)).status_code == 200
    assert "rate limit not enforced" in caplog.text


async def test_daily_token_quota(web_settings: WebSettings) -> None:
    settings = web_settings.model_copy(update={"daily_token_quota": 60})
    async for client, app in _serve(settings):
        alice = await register(client, "alice@example.org")
        bob = await register(client, "bob@example.org")
        first = await _run(client, alice)
        assert first.status_code == 200, first.text
        used = first.json()["usage"]
        assert used["input_tokens"] + used["output_tokens"] > 0
        while (await tokens_today(app.state.web.db, alice.id)) < 60:
            assert (await _run(client, alice, "hello " * 20)).status_code == 200
        refused = await _run(client, alice)
        _assert_limited(refused, "daily token quota is used up", 24 * 3600)
        assert "of 60 tokens today" in refused.json()["error"]["message"]
        assert "midnight UTC" in refused.json()["error"]["hint"]
        _assert_limited(await _chat(client, alice, str(uuid.uuid4())), "quota", 24 * 3600)
        assert (await _run(client, bob)).status_code == 200  # Bob's own quota


async def test_only_todays_usage_counts(web_settings: WebSettings) -> None:
    async for client, app in _serve(web_settings):
        alice = await register(client, "alice@example.org")
        now = datetime.now(UTC)
        async with app.state.web.db.write() as session:
            session.add(
                Usage(
                    user_id=alice.id,
                    input_tokens=1000,
                    output_tokens=5,
                    created_at=now - timedelta(days=1, minutes=1),
                )
            )
            session.add(Usage(user_id=alice.id, input_tokens=30, output_tokens=12, created_at=now))
        assert await tokens_today(app.state.web.db, alice.id) == 42


async def test_the_start_up_report_tells_the_limits_without_the_redis_password(
    web_settings: WebSettings,
) -> None:
    from web.startup import report

    settings = web_settings.model_copy(
        update={
            "rate_limit": "5/minute",
            "rate_limit_storage": "redis://:hunter2@127.0.0.1:6379/0",
            "daily_token_quota": 5000,
        }
    )
    async for _client, app in _serve(settings):
        facts, _problems = report(app.state.web, host="127.0.0.1", port=8000)
        text = "\n".join(facts)
        assert "rate 5/minute per user in redis://127.0.0.1:6379; daily tokens 5000" in text
        assert "hunter2" not in text
        assert "PUT /api/v1/integrations/" in text
        [mcp] = [line for line in facts if line.startswith("MCP:")]
        assert "http://127.0.0.1:8000/mcp " in mcp
        assert "access token from POST /api/v1/tokens" in mcp
