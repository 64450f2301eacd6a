"""A database that cannot be reached or written: 503 ``database_unavailable`` as JSON on every
route (never plain text), and ``/readyz`` not ready."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.web.conftest import Person
from web.db import Database

pytestmark = pytest.mark.anyio


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, then closed: nobody listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def database_down(app: FastAPI, client: httpx.AsyncClient) -> Database:
    """The app's database swapped for a PostgreSQL address on loopback where nothing listens."""
    working: Database = app.state.web.db
    down = Database.connect(
        f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/gone", pool={"pool_timeout": 2}
    )
    app.state.web.db = app.state.db = down
    yield working
    app.state.web.db = app.state.db = working


async def test_every_route_answers_503_json_while_the_database_is_down(
    alice: Person, database_down: Database, client: httpx.AsyncClient
) -> None:
    calls = [
        ("GET", "/api/v1/conversations", None),
        (
            "POST",
            "/api/v1/chat",
            {
                "id": "c1",
                "messages": [
                    {"id": "m", "role": "user", "parts": [{"type": "text", "text": "hi"}]}
                ],
            },
        ),
        ("POST", "/api/v1/run", {"instruction": "hello"}),
        ("GET", "/api/v1/approvals", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=alice.headers)
        assert response.status_code == 503, (path, response.text)
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["retry-after"] == "5"
    login = await client.post(
        "/api/v1/auth/jwt/login", data={"username": alice.email, "password": alice.password}
    )
    assert login.status_code == 503
    assert login.json()["error"]["code"] == "database_unavailable"
    ready = await client.get("/readyz")
    assert ready.status_code == 503


# A read-only file is SQLite's case (a full disk, a read-only mount); PostgreSQL's is the outage
# above. Only the SQLite database is made for this test, so nothing is skipped.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_readyz_reports_a_database_that_cannot_be_written(
    app: FastAPI, client: httpx.AsyncClient, web_settings: object, tmp_path: Path
) -> None:
    assert (await client.get("/readyz")).status_code == 200
    url = str(web_settings.database_url)  # type: ignore[attr-defined]
    assert url.startswith("sqlite")
    path = url.split(":///", 1)[1]
    read_only = Database.connect(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    from sqlalchemy import text

    async with read_only.sessions() as session:  # it reads: only the write can fail
        assert await session.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    working = app.state.web.db
    app.state.web.db = read_only
    try:
        ready = await client.get("/readyz")
    finally:
        app.state.web.db = working
        await read_only.close()
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
