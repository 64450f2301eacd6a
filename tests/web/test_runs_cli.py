"""``fast-genai runs list|cancel`` beside a real ``serve``: the operator sees a running turn with
its conversation, user and executor, and cancels it from another process."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import user_message
from tests.web.serve_processes import FAST_GENAI, Server, login

pytestmark = pytest.mark.slow


def runs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FAST_GENAI, "runs", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_list_and_cancel_a_running_turn(
    gemini: FakeGemini,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    workspace: Path,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    monkeypatch.setenv("FAST_GENAI_EXECUTOR_ID", "operator-test")
    gemini.script(Reply.text(" ".join(f"w{i}" for i in range(400)), chunks=200, delay=0.1))
    server = Server(workspace, tmp_path / "serve.log")
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            headers = login(client, "ops@example.org")
            chat_id = str(uuid.uuid4())
            body = {"id": chat_id, "messages": [user_message("long one")]}

            def stream() -> None:
                with httpx.Client(base_url=server.url, timeout=60) as own:
                    own.post("/api/v1/chat", json=body, headers=headers)

            reader = threading.Thread(target=stream)
            reader.start()
            deadline = time.monotonic() + 20
            url = f"/api/v1/conversations/{chat_id}"
            while client.get(url, headers=headers).json().get("status") != "running":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            listed = runs("list")
            assert listed.returncode == 0, listed.stderr
            [line] = [line for line in listed.stdout.splitlines() if chat_id in line]
            run_id, status = line.split()[:2]
            assert status == "PENDING"
            assert "ops@example.org" in line and "operator-test" in line and " chat " in line
            cancelled = runs("cancel", run_id)
            assert cancelled.returncode == 0, cancelled.stderr
            reader.join(30)
            detail = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
            assert detail["status"] == "cancelled"
            assert detail["messages"][-1]["role"] == "assistant"  # what was said is kept
            again = runs("cancel", run_id)
            assert again.returncode == 2 and "not active" in again.stderr
    finally:
        server.stop()
