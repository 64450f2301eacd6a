"""``fast-genai serve`` as a user meets it: a real uvicorn process, SQLite, the fake Gemini.

Register, log in, chat with streamed answers, approve a write, list conversations; and without a
model key, the server still starts and says what is missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import sse_chunks, user_message
from tests.web.serve_processes import Server, login


@pytest.fixture
def serve(workspace: Path, tmp_path: Path) -> Iterator[Server]:
    server = Server(workspace, tmp_path / "serve.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def with_key(gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> FakeGemini:  # noqa: F811
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    return gemini


def test_register_login_chat_approve_list(
    with_key: FakeGemini, serve: Server, workspace: Path
) -> None:
    fake = with_key
    with httpx.Client(base_url=serve.url, timeout=30) as client:
        headers = login(client, "person@example.org")
        chat_id = str(uuid.uuid4())

        fake.script(Reply.text("Hello from the fake Gemini.", chunks=4))
        arrived: list[str] = []
        with client.stream(
            "POST",
            "/api/v1/chat",
            json={"id": chat_id, "trigger": "submit-message", "messages": [user_message("hi")]},
            headers=headers,
        ) as response:
            assert response.status_code == 200
            assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
            for line in response.iter_lines():
                arrived.append(line)
        chunks = sse_chunks("\n".join(arrived))
        deltas = [c["delta"] for c in chunks if c["type"] == "text-delta"]
        assert len(deltas) >= 2  # streamed in pieces
        assert "".join(deltas) == "Hello from the fake Gemini."

        fake.script(
            Reply.calls(("create_file", {"path": "from-chat.txt", "content": "approved text"}))
        )
        paused = client.post(
            "/api/v1/chat",
            json={
                "id": chat_id,
                "trigger": "submit-message",
                "messages": [user_message("write the file", "m2")],
            },
            headers=headers,
        )
        request = next(c for c in sse_chunks(paused.text) if c["type"] == "tool-approval-request")
        assert not (workspace / "from-chat.txt").exists()

        fake.script(Reply.text("Done: the file is written."))
        approval = [
            {
                "id": "a1",
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool-create_file",
                        "toolCallId": request["toolCallId"],
                        "state": "approval-responded",
                        "input": {"path": "from-chat.txt", "content": "approved text"},
                        "approval": {"id": request["approvalId"], "approved": True},
                    }
                ],
            }
        ]
        resumed = client.post(
            "/api/v1/chat",
            json={"id": chat_id, "trigger": "submit-message", "messages": approval},
            headers=headers,
        )
        assert resumed.status_code == 200
        resumed_chunks = sse_chunks(resumed.text)
        assert any(c["type"] == "tool-output-available" for c in resumed_chunks)
        assert (workspace / "from-chat.txt").read_text() == "approved text"
        tool_result = fake.requests[-1].function_responses
        assert tool_result and tool_result[0]["name"] == "create_file"

        listing = client.get("/api/v1/conversations", headers=headers).json()
        assert listing["total"] == 1
        assert listing["items"][0]["id"] == chat_id
        assert listing["items"][0]["title"] == "hi"


def test_starts_without_a_model_key_and_says_what_is_missing(
    serve: Server, workspace: Path
) -> None:
    text = serve.log.read_text()
    assert "GEMINI_API_KEY" in text
    assert str(workspace) in text
    assert (
        f"MCP:        {serve.url}/mcp  (clients send an access token from POST /api/v1/tokens"
        in text
    )
    with httpx.Client(base_url=serve.url, timeout=30) as client:
        headers = login(client, "nokey@example.org")
        refused = client.post(
            "/api/v1/chat",
            json={"id": "c", "trigger": "submit-message", "messages": [user_message("hi")]},
            headers=headers,
        )
        assert refused.status_code == 424
        assert "GEMINI_API_KEY" in refused.json()["error"]["message"]
        tools = client.get("/api/v1/tools", headers=headers)
        assert tools.status_code == 200


def test_a_client_that_leaves_can_reattach_and_the_answer_completes(
    with_key: FakeGemini, serve: Server
) -> None:
    fake = with_key
    words = " ".join(f"word{i}" for i in range(60))
    fake.script(Reply.text(words, chunks=30, delay=0.05))
    with httpx.Client(base_url=serve.url, timeout=30) as client:
        headers = login(client, "leaver@example.org")
        chat_id = str(uuid.uuid4())
        seen = 0
        with client.stream(
            "POST",
            "/api/v1/chat",
            json={"id": chat_id, "trigger": "submit-message", "messages": [user_message("go")]},
            headers=headers,
        ) as response:
            for line in response.iter_lines():
                if '"text-delta"' in line:
                    seen += 1
                if seen == 5:
                    break  # leave: the connection closes with the block; the turn goes on
        resumed = client.get(f"/api/v1/chat/{chat_id}/stream", headers=headers)
        assert resumed.status_code == 200, resumed.text
        chunks = sse_chunks(resumed.text)
        assert chunks[0]["type"] == "start"  # from the start of the current answer
        assert "".join(c.get("delta", "") for c in chunks if c["type"] == "text-delta") == words
        assert chunks[-1]["type"] == "[DONE]"
        detail = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
        assert detail["status"] == "idle"
        assert "".join(p.get("text", "") for p in detail["messages"][-1]["parts"]) == words
        idle = client.get(f"/api/v1/chat/{chat_id}/stream", headers=headers)
        assert idle.status_code == 204
