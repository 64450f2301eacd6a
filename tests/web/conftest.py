"""Web fixtures: a migrated database (SQLite, and PostgreSQL when
``FAST_GENAI_TEST_DATABASE_URL`` is set), the app on it with a scripted model, users, clients."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from agent.settings import AgentSettings
from tests.web.scripted_model import scripted_model
from tools.private_files import private_sqlite
from web.app import create_app
from web.migrate import upgrade
from web.runs.durable import build_durable_agent
from web.settings import WebSettings, normalise_database_url

PG_ENV = "FAST_GENAI_TEST_DATABASE_URL"

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])


def _reset_postgres(url: str) -> None:
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def reset() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("DROP SCHEMA IF EXISTS dbos CASCADE"))  # runs
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    asyncio.run(reset())


KEPT_TABLES = {("public", "alembic_version"), ("dbos", "dbos_migrations")}
"""What says which schema a database is at: emptying the others leaves a migrated database."""


def _empty_postgres(url: str, head: str) -> bool:
    """Empty every table of a database already at ``head`` (faster than dropping the schemas
    and migrating again); ``False``, touching nothing, when it is not at ``head``."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def empty() -> bool:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                revisions = await connection.execute(
                    text(
                        "SELECT version_num FROM alembic_version"
                        " WHERE to_regclass('public.alembic_version') IS NOT NULL"
                    )
                )
                if [row[0] for row in revisions] != [head]:
                    return False
                rows = await connection.execute(
                    text(
                        "SELECT schemaname, tablename FROM pg_tables"
                        " WHERE schemaname IN ('public', 'dbos')"
                    )
                )
                tables = [
                    f'"{schema}"."{table}"'
                    for schema, table in rows
                    if (schema, table) not in KEPT_TABLES
                ]
                superuser = await connection.scalar(text("SELECT current_setting('is_superuser')"))
                if superuser == "on":  # DELETE (~40 ms for all) with foreign keys not enforced
                    await connection.execute(text("SET LOCAL session_replication_role = replica"))
                    for table in tables:
                        await connection.execute(text(f"DELETE FROM {table}"))
                    sequences = await connection.execute(
                        text(
                            "SELECT schemaname, sequencename FROM pg_sequences"
                            " WHERE schemaname IN ('public', 'dbos')"
                        )
                    )
                    for schema, sequence in list(sequences):
                        await connection.execute(
                            text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART')
                        )
                elif tables:  # TRUNCATE (~0.4 s) otherwise
                    await connection.execute(
                        text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                    )
                return True
        finally:
            await engine.dispose()

    return asyncio.run(empty())


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy (migrating costs more)."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from web.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path, head_revision: str
) -> Iterator[str]:
    """An empty, migrated database: a copy of a migrated SQLite file, or the test PostgreSQL
    database emptied (reset and migrated when it is not at the head revision)."""
    if request.param == "sqlite":
        path = private_sqlite(tmp_path / "test.db")
        shutil.copyfile(migrated_sqlite, path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = normalise_database_url(os.environ[PG_ENV])
        if not _empty_postgres(url, head_revision):
            _reset_postgres(url)
            upgrade(url)
    yield url


@pytest.fixture
def web_settings(database_url: str, workspace: Path) -> WebSettings:
    return WebSettings(
        database_url=database_url,
        secret_key="test-secret-key-for-jwt-signing-0123456789",
        workspaces={"default": str(workspace)},
        sse_ping_seconds=5,
        rate_limit="",  # tests of the limits (test_limits.py) set their own
    )


@pytest.fixture
def app(web_settings: WebSettings) -> FastAPI:
    from tools.registry import TOOLS

    agent = build_durable_agent(AgentSettings(), model=scripted_model(), tools=TOOLS)
    return create_app(web_settings, tools=TOOLS, agent=agent)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with its lifespan running (the run engine is launched in it)."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


@dataclass
class Person:
    email: str
    password: str
    headers: dict[str, str]
    id: uuid.UUID


async def register(client: httpx.AsyncClient, email: str, password: str = "s3cret-pass!") -> Person:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    user_id = uuid.UUID(response.json()["id"])
    login = await client.post(
        "/api/v1/auth/jwt/login", data={"username": email, "password": password}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    return Person(email, password, {"Authorization": f"Bearer {token}"}, user_id)


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Person:
    return await register(client, "alice@example.org")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Person:
    return await register(client, "bob@example.org")


def sse_chunks(body: str) -> list[dict[str, Any]]:
    """The JSON chunks of a UI-message stream (``[DONE]`` as ``{"type": "[DONE]"}``)."""
    import json

    chunks: list[dict[str, Any]] = []
    for line in body.splitlines():
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
            chunks.append({"type": "[DONE]"} if data == "[DONE]" else json.loads(data))
    return chunks


def user_message(text: str, message_id: str = "m1") -> dict[str, Any]:
    return {"id": message_id, "role": "user", "parts": [{"type": "text", "text": text}]}
