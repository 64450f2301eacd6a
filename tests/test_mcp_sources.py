"""The user's MCP servers as tool sources of the agent, driven by the fake Gemini server (the
real google-genai client): our own ``fast-genai mcp`` and the reference
``@modelcontextprotocol/server-filesystem`` mounted as external stdio servers. Read-only tools
run at once, others need approval like our writes; read-only servers and allow-lists narrow what
the model is offered; a broken server or a failing call is a tool error, never a crashed run."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import DeferredToolRequests

from agent.approvals import decide_all
from agent.build import build_agent
from agent.deps import AgentDeps
from agent.mcp_config import McpServerConfig
from agent.run import run_agent
from agent.settings import AgentSettings
from tests.conftest import require_program
from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tools.context import ToolContext
from tools.registry import TOOLS

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


def isolated_env() -> dict[str, str]:
    """Our test isolation (config file, data dirs) for a child ``fast-genai``."""
    return {k: v for k, v in os.environ.items() if k.startswith(("FAST_GENAI_", "XDG_"))}


def ours(root: Path, name: str = "ours", **extra: Any) -> McpServerConfig:
    return McpServerConfig(
        name=name,
        command=FAST_GENAI,
        args=["mcp", "--workspace", str(root)],
        env=isolated_env(),
        **extra,
    )


def filesystem(root: Path, **extra: Any) -> McpServerConfig:
    program = require_program(
        "mcp-server-filesystem", str(ROOT / "node_modules/.bin/mcp-server-filesystem")
    )
    return McpServerConfig(name="fs", command=program, args=[str(root)], **extra)


@pytest.fixture
def external(tmp_path: Path) -> Path:
    root = (tmp_path / "elsewhere").resolve()
    root.mkdir()
    (root / "notes.txt").write_text("remember the milk\n")
    return root


def settings_for(gemini: FakeGemini, *servers: McpServerConfig) -> AgentSettings:  # noqa: F811
    return AgentSettings(
        gemini_api_key="test-key",
        gemini_base_url=gemini.base_url,
        max_retries=0,
        mcp_servers=list(servers),
    )


async def _run(
    settings: AgentSettings, workspace: Path, prompt: str, *, approve: bool | None = None
) -> tuple[Any, list[Any]]:
    """One run; with ``approve`` set, the pending writes are decided and the run resumed."""
    deps = AgentDeps(ToolContext.local(str(workspace)))
    decided: list[Any] = []
    async with build_agent(settings, tools=TOOLS) as agent:
        result = await run_agent(agent, prompt, deps=deps, settings=settings)
        if approve is not None and isinstance(result.output, DeferredToolRequests):
            decided = list(result.output.approvals)

            async def decide(call: Any) -> Any:
                return "approve" if approve else "deny"

            servers = [server.name for server in settings.mcp_servers]
            results = await decide_all(result.output, decide, TOOLS, servers=servers)
            result = await run_agent(
                agent,
                None,
                deps=deps,
                settings=settings,
                message_history=result.all_messages(),
                deferred_tool_results=results,
            )
    return result, decided


async def test_our_own_server_read_runs_write_needs_approval(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    external: Path,
) -> None:
    settings = settings_for(gemini, ours(external))
    gemini.script(Reply.calls(("ours_read_file", {"path": "notes.txt"})), Reply.text("Milk."))
    result, _ = await _run(settings, workspace, "what do my notes say?")
    assert result.output == "Milk."
    offered = gemini.requests[0].tool_names
    assert {"ours_read_file", "ours_create_file", "read_file"} <= set(offered)
    [response] = gemini.requests[1].function_responses
    assert response["name"] == "ours_read_file"
    assert "remember the milk" in json.dumps(response["response"])

    gemini.script(
        Reply.calls(("ours_create_file", {"path": "todo.txt", "content": "buy milk"})),
        Reply.text("Written."),
    )
    result, held = await _run(settings, workspace, "write a todo", approve=True)
    assert [call.tool_name for call in held] == ["ours_create_file"]  # it paused for approval
    assert result.output == "Written."
    assert (external / "todo.txt").read_text() == "buy milk"
    assert not (workspace / "todo.txt").exists()


async def test_a_denied_external_write_does_not_run(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    external: Path,
) -> None:
    settings = settings_for(gemini, ours(external))
    gemini.script(
        Reply.calls(("ours_create_file", {"path": "todo.txt", "content": "x"})),
        Reply.text("Not written."),
    )
    result, held = await _run(settings, workspace, "write a todo", approve=False)
    assert held and result.output == "Not written."
    assert not (external / "todo.txt").exists()


async def test_reference_filesystem_server_read_only_and_allow_list(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    external: Path,
) -> None:
    settings = settings_for(
        gemini,
        filesystem(external, read_only=True),
        ours(external, name="mine", tools=["list_files"]),
    )
    path = str(external / "notes.txt")
    gemini.script(Reply.calls(("fs_read_text_file", {"path": path})), Reply.text("Milk again."))
    result, _ = await _run(settings, workspace, "read my notes")
    assert result.output == "Milk again."
    offered = set(gemini.requests[0].tool_names)
    assert {"fs_read_text_file", "fs_list_directory", "mine_list_files"} <= offered
    assert not {"fs_write_file", "fs_edit_file", "fs_move_file"} & offered  # read-only server
    assert {name for name in offered if name.startswith("mine_")} == {"mine_list_files"}
    [response] = gemini.requests[1].function_responses
    assert "remember the milk" in json.dumps(response["response"])


async def test_reference_filesystem_write_needs_approval(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    external: Path,
) -> None:
    settings = settings_for(gemini, filesystem(external))
    target = str(external / "new.txt")
    gemini.script(
        Reply.calls(("fs_write_file", {"path": target, "content": "fresh"})),
        Reply.text("Saved."),
    )
    result, held = await _run(settings, workspace, "save it", approve=True)
    assert [call.tool_name for call in held] == ["fs_write_file"]
    assert result.output == "Saved."
    assert (external / "new.txt").read_text() == "fresh"


async def test_broken_servers_and_failing_calls_are_tool_errors(
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    external: Path,
) -> None:
    broken = McpServerConfig(name="broken", command=str(external / "no-such-program"))
    dies = McpServerConfig(name="dies", command=sys.executable, args=["-c", "import sys"])
    settings = settings_for(gemini, broken, dies, ours(external))
    gemini.script(
        Reply.calls(("ours_read_file", {"path": "missing.txt"})),
        Reply.text("That file is not there."),
    )
    result, _ = await _run(settings, workspace, "read missing.txt")
    assert result.output == "That file is not there."
    offered = gemini.requests[0].tool_names
    assert not [name for name in offered if name.startswith(("broken_", "dies_"))]
    assert "ours_read_file" in offered
    [response] = gemini.requests[1].function_responses
    assert "does not exist" in json.dumps(response["response"])
