"""Conversations: paging, rename, delete; every data route is per-user (404 for others)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.web.conftest import Person, sse_chunks, user_message

pytestmark = pytest.mark.anyio


async def start_chat(client: httpx.AsyncClient, person: Person, text: str) -> str:
    chat_id = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/chat",
        json={"id": chat_id, "trigger": "submit-message", "messages": [user_message(text)]},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text
    return chat_id


async def test_paged_listing_newest_first(client: httpx.AsyncClient, alice: Person) -> None:
    ids = [await start_chat(client, alice, f"message {i}") for i in range(3)]
    first = (
        await client.get("/api/v1/conversations?limit=2&offset=0", headers=alice.headers)
    ).json()
    assert first["total"] == 3
    assert [c["id"] for c in first["items"]] == [ids[2], ids[1]]
    second = (
        await client.get("/api/v1/conversations?limit=2&offset=2", headers=alice.headers)
    ).json()
    assert [c["id"] for c in second["items"]] == [ids[0]]
    bad = await client.get("/api/v1/conversations?limit=0", headers=alice.headers)
    assert bad.status_code == 422


async def test_rename_and_delete(client: httpx.AsyncClient, alice: Person) -> None:
    chat_id = await start_chat(client, alice, "to be renamed")
    renamed = await client.patch(
        f"/api/v1/conversations/{chat_id}", json={"title": "Renamed"}, headers=alice.headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Renamed"
    empty = await client.patch(
        f"/api/v1/conversations/{chat_id}", json={"title": ""}, headers=alice.headers
    )
    assert empty.status_code == 422
    deleted = await client.delete(f"/api/v1/conversations/{chat_id}", headers=alice.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)
    assert gone.status_code == 404
    assert (await client.get("/api/v1/conversations", headers=alice.headers)).json()["total"] == 0


async def test_stop_without_a_run(client: httpx.AsyncClient, alice: Person) -> None:
    chat_id = await start_chat(client, alice, "hi")
    stop = await client.post(f"/api/v1/conversations/{chat_id}/stop", headers=alice.headers)
    assert stop.json() == {"stopped": False}


async def test_every_route_hides_other_users_data(
    client: httpx.AsyncClient, alice: Person, bob: Person
) -> None:
    chat_id = await start_chat(client, alice, "alice's secret")
    run = await client.post(
        "/api/v1/run", json={"instruction": "create run.txt"}, headers=alice.headers
    )
    assert run.status_code == 200, run.text
    run_id = run.json()["run_id"]
    [pending] = run.json()["pending"]
    held = await client.post(
        "/api/v1/tools/create_file",
        json={"arguments": {"path": "x.txt", "content": "x"}},
        headers=alice.headers,
    )
    approval_id = held.json()["approval"]["id"]

    as_bob = [
        client.get(f"/api/v1/conversations/{chat_id}", headers=bob.headers),
        client.patch(
            f"/api/v1/conversations/{chat_id}", json={"title": "mine"}, headers=bob.headers
        ),
        client.delete(f"/api/v1/conversations/{chat_id}", headers=bob.headers),
        client.post(f"/api/v1/conversations/{chat_id}/stop", headers=bob.headers),
        client.post(
            "/api/v1/chat",
            json={
                "id": chat_id,
                "trigger": "submit-message",
                "messages": [user_message("let me in")],
            },
            headers=bob.headers,
        ),
        client.get(f"/api/v1/conversations/{run_id}", headers=bob.headers),
        client.post(
            f"/api/v1/runs/{run_id}/approvals",
            json={"decisions": [{"approval_id": pending["id"], "approved": True}]},
            headers=bob.headers,
        ),
        client.post(
            f"/api/v1/approvals/{approval_id}", json={"approved": True}, headers=bob.headers
        ),
    ]
    for call in as_bob:
        response = await call
        assert response.status_code == 404, (response.request.url, response.text)
    listing = (await client.get("/api/v1/conversations", headers=bob.headers)).json()
    assert listing["total"] == 0
    assert (await client.get("/api/v1/approvals", headers=bob.headers)).json() == []
    # Alice still has everything, untouched
    detail = (await client.get(f"/api/v1/conversations/{chat_id}", headers=alice.headers)).json()
    assert detail["title"] == "alice's secret"
    assert len((await client.get("/api/v1/approvals", headers=alice.headers)).json()) == 2


async def test_same_client_chat_id_is_separate_per_user(
    client: httpx.AsyncClient, alice: Person, bob: Person
) -> None:
    """AI SDK chat ids are client-made strings: the same one from two users is two chats."""
    for person, text in ((alice, "from alice"), (bob, "from bob")):
        response = await client.post(
            "/api/v1/chat",
            json={"id": "chat-1", "trigger": "submit-message", "messages": [user_message(text)]},
            headers=person.headers,
        )
        assert "You said: " + text in "".join(c.get("delta", "") for c in sse_chunks(response.text))
    for person, text in ((alice, "from alice"), (bob, "from bob")):
        items = (await client.get("/api/v1/conversations", headers=person.headers)).json()["items"]
        assert [c["title"] for c in items] == [text]
