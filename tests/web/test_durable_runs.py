"""Chat turns as durable workflows: history stored step by step, nothing folded or lost,
one run per conversation, the run engine's own records (in process; crash and two-instance
tests with real processes are in test_serve_e2e.py)."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from tests.web.conftest import Person, sse_chunks, user_message

pytestmark = pytest.mark.anyio


async def chat(
    client: httpx.AsyncClient, person: Person, chat_id: str, text: str, message_id: str = "m1"
) -> httpx.Response:
    return await client.post(
        "/api/v1/chat",
        json={"id": chat_id, "messages": [user_message(text, message_id)]},
        headers=person.headers,
    )


def text_of(response: httpx.Response) -> str:
    chunks = sse_chunks(response.text)
    return "".join(c.get("delta", "") for c in chunks if c["type"] == "text-delta")


async def detail(client: httpx.AsyncClient, person: Person, chat_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/conversations/{chat_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def user_texts(body: dict[str, Any]) -> list[str]:
    return [
        part["text"]
        for message in body["messages"]
        if message["role"] == "user"
        for part in message["parts"]
        if part["type"] == "text"
    ]


async def _store_dangling_request(app: FastAPI, person: Person, chat_id: str) -> None:
    """What a server killed mid-answer, or whose last database write failed, left behind:
    a conversation whose stored history ends in the user's request, with no answer."""
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    from web.models import Conversation
    from web.runs import history

    async with app.state.web.db.write() as session:
        row = Conversation(
            id=uuid.UUID(chat_id), user_id=person.id, kind="chat", workspace="default"
        )
        session.add(row)
        await session.flush()
        await history.append(
            session, row.id, [ModelRequest(parts=[UserPromptPart("first, never answered")])]
        )


async def test_a_stored_unanswered_request_does_not_swallow_the_next_message(
    app: FastAPI, client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    await _store_dangling_request(app, alice, chat_id)
    second = await chat(client, alice, chat_id, "second message", "m2")
    assert second.status_code == 200, second.text
    assert text_of(second) == "You said: second message"
    third = await chat(client, alice, chat_id, "third message", "m3")
    assert text_of(third) == "You said: third message"
    body = await detail(client, alice, chat_id)
    assert user_texts(body) == ["first, never answered", "second message", "third message"]
    assert body["status"] == "idle"


async def test_a_run_that_ran_out_of_tool_retries_does_not_swallow_the_next_message(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    ghost = await chat(client, alice, chat_id, "ghost")
    assert ghost.status_code == 200
    assert any(c["type"] == "error" for c in sse_chunks(ghost.text))
    assert (await detail(client, alice, chat_id))["status"] == "failed"
    after = await chat(client, alice, chat_id, "hello after", "m2")
    assert text_of(after) == "You said: hello after"
    later = await chat(client, alice, chat_id, "and later", "m3")
    assert text_of(later) == "You said: and later"
    body = await detail(client, alice, chat_id)
    assert user_texts(body) == ["ghost", "hello after", "and later"]


async def test_the_user_message_is_stored_before_the_answer_ends(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())
    seen: dict[str, Any] = {}

    async def run_chat() -> None:
        seen["response"] = await chat(client, alice, chat_id, "slow 60")

    async with anyio.create_task_group() as tg:
        tg.start_soon(run_chat)
        with anyio.fail_after(20):
            while True:
                await anyio.sleep(0.05)
                got = await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)
                if got.status_code == 200 and got.json()["status"] == "running":
                    seen["running"] = got.json()
                    break
    assert user_texts(seen["running"]) == ["slow 60"]
    assert text_of(seen["response"]).startswith("w0 w1")
    assert (await detail(client, alice, chat_id))["status"] == "idle"


async def test_a_second_message_while_a_run_is_active_is_refused_and_not_stored(
    client: httpx.AsyncClient, alice: Person
) -> None:
    chat_id = str(uuid.uuid4())

    async def slow() -> None:
        await chat(client, alice, chat_id, "slow 100")

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow)
        with anyio.fail_after(20):
            while True:
                await anyio.sleep(0.05)
                if await detail_or_none(client, alice, chat_id) == "running":
                    break
        busy = await chat(client, alice, chat_id, "me too", "m2")
        assert busy.status_code == 409
        assert busy.json()["error"]["code"] == "run_in_progress"
        stop = await client.post(f"/api/v1/conversations/{chat_id}/stop", headers=alice.headers)
        assert stop.json() == {"stopped": True}
    body = await detail(client, alice, chat_id)
    assert body["status"] == "cancelled"
    assert "me too" not in user_texts(body)  # refused, so not acknowledged and not stored
    again = await chat(client, alice, chat_id, "now me", "m3")
    assert text_of(again) == "You said: now me"


async def detail_or_none(client: httpx.AsyncClient, person: Person, chat_id: str) -> str | None:
    got = await client.get(f"/api/v1/conversations/{chat_id}", headers=person.headers)
    return str(got.json()["status"]) if got.status_code == 200 else None


async def test_each_turn_is_a_finished_workflow_with_checkpointed_steps(
    app: FastAPI, client: httpx.AsyncClient, alice: Person
) -> None:
    from dbos import DBOS

    chat_id = str(uuid.uuid4())
    (app.state.web.workspaces.roots["default"].root / "a.txt").write_text("alpha\n")
    answered = await chat(client, alice, chat_id, "read a.txt")
    assert "read_file returned" in text_of(answered)
    [workflow] = [
        w
        for w in await DBOS.list_workflows_async(name="fast_genai.chat_turn")
        if chat_id in w.workflow_id
    ]
    handle = await DBOS.retrieve_workflow_async(workflow.workflow_id)
    outcome = await handle.get_result()  # the stream ends just before the workflow returns
    assert outcome.status == "idle"
    assert (await handle.get_status()).status == "SUCCESS"
    steps = [s["function_name"] for s in await DBOS.list_workflow_steps_async(workflow.workflow_id)]
    # the history is read up to the turn's rows (Turn.history_rows), in no step of its own;
    # the final answer is stored by run.finish, the tool-calling response by a history step
    assert "history.load" not in steps
    assert steps.count("history.save") == 1
    assert "tool.read_file" in steps
    assert sum("model.request" in name for name in steps) == 2
    assert steps[-1] == "run.finish"
    assert (await detail(client, alice, chat_id))["status"] == "idle"
