"""Integration writes through the server: credentials policy and the executed-writes record in
the server database (a retried write is not executed twice)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from tests.fakes.github import FakeGitHub
from tests.web.conftest import register
from tools.registry import TOOLS
from tools.settings import ToolSettings
from web.app import create_app
from web.models import ExecutedWrite
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

ARGS = {"repo": "octo/hello", "path": "docs/a.md", "content": "# A", "message": "Add a"}


async def _client(settings: WebSettings) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(settings, tool_settings=ToolSettings(), tools=TOOLS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client, app
    await app.state.web.db.close()


async def _approve(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    held = await client.post(
        "/api/v1/tools/create_github_file", json={"arguments": ARGS}, headers=headers
    )
    assert held.status_code == 202, held.text
    approval_id = held.json()["approval"]["id"]
    return await client.post(
        f"/api/v1/approvals/{approval_id}", json={"approved": True}, headers=headers
    )


async def test_retried_write_is_recorded_once_in_the_server_database(
    github_env: FakeGitHub, web_settings: WebSettings
) -> None:
    settings = web_settings.model_copy(update={"shared_credentials": True})
    async for client, app in _client(settings):
        person = await register(client, "writer@example.org")
        first = await _approve(client, person.headers)
        assert first.status_code == 200, first.text
        assert first.json()["result"]["html_url"].endswith("/octo/hello/blob/main/docs/a.md")
        second = await _approve(client, person.headers)
        assert second.status_code == 200, second.text
        assert second.json()["result"]["deduplicated"] is True
        assert len(github_env.writes()) == 1
        async with app.state.web.db.sessions() as session:  # type: ignore[attr-defined]
            rows = (await session.execute(select(ExecutedWrite))).scalars().all()
        assert [(r.tool, r.actor) for r in rows] == [("create_github_file", str(person.id))]


async def test_server_credentials_are_not_shared_unless_allowed(
    github_env: FakeGitHub, web_settings: WebSettings
) -> None:
    async for client, _app in _client(web_settings):
        person = await register(client, "other@example.org")
        refused = await _approve(client, person.headers)
        assert refused.status_code == 424
        assert refused.json()["error"]["code"] == "missing_credential"
        assert github_env.writes() == []
