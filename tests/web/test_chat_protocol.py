"""The chat protocol as a stateful client needs it: one message id per answer (streamed and
restored), transient conversation data, usage and model in metadata, approval previews and
expiry, regenerate and edit replacing the stored history."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import Person, sse_chunks, user_message
from tests.web.test_chat import _approval_messages, chat, text_of
from web.runs.answer_stream import friendly_error, unexpected_failure

pytestmark = pytest.mark.anyio


def one(chunks: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [found] = [c for c in chunks if c["type"] == kind]
    return found


async def detail(client: httpx.AsyncClient, person: Person, chat_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/conversations/{chat_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def regenerate(
    client: httpx.AsyncClient,
    person: Person,
    chat_id: str,
    messages: list[dict[str, Any]],
    message_id: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"id": chat_id, "trigger": "regenerate-message", "messages": messages}
    if message_id is not None:
        body["messageId"] = message_id
    return await client.post("/api/v1/chat", json=body, headers=person.headers)


async def test_an_answer_with_an_approval_is_one_message_streamed_and_restored(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    first = sse_chunks((await chat(client, alice, chat_id, [user_message("create hi.txt")])).text)
    start = one(first, "start")
    answer_id = start["messageId"]
    assert answer_id.startswith("answer-")
    assert start["messageMetadata"] == {"model": "scripted"}
    conversation = one(first, "data-conversation")
    assert conversation["transient"] is True and conversation["id"] == "conversation"
    assert conversation["data"]["status"] == "needs_approval"
    call_id = one(first, "tool-approval-request")["toolCallId"]
    approval = one(first, "data-approval")
    assert approval["id"] == call_id
    assert approval["data"]["status"] == "pending" and approval["data"]["overwrites"] is False
    assert approval["data"]["diff"] is None and approval["data"]["problem"] is None

    second = sse_chunks(
        (
            await chat(client, alice, chat_id, _approval_messages(chat_id, call_id, approved=True))
        ).text
    )
    assert one(second, "start")["messageId"] == answer_id  # the continuation: the same message
    assert one(second, "data-conversation")["data"]["status"] == "idle"
    finish = one(second, "finish")["messageMetadata"]
    assert finish["model"] == "scripted"
    usage = finish["usage"]
    assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert one(second, "message-metadata")["messageMetadata"]["usage"] == usage
    assert (workspace / "hi.txt").read_text() == "hello"

    restored = (await detail(client, alice, chat_id))["messages"]
    assert [m["role"] for m in restored] == ["user", "assistant"]
    assistant = restored[1]
    assert assistant["id"] == answer_id
    assert assistant["metadata"]["usage"] == usage  # both runs of the answer
    assert assistant["metadata"]["model"] == "scripted"
    tool_parts = [p for p in assistant["parts"] if p["type"] == "tool-create_file"]
    assert [p["state"] for p in tool_parts] == ["output-available"]
    texts = [p["text"] for p in assistant["parts"] if p["type"] == "text"]
    assert texts and texts[-1].startswith("create_file returned")
    assert {"type": "step-start"} in assistant["parts"]
    assert not [p for p in assistant["parts"] if p["type"] == "data-conversation"]
    assert "metadata" not in restored[0] or "fast_genai_answer" not in restored[0]["metadata"]

    # the next answer has an id of its own
    third = sse_chunks((await chat(client, alice, chat_id, [user_message("hello", "m2")])).text)
    assert one(third, "start")["messageId"] not in (answer_id, None)
    restored = (await detail(client, alice, chat_id))["messages"]
    assert [m["role"] for m in restored] == ["user", "assistant", "user", "assistant"]
    assert restored[3]["id"] == one(third, "start")["messageId"]


async def test_an_overwrite_shows_the_diff_from_the_dry_run(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("hello\nthere\n")
    chat_id = str(uuid.uuid4())
    chunks = sse_chunks(
        (await chat(client, alice, chat_id, [user_message("overwrite notes.txt")])).text
    )
    data = one(chunks, "data-approval")["data"]
    assert data["tool"] == "create_file" and data["overwrites"] is True
    assert data["diff"].splitlines()[:2] == ["--- a/notes.txt", "+++ b/notes.txt"]
    assert "-there" in data["diff"].splitlines() and "+world" in data["diff"].splitlines()
    assert (workspace / "notes.txt").read_text() == "hello\nthere\n"  # a dry run only

    (workspace / "notes.txt").write_text("changed meanwhile\n")
    restored = (await detail(client, alice, chat_id))["messages"][1]
    [pending] = [p for p in restored["parts"] if p["type"] == "data-approval"]
    assert pending["data"]["status"] == "pending"
    assert "-changed meanwhile" in pending["data"]["diff"].splitlines()  # against the file now
    [tool] = [p for p in restored["parts"] if p["type"] == "tool-create_file"]
    assert tool["state"] == "approval-requested"


async def test_a_voided_approval_is_restored_as_expired_and_refused_clearly(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    first = sse_chunks((await chat(client, alice, chat_id, [user_message("create late.txt")])).text)
    call_id = one(first, "tool-approval-request")["toolCallId"]
    await chat(client, alice, chat_id, [user_message("never mind", "m2")])

    restored = await detail(client, alice, chat_id)
    assert restored["pending_approvals"] == []
    answer = restored["messages"][1]
    [tool] = [p for p in answer["parts"] if p["type"] == "tool-create_file"]
    assert tool["state"] == "output-error" and "approval" not in tool
    assert "no longer awaiting approval" in tool["errorText"]
    [expired] = [p for p in answer["parts"] if p["type"] == "data-approval"]
    assert expired["id"] == call_id and expired["data"]["status"] == "expired"

    late = await chat(client, alice, chat_id, _approval_messages(chat_id, call_id, approved=True))
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["code"] == "approval_expired"
    assert "no longer waiting for approval" in error["message"]
    assert call_id not in error["message"] + (error["hint"] or "")
    assert not (workspace / "late.txt").exists()

    unknown = await chat(
        client, alice, chat_id, _approval_messages(chat_id, "pyd_ai_x1", approved=True)
    )
    assert unknown.status_code == 409
    assert "pyd_ai" not in unknown.text


async def test_regenerate_replaces_the_last_answer_on_the_server(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    first = sse_chunks((await chat(client, alice, chat_id, [user_message("create r.txt")])).text)
    old_id = one(first, "start")["messageId"]
    call_id = one(first, "tool-approval-request")["toolCallId"]

    again = await regenerate(client, alice, chat_id, [user_message("create r.txt")])
    assert again.status_code == 200, again.text
    chunks = sse_chunks(again.text)
    new_id = one(chunks, "start")["messageId"]
    assert new_id != old_id
    restored = await detail(client, alice, chat_id)
    assert [m["role"] for m in restored["messages"]] == ["user", "assistant"]
    assert restored["messages"][1]["id"] == new_id
    assert len(restored["stored"]) == 2  # the old answer is gone from the stored history
    [pending] = restored["pending_approvals"]  # the old call expired; only the new one is held
    assert pending["tool_call_id"] == one(chunks, "tool-approval-request")["toolCallId"]
    assert pending["created_at"] > restored["stored"][0]["created_at"]
    assert call_id  # (the scripted model reuses call ids; the held row is the new one)


async def test_regenerate_an_earlier_answer_by_id_drops_what_followed(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    first = sse_chunks((await chat(client, alice, chat_id, [user_message("one", "u1")])).text)
    await chat(client, alice, chat_id, [user_message("two", "u2")])
    answer_id = one(first, "start")["messageId"]

    again = await regenerate(client, alice, chat_id, [user_message("one", "u1")], answer_id)
    assert again.status_code == 200, again.text
    assert text_of(sse_chunks(again.text)) == "You said: one"
    restored = await detail(client, alice, chat_id)
    texts = [p["text"] for m in restored["messages"] for p in m["parts"] if p["type"] == "text"]
    assert texts == ["one", "You said: one"]
    assert restored["messages"][0]["id"] == "u1"

    missing = await regenerate(client, alice, chat_id, [user_message("one", "u1")], "nope")
    assert missing.status_code == 404
    empty = await regenerate(client, alice, str(uuid.uuid4()), [user_message("x")])
    assert empty.status_code == 422
    assert "no answer to regenerate" in empty.json()["error"]["message"]


async def test_editing_a_user_message_replaces_it_and_what_followed(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    await chat(client, alice, chat_id, [user_message("first", "u1")])
    await chat(client, alice, chat_id, [user_message("second", "u2")])

    # what the AI SDK sends for sendMessage({text, messageId: "u1"})
    edited = await chat(
        client, alice, chat_id, [user_message("first, edited", "u1")], messageId="u1"
    )
    assert edited.status_code == 200, edited.text
    assert text_of(sse_chunks(edited.text)) == "You said: first, edited"
    restored = await detail(client, alice, chat_id)
    texts = [p["text"] for m in restored["messages"] for p in m["parts"] if p["type"] == "text"]
    assert texts == ["first, edited", "You said: first, edited"]
    assert restored["messages"][0]["id"] == "u1"
    assert len(restored["stored"]) == 2


async def test_an_unexpected_failure_is_told_as_a_sentence(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    response = await chat(client, alice, chat_id, [user_message("crash now")])
    assert response.status_code == 200
    error = one(sse_chunks(response.text), "error")["errorText"]
    assert "error on the server" in error
    assert "pyd_ai" not in response.text and "RuntimeError" not in response.text
    stored = await detail(client, alice, chat_id)
    assert stored["status"] == "failed"
    assert "error on the server" in stored["error"] and "pyd_ai" not in stored["error"]


def test_error_text_has_no_internal_ids() -> None:
    text = friendly_error(
        "no pending call pyd_ai_0a1b2c3d awaits a decision in "
        "chat-0b6f9a4e-1f2d-4c3b-9a8e-7d6c5b4a3f21-abcdef012345"
    )
    assert "pyd_ai" not in text and "0b6f9a4e" not in text
    assert text.startswith("no pending call (internal id) awaits")
    assert len(friendly_error("x" * 5000)) == 600
    assert friendly_error("  ") == "The answer failed. Try again."
    hidden = unexpected_failure(KeyError("pyd_ai_secret_internals"))
    assert "pyd_ai" not in str(hidden) and "error on the server" in str(hidden)
