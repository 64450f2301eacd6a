"""Approvals wait inside the run's own workflow (DBOS recv): the decision resumes that workflow,
exactly once; a new message, a stop or the timeout end the wait without a write (in process;
kill -9 and two instances are in test_crash_recovery.py and test_two_instances.py)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from dbos import DBOS
from fastapi import FastAPI

from tests.web.conftest import Person, sse_chunks, user_message

pytestmark = pytest.mark.anyio


async def chat(
    client: httpx.AsyncClient, person: Person, chat_id: str, messages: list[dict[str, Any]]
) -> httpx.Response:
    return await client.post(
        "/api/v1/chat", json={"id": chat_id, "messages": messages}, headers=person.headers
    )


def approval(call_id: str, *, approved: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "id": "a1",
            "role": "assistant",
            "parts": [
                {
                    "type": "tool-create_file",
                    "toolCallId": call_id,
                    "state": "approval-responded",
                    "input": {},
                    "approval": {"id": call_id, "approved": approved},
                }
            ],
        }
    ]


async def pause(client: httpx.AsyncClient, person: Person, chat_id: str, path: str) -> str:
    """Ask for a write; the tool call id the run now waits on."""
    first = await chat(client, person, chat_id, [user_message(f"create {path}")])
    assert first.status_code == 200, first.text
    request = next(c for c in sse_chunks(first.text) if c["type"] == "tool-approval-request")
    return str(request["toolCallId"])


async def conversation(client: httpx.AsyncClient, person: Person, chat_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/conversations/{chat_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def active_run(app: FastAPI, chat_id: str) -> str | None:
    from web.models import Conversation

    async with app.state.web.db.sessions() as session:
        row = await session.get(Conversation, uuid.UUID(chat_id))
        assert row is not None
        return row.active_run


async def workflows_of(chat_id: str, name: str) -> list[Any]:
    found = await DBOS.list_workflows_async(name=name, workflow_id_prefix=f"chat-{chat_id}")
    found += await DBOS.list_workflows_async(name=name, workflow_id_prefix=f"run-{chat_id}")
    found += await DBOS.list_workflows_async(name=name, workflow_id_prefix=f"deliver-{chat_id}")
    return found


async def approval_statuses(app: FastAPI, chat_id: str) -> list[str]:
    from sqlmodel import select

    from web.models import PendingApproval

    async with app.state.web.db.sessions() as session:
        rows = await session.execute(
            select(PendingApproval.status).where(
                PendingApproval.conversation_id == uuid.UUID(chat_id)
            )
        )
        return list(rows.scalars())


async def ended(workflow_id: str) -> Any:
    with anyio.fail_after(20):
        handle = await DBOS.retrieve_workflow_async(workflow_id)
        return await handle.get_result()


async def test_the_decision_resumes_the_waiting_workflow_once(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "waited.txt")
    waiting_run = await active_run(app, chat_id)
    assert waiting_run is not None  # the conversation is still the run's, which waits
    status = await DBOS.get_workflow_status_async(waiting_run)
    assert status is not None and status.status == "PENDING"
    assert (await conversation(client, alice, chat_id))["status"] == "needs_approval"
    resumed = await client.get(f"/api/v1/chat/{chat_id}/stream", headers=alice.headers)
    assert resumed.status_code == 204  # nothing streams while it waits

    done = await chat(client, alice, chat_id, approval(call_id))
    assert done.status_code == 200, done.text
    chunks = sse_chunks(done.text)
    assert any(c["type"] == "tool-output-available" for c in chunks)
    said = "".join(c.get("delta", "") for c in chunks if c["type"] == "text-delta")
    assert said.startswith("create_file returned")
    assert (workspace / "waited.txt").read_text() == "hello"

    outcome = await ended(waiting_run)
    assert outcome.status == "idle"
    [turn] = await workflows_of(chat_id, "fast_genai.chat_turn")  # no second workflow
    assert turn.workflow_id == waiting_run and turn.status == "SUCCESS"
    [delivery] = await workflows_of(chat_id, "fast_genai.deliver_results")
    assert delivery.status == "SUCCESS"
    body = await conversation(client, alice, chat_id)
    assert body["status"] == "idle" and body["pending_approvals"] == []
    assert await approval_statuses(app, chat_id) == ["approved"]
    # the request, the call, its result, the answer: each stored once
    assert [s["kind"] for s in body["stored"]] == ["request", "response", "request", "response"]
    assert [s["seq"] for s in body["stored"]] == [1, 2, 3, 4]

    replay = await chat(client, alice, chat_id, approval(call_id))
    assert replay.status_code == 409
    assert len(await workflows_of(chat_id, "fast_genai.deliver_results")) == 1


async def test_a_forged_decision_for_a_waiting_run_is_409(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, bob: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "forged.txt")
    forged = await chat(client, alice, chat_id, approval("call-made-up"))
    assert forged.status_code == 409
    assert forged.json()["error"]["code"] == "conflict"
    other = await chat(client, bob, chat_id, approval(call_id))  # not bob's conversation
    assert other.status_code == 404
    assert await approval_statuses(app, chat_id) == ["pending"]
    assert (await conversation(client, alice, chat_id))["status"] == "needs_approval"
    assert not (workspace / "forged.txt").exists()


async def test_a_new_message_voids_the_wait_and_ends_the_waiting_run(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "voided.txt")
    waiting_run = await active_run(app, chat_id)
    assert waiting_run is not None
    moved_on = await chat(client, alice, chat_id, [user_message("never mind", "m2")])
    assert moved_on.status_code == 200, moved_on.text
    outcome = await ended(waiting_run)
    assert outcome.status == "expired"
    assert await approval_statuses(app, chat_id) == ["expired"]
    late = await chat(client, alice, chat_id, approval(call_id))
    assert late.status_code == 409
    body = await conversation(client, alice, chat_id)
    assert body["status"] == "idle"
    assert not (workspace / "voided.txt").exists()


async def test_stop_while_waiting_ends_the_run_and_the_held_call(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "stopped.txt")
    waiting_run = await active_run(app, chat_id)
    assert waiting_run is not None
    stop = await client.post(f"/api/v1/conversations/{chat_id}/stop", headers=alice.headers)
    assert stop.json() == {"stopped": True}
    assert (await ended(waiting_run)).status == "expired"
    assert (await conversation(client, alice, chat_id))["status"] == "cancelled"
    assert await approval_statuses(app, chat_id) == ["expired"]
    assert (await chat(client, alice, chat_id, approval(call_id))).status_code == 409
    again = await chat(client, alice, chat_id, [user_message("hello again", "m2")])
    assert again.status_code == 200, again.text
    assert not (workspace / "stopped.txt").exists()


async def test_held_calls_expire_after_the_timeout(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    app.state.web.settings.approval_timeout_seconds = 1.0
    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "expired.txt")
    waiting_run = await active_run(app, chat_id)
    assert waiting_run is not None
    assert (await ended(waiting_run)).status == "expired"
    body = await conversation(client, alice, chat_id)
    assert body["status"] == "idle" and body["pending_approvals"] == []
    assert body["error"] == "the write awaiting approval expired"
    assert await approval_statuses(app, chat_id) == ["expired"]
    assert (await chat(client, alice, chat_id, approval(call_id))).status_code == 409
    assert not (workspace / "expired.txt").exists()


async def test_a_one_shot_run_waits_in_its_workflow_too(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    paused = await client.post(
        "/api/v1/run", json={"instruction": "create oneshot.txt"}, headers=alice.headers
    )
    body = paused.json()
    assert body["status"] == "needs_approval", body
    run_id = body["run_id"]
    waiting_run = await active_run(app, run_id)
    assert waiting_run is not None and waiting_run.startswith(f"run-{run_id}")
    [pending] = body["pending"]
    done = await client.post(
        f"/api/v1/runs/{run_id}/approvals",
        json={"decisions": [{"approval_id": pending["id"], "approved": True}]},
        headers=alice.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert [c["tool"] for c in done.json()["tool_calls"]] == ["create_file"]
    assert (workspace / "oneshot.txt").read_text() == "hello"
    assert (await ended(waiting_run)).status == "idle"
    [turn] = await DBOS.list_workflows_async(
        name="fast_genai.run_turn", workflow_id_prefix=f"run-{run_id}"
    )
    assert turn.workflow_id == waiting_run


async def _race_parts(app: FastAPI, alice: Person, chat_id: str, call_id: str) -> Any:
    """The decision's delivery (what the route hands ``deliver``) for a race test."""
    from web.runs import waiting
    from web.runs.workflows import Decision

    run = await active_run(app, chat_id)
    assert run is not None
    wake = waiting.Wake(kind="results", approvals={call_id: Decision(approved=True)})
    return waiting.Delivery(str(alice.id), chat_id, run, wake)


