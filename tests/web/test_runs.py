"""``POST /run`` (JSON) and ``/runs/{id}/approvals``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Person

pytestmark = pytest.mark.anyio


async def test_run_answers_json(client: httpx.AsyncClient, alice: Person, workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    response = await client.post(
        "/api/v1/run", json={"instruction": "read a.txt"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    assert body["output"].startswith("read_file returned")
    [call] = body["tool_calls"]
    assert call["tool"] == "read_file"
    assert call["arguments"] == {"path": "a.txt"}
    assert call["outcome"] == "success"
    assert body["usage"]["requests"] == 2


async def test_write_needs_approval_then_continues(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    paused = await client.post(
        "/api/v1/run", json={"instruction": "create made.txt"}, headers=alice.headers
    )
    body = paused.json()
    assert body["status"] == "needs_approval"
    [pending] = body["pending"]
    assert pending["tool"] == "create_file"
    assert not (workspace / "made.txt").exists()
    done = await client.post(
        f"/api/v1/runs/{body['run_id']}/approvals",
        json={"decisions": [{"approval_id": pending["id"], "approved": True}]},
        headers=alice.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert (workspace / "made.txt").read_text() == "hello"
    assert done.json()["tool_calls"][0]["tool"] == "create_file"
    replay = await client.post(
        f"/api/v1/runs/{body['run_id']}/approvals",
        json={"decisions": [{"approval_id": pending["id"], "approved": True}]},
        headers=alice.headers,
    )
    assert replay.status_code == 409


async def test_denied_write_is_told_to_the_model(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    paused = (
        await client.post(
            "/api/v1/run", json={"instruction": "create no.txt"}, headers=alice.headers
        )
    ).json()
    done = await client.post(
        f"/api/v1/runs/{paused['run_id']}/approvals",
        json={
            "decisions": [
                {"approval_id": paused["pending"][0]["id"], "approved": False, "message": "no"}
            ]
        },
        headers=alice.headers,
    )
    assert done.json()["output"] == "create_file denied: no"
    assert not (workspace / "no.txt").exists()


async def test_auto_approve_and_dry_run(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    dry = await client.post(
        "/api/v1/run",
        json={"instruction": "create dry.txt", "dry_run": True},
        headers=alice.headers,
    )
    assert dry.json()["status"] == "done"
    assert '"dry_run":true' in dry.json()["output"].replace(" ", "")
    assert not (workspace / "dry.txt").exists()
    auto = await client.post(
        "/api/v1/run",
        json={"instruction": "create auto.txt", "auto_approve": ["create_file"]},
        headers=alice.headers,
    )
    assert auto.json()["status"] == "done"
    assert (workspace / "auto.txt").read_text() == "hello"
    unknown = await client.post(
        "/api/v1/run",
        json={"instruction": "hi", "auto_approve": ["format_disk"]},
        headers=alice.headers,
    )
    assert unknown.status_code == 404


async def test_run_input_is_validated(client: httpx.AsyncClient, alice: Person) -> None:
    empty = await client.post("/api/v1/run", json={"instruction": " "}, headers=alice.headers)
    assert empty.status_code == 422
    preset_without_path = await client.post(
        "/api/v1/run", json={"preset": "review"}, headers=alice.headers
    )
    assert preset_without_path.status_code == 422
    assert "path" in preset_without_path.json()["error"]["message"]


async def test_failed_run_answers_a_clear_error(client: httpx.AsyncClient, alice: Person) -> None:
    response = await client.post("/api/v1/run", json={"instruction": "fail"}, headers=alice.headers)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "model_unavailable"
