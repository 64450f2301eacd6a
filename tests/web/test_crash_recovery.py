"""kill -9 of a real ``fast-genai serve`` mid-run, then a restart: the run engine (DBOS) resumes
the turn from its last checkpoint; it finishes once, stored once, and a write that ran is not
run again. The fake Gemini lives in the test process, so it outlives the killed server."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import sse_chunks, user_message
from tests.web.test_serve_e2e import Server, login

pytestmark = pytest.mark.slow


@pytest.fixture
def env(gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> FakeGemini:  # noqa: F811
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    monkeypatch.setenv("FAST_GENAI_EXECUTOR_ID", "crash-test-executor")  # same after restart
    monkeypatch.setenv("FAST_GENAI_MAX_RETRIES", "0")
    return gemini


def _kill_when(server: Server, response: httpx.Response, deltas: int) -> int:
    """Read the stream until ``deltas`` text deltas arrived, then kill -9 the server."""
    seen = 0
    for line in response.iter_lines():
        if '"text-delta"' in line:
            seen += 1
        if seen >= deltas:
            server.process.kill()
            server.process.wait()
            break
    return seen


def _settled(client: httpx.Client, headers: dict[str, str], chat_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
        if body["status"] != "running":
            return body
        time.sleep(0.2)
    pytest.fail(f"the recovered run did not finish: {body}")


def _texts(body: dict[str, Any], role: str) -> list[str]:
    return [
        "".join(p.get("text", "") for p in m["parts"] if p["type"] == "text")
        for m in body["messages"]
        if m["role"] == role
    ]


def test_killed_mid_answer_the_restarted_server_finishes_the_turn_once(
    env: FakeGemini, workspace: Path, tmp_path: Path
) -> None:
    fake = env
    slow = " ".join(f"word{i}" for i in range(100))
    fake.script(Reply.text(slow, chunks=50, delay=0.1), Reply.text("The whole answer.", chunks=2))
    first = Server(workspace, tmp_path / "first.log")
    first.wait_ready()
    chat_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=30) as client:
        headers = login(client, "crash@example.org")
        body = {"id": chat_id, "messages": [user_message("tell me everything")]}
        with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
            assert response.status_code == 200
            assert _kill_when(first, response, 5) == 5
    first.stop()

    second = Server(workspace, tmp_path / "second.log")
    try:
        second.wait_ready()
        with httpx.Client(base_url=second.url, timeout=30) as client:
            token = client.post(
                "/api/v1/auth/jwt/login",
                data={"username": "crash@example.org", "password": "s3cret-pass!"},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            done = _settled(client, headers, chat_id)
            assert done["status"] == "idle", done
            assert _texts(done, "user") == ["tell me everything"]
            assert _texts(done, "assistant") == ["The whole answer."]
            assert [s["status"] for s in done["stored"]] == ["complete", "complete"]
            assert fake.pending == 0
            assert len(fake.requests) == 2  # the interrupted request, and the one redone
    finally:
        second.stop()


def test_killed_after_an_approved_write_the_write_is_not_run_again(
    env: FakeGemini, workspace: Path, tmp_path: Path
) -> None:
    fake = env
    fake.script(Reply.calls(("create_file", {"path": "once.txt", "content": "written once"})))
    first = Server(workspace, tmp_path / "first.log")
    first.wait_ready()
    chat_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=30) as client:
        headers = login(client, "writer@example.org")
        paused = client.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("write it")]},
            headers=headers,
        )
        request = next(c for c in sse_chunks(paused.text) if c["type"] == "tool-approval-request")
        fake.script(
            Reply.text(" ".join(f"w{i}" for i in range(100)), chunks=50, delay=0.1),
            Reply.text("Written.", chunks=1),
        )
        approval = {
            "id": "a1",
            "role": "assistant",
            "parts": [
                {
                    "type": "tool-create_file",
                    "toolCallId": request["toolCallId"],
                    "state": "approval-responded",
                    "input": {},
                    "approval": {"id": request["approvalId"], "approved": True},
                }
            ],
        }
        body = {"id": chat_id, "messages": [approval]}
        with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
            assert response.status_code == 200
            _kill_when(first, response, 3)  # the write ran; the model is answering
    first.stop()
    assert (workspace / "once.txt").read_text() == "written once"

    second = Server(workspace, tmp_path / "second.log")
    try:
        second.wait_ready()
        with httpx.Client(base_url=second.url, timeout=30) as client:
            token = client.post(
                "/api/v1/auth/jwt/login",
                data={"username": "writer@example.org", "password": "s3cret-pass!"},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            done = _settled(client, headers, chat_id)
            assert done["status"] == "idle", done
            assert done["pending_approvals"] == []
            assert _texts(done, "assistant")[-1] == "Written."
            # The redone model request saw the checkpointed tool result (success), not a
            # second create_file call refused because the file exists.
            [result] = fake.requests[-1].function_responses
            assert result["name"] == "create_file"
            assert "already" not in str(result).lower()
            assert fake.pending == 0 and len(fake.requests) == 3
            replay = client.post("/api/v1/chat", json=body, headers=headers)
            assert replay.status_code == 409
    finally:
        second.stop()
    assert (workspace / "once.txt").read_text() == "written once"
