"""The presets as MCP prompts and workspace paths as completions, through the SDK's real client
(in process in both eras, and ``fast-genai mcp`` over stdio): the listing, the exact CLI text,
bad arguments, and path suggestions that go through the same filters as ``list_files``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from agent.presets import PRESETS
from cli.ask_cmd import _prompt as cli_prompt
from mcp_server.server import build_server, static_context
from tests.test_mcp_stdio import stdio
from tools.context import ToolContext

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["legacy", "auto"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tree(workspace: Path) -> Path:
    (workspace / "src" / "api").mkdir(parents=True)
    (workspace / "src" / "app.py").write_text("print('hi')\n")
    (workspace / "src" / "api" / "routes.py").write_text("ROUTES = []\n")
    (workspace / "src" / "apple.txt").write_text("fruit\n")
    (workspace / "src" / "build.log").write_text("noise\n")
    (workspace / "src" / ".hidden.py").write_text("x = 1\n")
    (workspace / "src" / ".env").write_text("SECRET=1\n")
    (workspace / ".gitignore").write_text("*.log\n")
    (workspace / "README.md").write_text("# r\n")
    return workspace


@pytest.fixture
def root_uri(tree: Path) -> str:
    return "file://" + tree.resolve().as_posix()


def server_for(root: Path) -> Any:
    return build_server(static_context(ToolContext.local(str(root))))


def text_of(result: types.GetPromptResult) -> str:
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, types.TextContent)
    return message.content.text


async def test_each_preset_is_a_prompt_with_path_and_focus(tree: Path, mode: str) -> None:
    async with Client(server_for(tree), mode=mode) as client:
        assert client.server_capabilities.prompts is not None
        assert client.server_capabilities.completions is not None
        listed = (await client.list_prompts()).prompts
    assert [p.name for p in listed] == list(PRESETS)
    for prompt in listed:
        preset = PRESETS[prompt.name]
        assert (prompt.title, prompt.description) == (preset.title, preset.task)
        arguments = {a.name: a.required for a in prompt.arguments or []}
        assert arguments == {"path": True, "focus": False}


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("focus", [None, "the error handling"])
async def test_prompt_text_is_the_cli_preset_text(
    tree: Path, mode: str, name: str, focus: str | None
) -> None:
    arguments = {"path": "src/app.py", **({"focus": focus} if focus else {})}
    async with Client(server_for(tree), mode=mode) as client:
        result = await client.get_prompt(name, arguments)
    expected = cli_prompt(focus, name, "src/app.py")
    assert text_of(result) == expected
    assert "'src/app.py'" in expected
    if focus:
        assert f"Context from the user: {focus}" in expected
    else:
        assert "Context from the user" not in expected
    assert result.description == PRESETS[name].title


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("nope", {"path": "a"}, "unknown prompt 'nope'; prompts: explain, review"),
        ("review", {}, "prompt 'review' needs a path"),
        ("review", {"path": "  "}, "prompt 'review' needs a path"),
        ("review", {"path": "a", "colour": "red"}, "takes path and focus, not colour"),
    ],
)
async def test_bad_prompt_requests_are_invalid_params(
    tree: Path, mode: str, name: str, arguments: dict[str, str], message: str
) -> None:
    async with Client(server_for(tree), mode=mode) as client:
        with pytest.raises(MCPError, match=message) as caught:
            await client.get_prompt(name, arguments)
    assert caught.value.error.code == types.INVALID_PARAMS


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", ["README.md", "src/"]),
        ("s", ["src/"]),
        ("src/", ["src/api/", "src/app.py", "src/apple.txt"]),
        ("src/app", ["src/app.py", "src/apple.txt"]),
        ("src/api/", ["src/api/routes.py"]),
        ("src/zz", []),
        ("nowhere/x", []),
        ("../", []),
        ("/etc/pass", []),
    ],
)
async def test_path_completion_suggests_workspace_entries(
    tree: Path, mode: str, typed: str, expected: list[str]
) -> None:
    ref = types.PromptReference(name="explain")
    async with Client(server_for(tree), mode=mode) as client:
        completion = (await client.complete(ref, {"name": "path", "value": typed})).completion
        focus = (await client.complete(ref, {"name": "focus", "value": "s"})).completion
    assert completion.values == expected  # no .gitignored, hidden or secret files
    assert completion.total == len(expected)
    assert completion.has_more is False
    assert focus.values == []


async def test_resource_template_path_completes_too(tree: Path, root_uri: str) -> None:
    ref = types.ResourceTemplateReference(uri=root_uri + "/{+path}")
    async with Client(server_for(tree)) as client:
        completion = (await client.complete(ref, {"name": "path", "value": "src/ap"})).completion
    assert completion.values == ["src/api/", "src/app.py", "src/apple.txt"]


async def test_completion_is_capped_at_100_values(workspace: Path) -> None:
    for index in range(130):
        (workspace / f"f{index:03}.txt").write_text("x\n")
    ref = types.PromptReference(name="review")
    async with Client(server_for(workspace)) as client:
        completion = (await client.complete(ref, {"name": "path", "value": "f"})).completion
    assert len(completion.values) == 100
    assert (completion.total, completion.has_more) == (130, True)


async def test_prompts_over_stdio(tree: Path) -> None:
    async with Client(stdio(tree)) as client:
        names = [p.name for p in (await client.list_prompts()).prompts]
        result = await client.get_prompt("tests", {"path": "src", "focus": "edge cases"})
        ref = types.PromptReference(name="tests")
        completion = (await client.complete(ref, {"name": "path", "value": "src/a"})).completion
    assert names == list(PRESETS)
    assert text_of(result) == cli_prompt("edge cases", "tests", "src")
    assert completion.values == ["src/api/", "src/app.py", "src/apple.txt"]
