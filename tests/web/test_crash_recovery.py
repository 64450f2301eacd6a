"""kill -9 of a real ``fast-genai serve`` mid-run, then a restart: the run engine (DBOS) resumes
the turn from its last checkpoint; it finishes once, stored once, and a write that ran is not
run again. The fake Gemini lives in the test process, so it outlives the killed server."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.fakes.notion import FakeNotion
from tests.web.conftest import sse_chunks, user_message
from tests.web.serve_processes import (
    StartServer,
    approval_parts,
    database_rows,
    kill_when,
    log_in,
    login,
    settled,
    start_server,  # noqa: F401 - the fixture
    texts,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def env(gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> FakeGemini:  # noqa: F811
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    monkeypatch.setenv("FAST_GENAI_EXECUTOR_ID", "crash-test-executor")  # same after restart
    monkeypatch.setenv("FAST_GENAI_MAX_RETRIES", "0")
    return gemini


def test_killed_mid_answer_the_restarted_server_finishes_the_turn_once(
    env: FakeGemini,
    start_server: StartServer,  # noqa: F811
) -> None:
    fake = env
    slow = " ".join(f"word{i}" for i in range(100))
    fake.script(Reply.text(slow, chunks=50, delay=0.1), Reply.text("The whole answer.", chunks=2))
    first = start_server("first")
    chat_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=30) as client:
        headers = login(client, "crash@example.org")
        body = {"id": chat_id, "messages": [user_message("tell me everything")]}
        with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
            assert response.status_code == 200
            assert kill_when(first, response, 5) == 5

    second = start_server("second")
    with httpx.Client(base_url=second.url, timeout=30) as client:
        headers = log_in(client, "crash@example.org")
        done = settled(client, headers, chat_id)
        assert done["status"] == "idle", done
        assert texts(done, "user") == ["tell me everything"]
        assert texts(done, "assistant") == ["The whole answer."]
        assert [s["status"] for s in done["stored"]] == ["complete", "complete"]
        assert fake.pending == 0
        assert len(fake.requests) == 2  # the interrupted request, and the one redone


def test_killed_after_an_approved_write_the_write_is_not_run_again(
    env: FakeGemini,
    workspace: Path,
    start_server: StartServer,  # noqa: F811
) -> None:
    fake = env
    fake.script(Reply.calls(("create_file", {"path": "once.txt", "content": "written once"})))
    first = start_server("first")
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
            kill_when(first, response, 3)  # the write ran; the model is answering
    assert (workspace / "once.txt").read_text() == "written once"

    second = start_server("second")
    with httpx.Client(base_url=second.url, timeout=30) as client:
        headers = log_in(client, "writer@example.org")
        done = settled(client, headers, chat_id)
        assert done["status"] == "idle", done
        assert done["pending_approvals"] == []
        assert texts(done, "assistant")[-1] == "Written."
        # The redone model request saw the checkpointed tool result (success), not a
        # second create_file call refused because the file exists.
        [result] = fake.requests[-1].function_responses
        assert result["name"] == "create_file"
        assert "already" not in str(result).lower()
        assert fake.pending == 0 and len(fake.requests) == 3
        replay = client.post("/api/v1/chat", json=body, headers=headers)
        assert replay.status_code == 409
    assert (workspace / "once.txt").read_text() == "written once"
    assert _stored(chat_id) == (["request", "response", "request", "response"], 1, ["approved"])


def _stored(chat_id: str) -> tuple[list[str], int, list[str]]:
    """What the database holds for the conversation: message kinds by seq, executed writes of
    create_file, held calls' statuses."""
    cid = str(uuid.UUID(chat_id))
    kinds = [
        row[0]
        for row in database_rows(
            "SELECT kind FROM message WHERE CAST(conversation_id AS TEXT) = :c ORDER BY seq", c=cid
        )
    ]
    [(writes,)] = database_rows("SELECT count(*) FROM executed_write WHERE tool = 'create_file'")
    held = [
        row[0]
        for row in database_rows(
            "SELECT status FROM pending_approval WHERE CAST(conversation_id AS TEXT) = :c", c=cid
        )
    ]
    return kinds, int(writes), held


