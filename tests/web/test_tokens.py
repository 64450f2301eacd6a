"""Long-lived access tokens: created (shown once), listed, revoked; stored hashed; they
authenticate the API wherever a login JWT does, and only for their own user."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.web.conftest import Person

pytestmark = pytest.mark.anyio


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_token(client: httpx.AsyncClient, person: Person, name: str = "cli") -> dict[str, str]:
    response = await client.post("/api/v1/tokens", json={"name": name}, headers=person.headers)
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


async def test_create_list_and_the_token_shown_once(
    client: httpx.AsyncClient, alice: Person, app: FastAPI
) -> None:
    created = await new_token(client, alice, "laptop")
    assert created["name"] == "laptop"
    assert created["token"].startswith("fg_") and len(created["token"]) > 40
    listed = await client.get("/api/v1/tokens", headers=alice.headers)
    assert listed.status_code == 200
    [row] = listed.json()
    assert row == {
        "id": created["id"],
        "kind": "token",
        "name": "laptop",
        "created_at": created["created_at"],
        "last_used_at": None,
    }
    assert created["token"] not in listed.text
    async with app.state.web.db.sessions() as session:
        stored = (await session.execute(text("SELECT token_hash FROM access_token"))).all()
    assert stored == [(hashlib.sha256(created["token"].encode()).hexdigest(),)]


async def test_a_token_authenticates_the_api_and_a_jwt_still_works(
    client: httpx.AsyncClient, alice: Person
) -> None:
    token = (await new_token(client, alice))["token"]
    me = await client.get("/api/v1/users/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["email"] == alice.email
    tools = await client.get("/api/v1/tools", headers=bearer(token))
    assert tools.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=alice.headers)).status_code == 200
    run = await client.post("/api/v1/run", json={"instruction": "hi"}, headers=bearer(token))
    assert run.status_code == 200, run.text
    assert run.json()["output"] == "You said: hi"


async def test_last_used_is_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, alice: Person
) -> None:
    token = (await new_token(client, alice))["token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    [first] = (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    assert first["last_used_at"] is not None
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    [second] = (await client.get("/api/v1/tokens", headers=alice.headers)).json()
    assert second["last_used_at"] == first["last_used_at"]


async def test_wrong_and_revoked_tokens_are_refused_at_once(
    client: httpx.AsyncClient, alice: Person
) -> None:
    created = await new_token(client, alice)
    token = created["token"]
    for wrong in ("fg_" + "x" * 43, token + "x", "not-a-token"):
        response = await client.get("/api/v1/users/me", headers=bearer(wrong))
        assert response.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    revoked = await client.delete(f"/api/v1/tokens/{created['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 401
    assert (await client.get("/api/v1/tokens", headers=alice.headers)).json() == []
    again = await client.delete(f"/api/v1/tokens/{created['id']}", headers=alice.headers)
    assert again.status_code == 404


async def test_users_see_and_revoke_only_their_own_tokens(
    client: httpx.AsyncClient, alice: Person, bob: Person
) -> None:
    alices = await new_token(client, alice, "alice's")
    bobs = await new_token(client, bob, "bob's")
    assert [
        t["name"] for t in (await client.get("/api/v1/tokens", headers=bob.headers)).json()
    ] == ["bob's"]
    stolen = await client.delete(f"/api/v1/tokens/{alices['id']}", headers=bob.headers)
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "not_found"
    me = await client.get("/api/v1/users/me", headers=bearer(alices["token"]))
    assert me.json()["email"] == alice.email
    bob_me = await client.get("/api/v1/users/me", headers=bearer(bobs["token"]))
    assert bob_me.json()["email"] == bob.email
    # with Bob's token, Alice's tokens are still out of reach
    listed = await client.get("/api/v1/tokens", headers=bearer(bobs["token"]))
    assert [t["id"] for t in listed.json()] == [bobs["id"]]
    stolen = await client.delete(f"/api/v1/tokens/{alices['id']}", headers=bearer(bobs["token"]))
    assert stolen.status_code == 404


async def test_an_inactive_users_token_is_refused(
    client: httpx.AsyncClient, alice: Person, app: FastAPI
) -> None:
    token = (await new_token(client, alice))["token"]
    async with app.state.web.db.write() as session:
        await session.execute(text('UPDATE "user" SET is_active = false'))
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 401


async def test_token_names_are_validated(client: httpx.AsyncClient, alice: Person) -> None:
    for body in ({}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}):
        response = await client.post("/api/v1/tokens", json=body, headers=alice.headers)
        assert response.status_code == 422, body
    unauthenticated = await client.post("/api/v1/tokens", json={"name": "x"})
    assert unauthenticated.status_code == 401
