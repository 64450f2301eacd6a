"""Two real ``fast-genai serve`` processes on one PostgreSQL database behave as one: a run
started on A is seen on B, a message to B while A streams is refused (409 run_in_progress),
a stop sent to B cancels the run A executes, keeping what was said; an approval sent to B
resumes the run waiting on A; the runs of an instance that is gone are recovered by the other."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import sse_chunks, user_message
from tests.web.serve_processes import (  # noqa: F401 - the fixtures
    FAST_GENAI,
    Server,
    approval_parts,
    database_rows,
    login,
    pair,
    shared_database,
    start_server,
)

pytestmark = pytest.mark.slow


def runs(*args: str) -> subprocess.CompletedProcess[str]:
    """``fast-genai runs ...`` as an operator runs it (the servers' environment)."""
    return subprocess.run(
        [FAST_GENAI, "runs", *args], capture_output=True, text=True, timeout=60, check=False
    )


def _status(client: httpx.Client, headers: dict[str, str], chat_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
    return body


def test_409_and_stop_across_instances(
    pair: tuple[Server, Server, FakeGemini],  # noqa: F811
) -> None:
    a, b, fake = pair
    fake.script(Reply.text(" ".join(f"word{i}" for i in range(200)), chunks=100, delay=0.05))
    chat_id = str(uuid.uuid4())
    streamed: list[str] = []
    with (
        httpx.Client(base_url=a.url, timeout=30) as on_a,
        httpx.Client(base_url=b.url, timeout=30) as on_b,
    ):
        headers = login(on_a, "two@example.org")

        def stream_on_a() -> None:
            body = {"id": chat_id, "messages": [user_message("go on A")]}
            with on_a.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
                streamed.extend(response.iter_lines())

        reader = threading.Thread(target=stream_on_a)
        reader.start()
        deadline = time.monotonic() + 20
        while sum('"text-delta"' in line for line in list(streamed)) < 3:
            assert time.monotonic() < deadline, "A did not start streaming"
            time.sleep(0.05)
        assert _status(on_b, headers, chat_id)["status"] == "running"  # seen on B
        listing = on_b.get("/api/v1/conversations", headers=headers).json()
        assert [item["id"] for item in listing["items"]] == [chat_id]

        busy = on_b.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("me too, on B", "m2")]},
            headers=headers,
        )
        assert busy.status_code == 409, busy.text
        assert busy.json()["error"]["code"] == "run_in_progress"

        stop = on_b.post(f"/api/v1/conversations/{chat_id}/stop", headers=headers)
        assert stop.json() == {"stopped": True}
        reader.join(30)
        assert not reader.is_alive()
        assert any('"abort"' in line for line in streamed)  # A's stream ended by B's stop
        detail = _status(on_a, headers, chat_id)
        assert detail["status"] == "cancelled"
        said = "".join(p.get("text", "") for p in detail["messages"][-1]["parts"])
        assert said.startswith("word0") and "word199" not in said
        users = [m for m in detail["messages"] if m["role"] == "user"]
        assert len(users) == 1  # B's refused message was not stored