async def test_a_decision_claimed_before_a_racing_stop_runs_and_the_stop_is_409(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    """The interleaving of the race, step by step: the stop saw the run waiting, then the
    decision's claim committed, then the stop's conditional UPDATE ran (and lost)."""
    from web.runs import control, waiting

    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "decided.txt")
    delivery = await _race_parts(app, alice, chat_id, call_id)
    assert await waiting.claim_step(delivery) is None  # the decision claims first
    with pytest.raises(control.DecisionFirst):
        await control.stop_waiting(app.state.web, uuid.UUID(chat_id), delivery.workflow_id)
    await DBOS.send_async(delivery.workflow_id, delivery.wake, waiting.TOPIC)  # then it arrives
    assert (await ended(delivery.workflow_id)).status == "idle"
    assert (workspace / "decided.txt").read_text() == "hello"
    assert await approval_statuses(app, chat_id) == ["approved"]
    assert (await conversation(client, alice, chat_id))["status"] == "idle"


async def test_a_stop_before_a_racing_decision_expires_the_call_and_the_decision_is_409(
    app: FastAPI, client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    """The other order: the route checked the decision (still pending), then the stop's UPDATE
    committed, then the decision's claim ran (and lost)."""
    from web.runs import control, waiting

    chat_id = str(uuid.uuid4())
    call_id = await pause(client, alice, chat_id, "stopped-first.txt")
    delivery = await _race_parts(app, alice, chat_id, call_id)
    assert await control.stop_waiting(app.state.web, uuid.UUID(chat_id), delivery.workflow_id)
    refusal = await waiting.claim_step(delivery)
    assert refusal is not None and refusal.code == "approval_expired"
    assert (await ended(delivery.workflow_id)).status == "expired"
    assert await approval_statuses(app, chat_id) == ["expired"]
    assert (await conversation(client, alice, chat_id))["status"] == "cancelled"
    late = await chat(client, alice, chat_id, approval(call_id))
    assert late.status_code == 409 and late.json()["error"]["code"] == "approval_expired"
    assert not (workspace / "stopped-first.txt").exists()
