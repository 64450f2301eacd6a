"""``ask_user`` on the web: a chat streams the question as a tool part awaiting input and resumes
on the page's ``addToolOutput`` answer; a one-shot run answers ``needs_input``. Answers are
matched to the question the server holds (a forged or replayed one is 409). The model is the
fake Gemini server at the wire (the real google-genai client)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import Person, sse_chunks, user_message
from web.app import create_app
from web.runs.durable import build_durable_agent
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

OPTIONS = ["src/config.py", "tests/config.py"]
QUESTION = {"question": "Which config file?", "options": OPTIONS, "allow_free_text": False}


@pytest.fixture
def app(web_settings: WebSettings, gemini: FakeGemini) -> FastAPI:  # noqa: F811
    from tools.registry import TOOLS

    settings = AgentSettings(
        gemini_api_key="test-key", gemini_base_url=gemini.base_url, max_retries=0
    )
    agent = build_durable_agent(settings, tools=TOOLS)
    return create_app(web_settings, tools=TOOLS, agent=agent)


async def _chat(
    client: httpx.AsyncClient, person: Person, chat_id: str, messages: list[dict[str, Any]]
) -> httpx.Response:
    return await client.post(
        "/api/v1/chat",
        json={"id": chat_id, "trigger": "submit-message", "messages": messages},
        headers=person.headers,
    )


def _answer(call_id: str, answer: Any) -> list[dict[str, Any]]:
    """What the page sends after ``addToolOutput({tool: 'ask_user', toolCallId, output})``."""
    return [
        user_message("open the config"),
        {
            "id": "a1",
            "role": "assistant",
            "parts": [
                {
                    "type": "tool-ask_user",
                    "toolCallId": call_id,
                    "state": "output-available",
                    "input": QUESTION,
                    "output": {"answer": answer},
                }
            ],
        },
    ]


async def _ask_in_chat(
    client: httpx.AsyncClient,
    alice: Person,
    gemini: FakeGemini,  # noqa: F811
    chat_id: str,
) -> str:
    gemini.script(Reply.calls(("ask_user", QUESTION)))
    first = await _chat(client, alice, chat_id, [user_message("open the config")])
    assert first.status_code == 200, first.text
    chunks = sse_chunks(first.text)
    [available] = [c for c in chunks if c["type"] == "tool-input-available"]
    assert available["toolName"] == "ask_user"
    assert available["input"]["question"] == "Which config file?"
    assert available["input"]["options"] == OPTIONS
    types = [c["type"] for c in chunks]
    assert "tool-output-available" not in types  # awaiting the user's input
    assert "tool-approval-request" not in types  # a question, not a write
    [saved] = [c for c in chunks if c["type"] == "data-conversation"]
    assert saved["data"]["status"] == "needs_input"
    assert len(saved["data"]["questions"]) == 1
    call_id: str = available["toolCallId"]
    return call_id


async def test_chat_question_streams_awaiting_input_and_resumes_on_the_answer(
    client: httpx.AsyncClient,
    alice: Person,
    gemini: FakeGemini,  # noqa: F811
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await _ask_in_chat(client, alice, gemini, chat_id)
    detail = (await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)).json()
    assert detail["status"] == "needs_input"
    assert detail["pending_approvals"] == []
    [question] = detail["pending_questions"]
    assert question["tool_call_id"] == call_id and question["options"] == OPTIONS
    [part] = [p for m in detail["messages"] for p in m["parts"] if p["type"] == "tool-ask_user"]
    assert part["state"] == "input-available"  # a reloaded page shows the choice card again

    gemini.script(Reply.text("Opening tests/config.py."))
    second = await _chat(client, alice, chat_id, _answer(call_id, "2"))
    assert second.status_code == 200, second.text
    text = "".join(c.get("delta", "") for c in sse_chunks(second.text) if c["type"] == "text-delta")
    assert text == "Opening tests/config.py."
    [response] = gemini.requests[-1].function_responses
    assert response["name"] == "ask_user"
    assert response["response"] == {"answer": "tests/config.py", "option": 2}
    detail = (await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)).json()
    assert detail["status"] == "idle" and detail["pending_questions"] == []

    replay = await _chat(client, alice, chat_id, _answer(call_id, "2"))
    assert replay.status_code == 409, replay.text
    assert len(gemini.requests) == 2  # the replay reached no model


async def test_chat_forged_and_invalid_answers_are_refused(
    client: httpx.AsyncClient,
    alice: Person,
    bob: Person,
    gemini: FakeGemini,  # noqa: F811
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await _ask_in_chat(client, alice, gemini, chat_id)

    forged = await _chat(client, alice, chat_id, _answer("call-made-up", "1"))
    assert forged.status_code == 409, forged.text
    not_an_option = await _chat(client, alice, chat_id, _answer(call_id, "a third file"))
    assert not_an_option.status_code == 422, not_an_option.text
    assert "free text is not allowed" in not_an_option.json()["error"]["message"]
    out_of_range = await _chat(client, alice, chat_id, _answer(call_id, "7"))
    assert out_of_range.status_code == 422, out_of_range.text
    # another user cannot answer alice's question (her chat id is not his conversation)
    stolen = await _chat(client, bob, chat_id, _answer(call_id, "1"))
    assert stolen.status_code in (404, 409), stolen.text
    assert len(gemini.requests) == 1

    gemini.script(Reply.text("Using src/config.py."))
    ok = await _chat(client, alice, chat_id, _answer(call_id, "src/config.py"))
    assert ok.status_code == 200, ok.text
    [response] = gemini.requests[-1].function_responses
    assert response["response"] == {"answer": "src/config.py", "option": 1}


async def test_a_new_message_voids_the_question(
    client: httpx.AsyncClient,
    alice: Person,
    gemini: FakeGemini,  # noqa: F811
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await _ask_in_chat(client, alice, gemini, chat_id)
    gemini.script(Reply.text("Never mind then."))
    other = await _chat(client, alice, chat_id, [user_message("forget it", "m2")])
    assert other.status_code == 200, other.text
    late = await _chat(client, alice, chat_id, _answer(call_id, "1"))
    assert late.status_code == 409, late.text


async def test_one_shot_run_needs_input_then_answers(
    client: httpx.AsyncClient,
    alice: Person,
    gemini: FakeGemini,  # noqa: F811
) -> None:
    gemini.script(
        Reply.calls(("ask_user", {"question": "Which one?", "options": OPTIONS})),
        Reply.text("You picked a free answer."),
    )
    first = await client.post(
        "/api/v1/run", json={"instruction": "open the config"}, headers=alice.headers
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "needs_input"
    assert body["pending"] == []
    [question] = body["questions"]
    assert question["question"] == "Which one?"
    assert question["options"] == OPTIONS and question["allow_free_text"] is True
    path = f"/api/v1/runs/{body['run_id']}/approvals"

    wrong_shape = await client.post(
        path,
        json={"decisions": [{"approval_id": question["id"], "approved": True}]},
        headers=alice.headers,
    )
    assert wrong_shape.status_code == 422, wrong_shape.text
    decision = {"decisions": [{"approval_id": question["id"], "answer": "the one in docs/"}]}
    done = await client.post(path, json=decision, headers=alice.headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["output"] == "You picked a free answer."
    [response] = gemini.requests[-1].function_responses
    assert response["response"] == {"answer": "the one in docs/", "option": None}

    replay = await client.post(path, json=decision, headers=alice.headers)
    assert replay.status_code == 409, replay.text
    assert len(gemini.requests) == 2