def test_resume_on_b_and_approval_delivered_to_b(
    pair: tuple[Server, Server, FakeGemini],  # noqa: F811
    workspace: Path,
) -> None:
    a, b, fake = pair
    words = " ".join(f"word{i}" for i in range(40))
    fake.script(Reply.text(words, chunks=20, delay=0.05))
    chat_id = str(uuid.uuid4())
    with (
        httpx.Client(base_url=a.url, timeout=30) as on_a,
        httpx.Client(base_url=b.url, timeout=30) as on_b,
    ):
        headers = login(on_a, "resume@example.org")
        body = {"id": chat_id, "messages": [user_message("start on A")]}
        with on_a.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
            for line in response.iter_lines():
                if '"text-delta"' in line:
                    break  # A's client goes away after the first words
        resumed = on_b.get(f"/api/v1/chat/{chat_id}/stream", headers=headers)
        assert resumed.status_code == 200
        lines = [line for line in resumed.text.splitlines() if line.startswith("data: ")]
        assert json.loads(lines[0][6:])["type"] == "start"
        text = "".join(
            json.loads(line[6:]).get("delta", "") for line in lines if '"text-delta"' in line
        )
        assert text == words  # the whole answer, from its start, read on B
        assert on_b.get(f"/api/v1/chat/{chat_id}/stream", headers=headers).status_code == 204

        fake.script(Reply.calls(("create_file", {"path": "via-b.txt", "content": "from B"})))
        paused = on_a.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("write it", "m2")]},
            headers=headers,
        )
        request = next(
            json.loads(line[6:])
            for line in paused.text.splitlines()
            if '"tool-approval-request"' in line
        )
        fake.script(Reply.text("Written from B."))
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
        decided = on_b.post(
            "/api/v1/chat", json={"id": chat_id, "messages": [approval]}, headers=headers
        )
        assert decided.status_code == 200, decided.text
        said = "".join(
            json.loads(line[6:]).get("delta", "")
            for line in decided.text.splitlines()
            if '"text-delta"' in line
        )
        assert said == "Written from B."
        assert '"tool-output-available"' in decided.text
        assert (workspace / "via-b.txt").read_text() == "from B"
        replay_on_a = on_a.post(
            "/api/v1/chat", json={"id": chat_id, "messages": [approval]}, headers=headers
        )
        assert replay_on_a.status_code == 409
        assert _status(on_a, headers, chat_id)["status"] == "idle"


def test_runs_of_an_instance_that_is_gone_are_recovered_by_the_other(
    pair: tuple[Server, Server, FakeGemini],  # noqa: F811
    workspace: Path,
) -> None:
    """A waits for an approval and dies (kill -9); ``runs recover --executor instance-a`` hands
    its run to B, which waits again; the approval sent to B resumes it, once."""
    a, b, fake = pair
    fake.script(Reply.calls(("create_file", {"path": "orphan.txt", "content": "adopted"})))
    chat_id = str(uuid.uuid4())
    with (
        httpx.Client(base_url=a.url, timeout=30) as on_a,
        httpx.Client(base_url=b.url, timeout=30) as on_b,
    ):
        headers = login(on_a, "orphan@example.org")
        paused = on_a.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("write it")]},
            headers=headers,
        )
        request = next(c for c in sse_chunks(paused.text) if c["type"] == "tool-approval-request")
        a.kill()
        listed = runs("list")
        [line] = [line for line in listed.stdout.splitlines() if chat_id in line]
        run_id, status = line.split()[:2]
        assert status == "NEEDS_APPROVAL" and "instance-a" in line

        recovered = runs("recover", "--executor", "instance-a")
        assert recovered.returncode == 0, recovered.stderr
        assert recovered.stdout.split() == ["recovering", run_id]
        deadline = time.monotonic() + 30
        while "instance-b" not in next(
            line for line in runs("list").stdout.splitlines() if chat_id in line
        ):
            assert time.monotonic() < deadline, "B did not take the run over"
            time.sleep(0.5)
        again = runs("recover", "--executor", "instance-a")
        assert again.stdout.strip() == ""  # taken over already: nothing handed out twice

        fake.script(Reply.text("Adopted by B."))
        body = {"id": chat_id, "messages": [approval_parts(request)]}
        done = on_b.post("/api/v1/chat", json=body, headers=headers)
        assert done.status_code == 200, done.text
        said = "".join(c.get("delta", "") for c in sse_chunks(done.text) if "delta" in c)
        assert said == "Adopted by B."
        detail = _status(on_b, headers, chat_id)
        assert detail["status"] == "idle" and detail["pending_approvals"] == []
        assert [s["kind"] for s in detail["stored"]] == ["request", "response"] * 2
        assert on_b.post("/api/v1/chat", json=body, headers=headers).status_code == 409
    assert (workspace / "orphan.txt").read_text() == "adopted"
    [(writes,)] = database_rows("SELECT count(*) FROM executed_write WHERE tool = 'create_file'")
    assert writes == 1
