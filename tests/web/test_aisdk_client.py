"""The official AI SDK chat client (``ai`` 7 and 6 from npm, ``tests/aisdk``) against the app
served on loopback: a write approved and continued in ONE assistant message, ``regenerate()``
and an edit (``sendMessage({text, messageId})``) replacing the answer on the server too, and the
messages the client holds matching what the server restores after a reload."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import require_program

HERE = Path(__file__).resolve().parents[1] / "aisdk"
PORT = 12611


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """The app (scripted model) under uvicorn on a loopback port, in a thread of its own."""
    config = uvicorn.Config(app, host="127.0.0.1", port=PORT, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{PORT}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _token(base: str) -> str:
    with httpx.Client(base_url=base, timeout=10) as http:
        email, password = "sdk@example.org", "s3cret-pass!"
        assert http.post("/api/v1/auth/register", json={"email": email, "password": password})
        login = http.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
        assert login.status_code == 200, login.text
        token: str = login.json()["access_token"]
        return token


def _texts(message: dict[str, Any]) -> list[str]:
    return [p["text"] for p in message["parts"] if p["type"] == "text"]


@pytest.mark.slow
@pytest.mark.parametrize("package", ["ai", "ai6"])
def test_the_ai_sdk_client_keeps_one_message_per_answer_and_regenerates(
    served: str, workspace: Path, package: str
) -> None:
    node = require_program("node")
    require_program(package, str(HERE / "node_modules" / package / "package.json"))
    token = _token(served)
    chat_id = "7d0f3c2e-58a4-4f51-9a53-3b7f1d2c6e90"
    done = subprocess.run(
        [node, str(HERE / "chat_client.mjs"), package, served, token, chat_id],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    steps = json.loads(done.stdout)["steps"]
    assert all(not step["errors"] for step in steps.values()), steps

    asked = steps["asked"]["messages"]
    assert [m["role"] for m in asked] == ["user", "assistant"]
    answer_id = asked[1]["id"]
    assert answer_id.startswith("answer-")  # the server's id, from `start`
    assert asked[1]["metadata"]["model"] == "scripted"
    approval = [d for d in steps["asked"]["data"] if d["type"] == "data-approval"]
    assert approval and approval[0]["data"]["status"] == "pending"
    # transient: seen in onData, never kept in a message
    assert [
        d["data"]["status"] for d in steps["asked"]["data"] if d["type"] == "data-conversation"
    ] == ["needs_approval"]
    assert all(p["type"] != "data-conversation" for m in asked for p in m["parts"])

    approved = steps["approved"]["messages"]
    assert [m["role"] for m in approved] == ["user", "assistant"]  # the continuation: same bubble
    assert approved[1]["id"] == answer_id
    assert any(t.startswith("create_file returned") for t in _texts(approved[1]))
    usage = approved[1]["metadata"]["usage"]
    assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
    assert (workspace / "made.txt").read_text() == "hello"

    hello = steps["hello"]["messages"]
    regenerated = steps["regenerated"]["messages"]
    assert [m["role"] for m in regenerated] == ["user", "assistant", "user", "assistant"]
    assert regenerated[3]["id"] != hello[3]["id"]
    assert _texts(regenerated[3]) == ["You said: hello there"]

    edited = steps["edited"]["messages"]
    assert [m["role"] for m in edited] == ["user", "assistant"]
    assert _texts(edited[0]) == ["edited words"] and edited[0]["id"] == asked[0]["id"]
    assert _texts(edited[1]) == ["You said: edited words"]

    # what the server restores after a reload is what the client holds
    with httpx.Client(base_url=served, timeout=10) as http:
        detail = http.get(
            f"/api/v1/conversations/{chat_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    restored = detail["messages"]
    assert [m["id"] for m in restored] == [m["id"] for m in edited]
    assert [_texts(m) for m in restored] == [_texts(m) for m in edited]
    assert len(detail["stored"]) == 2
