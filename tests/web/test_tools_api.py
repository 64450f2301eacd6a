"""``/tools``, ``/workspaces``, direct tool calls, held writes and their approval."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Person, register

pytestmark = pytest.mark.anyio


async def test_tools_are_listed_with_schemas(client: httpx.AsyncClient, alice: Person) -> None:
    tools = {
        t["name"]: t for t in (await client.get("/api/v1/tools", headers=alice.headers)).json()
    }
    assert {"list_files", "read_file", "create_file"} <= set(tools)
    assert tools["create_file"]["kind"] == "write"
    assert tools["read_file"]["kind"] == "read"
    assert "path" in tools["read_file"]["parameters"]["properties"]
    assert tools["read_file"]["output"]["type"] == "object"


async def test_workspaces_listed(client: httpx.AsyncClient, alice: Person) -> None:
    response = await client.get("/api/v1/workspaces", headers=alice.headers)
    assert response.json() == [{"name": "default", "default": True}]


async def test_read_tool_runs_directly(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("line one\nline two\n")
    response = await client.post(
        "/api/v1/tools/read_file", json={"arguments": {"path": "notes.txt"}}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    assert "line two" in str(body["result"])


async def test_tool_errors_map_to_their_status(client: httpx.AsyncClient, alice: Person) -> None:
    outside = await client.post(
        "/api/v1/tools/read_file",
        json={"arguments": {"path": "../../etc/passwd"}},
        headers=alice.headers,
    )
    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "outside_workspace"
    missing = await client.post(
        "/api/v1/tools/read_file", json={"arguments": {"path": "nope.txt"}}, headers=alice.headers
    )
    assert missing.status_code == 404
    unknown_ws = await client.post(
        "/api/v1/tools/list_files", json={"workspace": "elsewhere"}, headers=alice.headers
    )
    assert unknown_ws.status_code == 404
    assert "elsewhere" in unknown_ws.json()["error"]["message"]
    extra = await client.post(
        "/api/v1/tools/read_file",
        json={"arguments": {"path": "a", "bogus": 1}},
        headers=alice.headers,
    )
    assert extra.status_code == 422


async def test_write_is_held_until_approved_and_runs_the_stored_arguments(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    held = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "out.txt", "content": "stored"}},
        headers=alice.headers,
    )
    assert held.status_code == 202, held.text
    approval = held.json()["approval"]
    assert held.json()["status"] == "needs_approval"
    assert approval["arguments"]["content"] == "stored"
    assert not (workspace / "out.txt").exists()

    pending = await client.get("/api/v1/approvals", headers=alice.headers)
    assert [p["id"] for p in pending.json()] == [approval["id"]]

    done = await client.post(
        f"/api/v1/approvals/{approval['id']}", json={"approved": True}, headers=alice.headers
    )
    assert done.status_code == 200, done.text
    assert (workspace / "out.txt").read_text() == "stored"

    replay = await client.post(
        f"/api/v1/approvals/{approval['id']}", json={"approved": True}, headers=alice.headers
    )
    assert replay.status_code == 409
    assert (await client.get("/api/v1/approvals", headers=alice.headers)).json() == []


async def test_edited_arguments_are_validated_again(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    held = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "a.txt", "content": "one"}},
        headers=alice.headers,
    )
    approval_id = held.json()["approval"]["id"]
    bad = await client.post(
        f"/api/v1/approvals/{approval_id}",
        json={"approved": True, "arguments": {"path": "a.txt", "content": 5}},
        headers=alice.headers,
    )
    assert bad.status_code == 422
    edited = await client.post(
        f"/api/v1/approvals/{approval_id}",
        json={"approved": True, "arguments": {"path": "b.txt", "content": "two"}},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    assert (workspace / "b.txt").read_text() == "two"
    assert not (workspace / "a.txt").exists()


async def test_denied_write_does_nothing(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    held = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "no.txt", "content": "x"}},
        headers=alice.headers,
    )
    approval_id = held.json()["approval"]["id"]
    denied = await client.post(
        f"/api/v1/approvals/{approval_id}", json={"approved": False}, headers=alice.headers
    )
    assert denied.json()["status"] == "denied"
    assert not (workspace / "no.txt").exists()


async def test_dry_run_of_a_write_runs_at_once(
    client: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    response = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "dry.txt", "content": "x", "dry_run": True}},
        headers=alice.headers,
    )
    assert response.status_code == 200
    assert response.json()["result"]["dry_run"] is True
    assert not (workspace / "dry.txt").exists()


async def test_another_users_approval_is_404(
    client: httpx.AsyncClient, alice: Person, bob: Person, workspace: Path
) -> None:
    held = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "mine.txt", "content": "x"}},
        headers=alice.headers,
    )
    approval_id = held.json()["approval"]["id"]
    stolen = await client.post(
        f"/api/v1/approvals/{approval_id}", json={"approved": True}, headers=bob.headers
    )
    assert stolen.status_code == 404
    assert (await client.get("/api/v1/approvals", headers=bob.headers)).json() == []
    assert not (workspace / "mine.txt").exists()


async def test_workspace_access_per_user(
    app: object, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    from web.workspaces import Workspaces

    private = tmp_path / "private"
    private.mkdir()
    (private / "secret-plan.md").write_text("plan")
    state = app.state.web  # type: ignore[attr-defined]
    state.workspaces = Workspaces.open(
        {"default": str(state.workspaces.roots["default"].root), "private": str(private)},
        {"private": "carol@example.org"},
    )
    carol = await register(client, "carol@example.org")
    dave = await register(client, "dave@example.org")
    names = [
        w["name"] for w in (await client.get("/api/v1/workspaces", headers=dave.headers)).json()
    ]
    assert names == ["default"]
    refused = await client.post(
        "/api/v1/tools/read_file",
        json={"workspace": "private", "arguments": {"path": "secret-plan.md"}},
        headers=dave.headers,
    )
    assert refused.status_code == 404
    allowed = await client.post(
        "/api/v1/tools/read_file",
        json={"workspace": "private", "arguments": {"path": "secret-plan.md"}},
        headers=carol.headers,
    )
    assert allowed.status_code == 200
