"""The operator's MCP servers in the web app: a one-shot run uses an external server's tools
(our own ``fast-genai mcp`` over stdio), read-only ones at once, writes held for approval like
ours. The model is the fake Gemini server at the wire."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from agent.mcp_config import McpServerConfig
from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.test_mcp_sources import isolated_env
from tests.web.conftest import Person
from web.app import create_app
from web.runs.durable import build_durable_agent
from web.settings import WebSettings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


@pytest.fixture
def external(tmp_path: Path) -> Path:
    root = (tmp_path / "elsewhere").resolve()
    root.mkdir()
    (root / "notes.txt").write_text("remember the milk\n")
    return root


@pytest.fixture
def app(web_settings: WebSettings, gemini: FakeGemini, external: Path) -> FastAPI:  # noqa: F811
    from tools.registry import TOOLS

    server = McpServerConfig(
        name="ours",
        command=FAST_GENAI,
        args=["mcp", "--workspace", str(external)],
        env=isolated_env(),
    )
    settings = AgentSettings(
        gemini_api_key="test-key",
        gemini_base_url=gemini.base_url,
        max_retries=0,
        mcp_servers=[server],
    )
    return create_app(web_settings, tools=TOOLS, agent=build_durable_agent(settings, tools=TOOLS))


async def test_a_run_reads_and_writes_through_an_external_server(
    client: httpx.AsyncClient,
    alice: Person,
    gemini: FakeGemini,  # noqa: F811
    external: Path,
) -> None:
    gemini.script(Reply.calls(("ours_read_file", {"path": "notes.txt"})), Reply.text("Milk."))
    read = await client.post("/api/v1/run", json={"instruction": "notes?"}, headers=alice.headers)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "done" and read.json()["output"] == "Milk."
    assert "remember the milk" in str(read.json()["tool_calls"][0]["result"])

    gemini.script(
        Reply.calls(("ours_create_file", {"path": "todo.txt", "content": "buy milk"})),
        Reply.text("Written."),
    )
    held = await client.post("/api/v1/run", json={"instruction": "todo"}, headers=alice.headers)
    assert held.status_code == 200, held.text
    body = held.json()
    assert body["status"] == "needs_approval"
    [pending] = body["pending"]
    assert pending["tool"] == "ours_create_file"
    assert not (external / "todo.txt").exists()
    done = await client.post(
        f"/api/v1/runs/{body['run_id']}/approvals",
        json={"decisions": [{"approval_id": pending["id"], "approved": True}]},
        headers=alice.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["output"] == "Written."
    assert (external / "todo.txt").read_text() == "buy milk"
