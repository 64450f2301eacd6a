"""200 concurrent streamed chats against one real ``fast-genai serve`` with the default pool
settings and a zero-latency fake model at the wire, on SQLite and on PostgreSQL (a cluster of the
test's own with PostgreSQL's default ``max_connections`` of 100, so the default pools must fit
in it): every answer streams to its end, none ends in an error part, every conversation and
message is stored and no conversation is left ``running``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import sse_chunks, user_message
from tests.web.test_db_faults_processes import Cluster, _login, serve

pytestmark = pytest.mark.slow

CHATS = 200


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if request.param == "sqlite":
        yield ""
        return
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.remove()


async def _one(client: httpx.AsyncClient, headers: dict[str, str], chat_id: str) -> str:
    body = {"id": chat_id, "messages": [user_message(f"hello {chat_id}")]}
    async with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
        text = (await response.aread()).decode()
        if response.status_code != 200:
            return f"{response.status_code}: {text[:200]}"
    chunks = sse_chunks(text)
    if not chunks or chunks[-1] != {"type": "[DONE]"}:
        return f"unfinished: {text[-200:]}"
    if any(c["type"] == "error" for c in chunks):
        return f"error part: {text[-300:]}"
    answer = "".join(c.get("delta", "") for c in chunks if c["type"] == "text-delta")
    return "" if answer == "All fine here." else f"wrong answer: {answer!r}"


async def _all(url: str, headers: dict[str, str], ids: list[str]) -> list[str]:
    limits = httpx.Limits(max_connections=CHATS, max_keepalive_connections=CHATS)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        return await asyncio.gather(*(_one(client, headers, chat_id) for chat_id in ids))


def test_200_concurrent_streamed_chats(
    database: str,
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    tmp_path: Path,
) -> None:
    gemini.script(*[Reply.text("All fine here.", chunks=3) for _ in range(CHATS)])
    env = {"GEMINI_API_KEY": "test-key", "FAST_GENAI_RATE_LIMIT": ""}
    if database:
        env["DATABASE_URL"] = database
    server = serve(workspace, tmp_path / "serve.log", env)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            headers = _login(client)
            ids = [str(uuid.uuid4()) for _ in range(CHATS)]
            failures = [f for f in asyncio.run(_all(server.url, headers, ids)) if f]
            assert failures == [], f"{len(failures)} of {CHATS} failed, e.g. {failures[:3]}"
            listing: dict[str, Any] = client.get(
                "/api/v1/conversations", params={"limit": 100}, headers=headers
            ).json()
            assert listing["total"] == CHATS
            for chat_id in ids[:: CHATS // 20]:  # a sample of them, in full
                detail = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
                assert detail["status"] == "idle"
                roles = [m["role"] for m in detail["messages"]]
                assert roles == ["user", "assistant"], roles
            statuses = {
                item["status"]
                for offset in range(0, CHATS, 100)
                for item in client.get(
                    "/api/v1/conversations",
                    params={"limit": 100, "offset": offset},
                    headers=headers,
                ).json()["items"]
            }
            assert statuses == {"idle"}
    finally:
        server.stop()
    assert "Internal Server Error" not in server.log.read_text()