def test_a_write_awaiting_approval_survives_kill_9_and_the_approval_resumes_it_once(
    env: FakeGemini,
    workspace: Path,
    start_server: StartServer,  # noqa: F811
) -> None:
    fake = env
    fake.script(Reply.calls(("create_file", {"path": "held.txt", "content": "held, then written"})))
    first = start_server("first")
    chat_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=30) as client:
        headers = login(client, "held@example.org")
        paused = client.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("write it")]},
            headers=headers,
        )
        request = next(c for c in sse_chunks(paused.text) if c["type"] == "tool-approval-request")
        assert settled(client, headers, chat_id)["status"] == "needs_approval"
    first.kill()  # the run waits inside its workflow; nothing of it is in memory any more
    assert _stored(chat_id) == (["request", "response"], 0, ["pending"])

    fake.script(Reply.text("Written after the restart."))
    second = start_server("second")
    with httpx.Client(base_url=second.url, timeout=30) as client:
        headers = log_in(client, "held@example.org")
        waiting = settled(client, headers, chat_id)
        assert waiting["status"] == "needs_approval"  # the recovered run waits again
        [pending] = waiting["pending_approvals"]
        assert pending["tool_call_id"] == request["toolCallId"]
        body = {"id": chat_id, "messages": [approval_parts(request)]}
        done = client.post("/api/v1/chat", json=body, headers=headers)
        assert done.status_code == 200, done.text
        said = "".join(c.get("delta", "") for c in sse_chunks(done.text) if "delta" in c)
        assert said == "Written after the restart."
        finished = settled(client, headers, chat_id)
        assert finished["status"] == "idle" and finished["pending_approvals"] == []
        assert client.post("/api/v1/chat", json=body, headers=headers).status_code == 409
    assert (workspace / "held.txt").read_text() == "held, then written"
    assert _stored(chat_id) == (["request", "response", "request", "response"], 1, ["approved"])
    assert fake.pending == 0 and len(fake.requests) == 2  # no model request redone


def test_killed_while_an_approved_notion_page_is_being_created_it_is_not_created_twice(
    env: FakeGemini,
    start_server: StartServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kill -9 while the create request is in flight: Notion receives it and creates the page,
    the server never learns. The restarted run redoes the tool step (it was not checkpointed);
    the write log holds the write's start without a result, so the step refuses to send it
    again (``write_interrupted``), and the model tells the user to check."""
    fake = env
    with FakeNotion().running() as notion:
        assert isinstance(notion, FakeNotion)
        parent = notion.add_page("Team")
        monkeypatch.setenv("NOTION_TOKEN", notion.token)
        monkeypatch.setenv("NOTION_API_URL", notion.base_url)
        monkeypatch.setenv("FAST_GENAI_SHARED_CREDENTIALS", "true")
        page = {"parent": parent, "title": "Once", "content_markdown": "Written once."}
        fake.script(Reply.calls(("create_notion_page", page)))
        first = start_server("first")
        chat_id = str(uuid.uuid4())
        with httpx.Client(base_url=first.url, timeout=30) as client:
            headers = login(client, "notion@example.org")
            paused = client.post(
                "/api/v1/chat",
                json={"id": chat_id, "messages": [user_message("make the page")]},
                headers=headers,
            )
            chunks = sse_chunks(paused.text)
            request = next(c for c in chunks if c["type"] == "tool-approval-request")
            hold = notion.hold_next("POST")
            approval = approval_parts(request, tool="create_notion_page")
            body = {"id": chat_id, "messages": [approval]}
            with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
                assert response.status_code == 200
                assert hold.arrived.wait(30), "the create request never reached Notion"
                first.kill()
        hold.release()
        assert hold.answered.wait(30)
        assert len(notion.pages()) == 1  # Notion did create it; the server never heard back
        assert _writes("create_notion_page") == [False]  # started, never completed

        answer = "The page may exist already; please check Notion."
        fake.script(Reply.text(answer))
        second = start_server("second")
        with httpx.Client(base_url=second.url, timeout=30) as client:
            headers = log_in(client, "notion@example.org")
            done = settled(client, headers, chat_id)
            assert done["status"] == "idle", done
            assert texts(done, "assistant")[-1] == answer
        [result] = fake.requests[-1].function_responses  # what the redone tool step returned
        assert result["name"] == "create_notion_page"
        assert "write_interrupted" in str(result)
        creates = [r for r in notion.requests if r.method == "POST" and r.path == "/v1/pages"]
        assert len(creates) == 1 and len(notion.pages()) == 1  # not sent, not created, again
    assert _writes("create_notion_page") == [False]
    kinds, _, held = _stored(chat_id)
    assert kinds == ["request", "response", "request", "response"] and held == ["approved"]
    assert fake.pending == 0 and len(fake.requests) == 2


def _writes(tool: str) -> list[bool]:
    """``completed`` of each write-log row of ``tool``, oldest first."""
    rows = database_rows("SELECT completed FROM executed_write WHERE tool = :t ORDER BY id", t=tool)
    return [bool(row[0]) for row in rows]
