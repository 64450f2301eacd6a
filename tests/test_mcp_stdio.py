"""``fast-genai mcp`` over stdio, driven by the mcp SDK's client as a subprocess: every
registered tool listed with its schemas and hints, called once successfully and once failing."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply
from tests.mcp_client import text_of
from tests.mcp_samples import SAMPLES, write_sample_tree
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


def stdio(workspace: Path, *flags: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=FAST_GENAI,
        args=["mcp", "--workspace", str(workspace), *flags],
        env=dict(os.environ),
    )


@pytest.fixture
def tree(workspace: Path) -> Path:
    write_sample_tree(workspace)
    return workspace


@pytest.fixture
def root_uri(tree: Path) -> str:
    return "file://" + tree.resolve().as_posix()


def check_listing(tool: types.Tool, problems: list[str]) -> None:
    spec = next(s for s in TOOLS if s.name == tool.name)
    hints = tool.annotations
    expected: dict[str, Any] = {
        "title": spec.title,
        "read_only_hint": not spec.writes,
        "open_world_hint": spec.open_world,
        "destructive_hint": spec.destructive if spec.writes else None,
        "idempotent_hint": spec.idempotent if spec.writes else None,
    }
    got = hints.model_dump() if hints else {}
    if got != expected:
        problems.append(f"{tool.name}: annotations {got} != {expected}")
    if tool.input_schema != spec.parameters_schema():
        problems.append(f"{tool.name}: input schema differs from the spec's")
    if tool.output_schema != spec.output_schema():
        problems.append(f"{tool.name}: output schema differs from the spec's")
    if (tool.title, tool.description) != (spec.title, spec.description):
        problems.append(f"{tool.name}: title or description differs from the spec's")


def test_every_tool_has_a_sample() -> None:
    missing = [spec.name for spec in TOOLS if spec.name not in SAMPLES]
    assert not missing, f"add a sample call to tests/mcp_samples.py for: {missing}"


async def test_every_tool_over_stdio(tree: Path) -> None:
    problems: list[str] = []
    async with Client(stdio(tree)) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert sorted(listed) == sorted(spec.name for spec in TOOLS)
        for spec in TOOLS:
            check_listing(listed[spec.name], problems)
            sample = SAMPLES[spec.name]
            if sample.ok is not None:
                ok = await client.call_tool(spec.name, sample.ok)
                if ok.is_error or not isinstance(ok.structured_content, dict):
                    problems.append(f"{spec.name}: sample call failed: {text_of(ok)}")
                else:
                    spec.output_model.model_validate(ok.structured_content)
            failed = await client.call_tool(spec.name, sample.fail)
            if not failed.is_error:
                problems.append(f"{spec.name}: failing call did not fail: {text_of(failed)}")
            elif sample.message not in text_of(failed) or "Traceback" in text_of(failed):
                problems.append(f"{spec.name}: unclear failure: {text_of(failed)!r}")
    assert not problems, "\n".join(problems)
    if "create_file" in listed:
        assert (tree / "new" / "created.txt").read_text() == "made over MCP\n"


async def test_read_only_over_stdio_hides_and_refuses_writes(tree: Path) -> None:
    writers = [spec.name for spec in TOOLS if spec.writes]
    async with Client(stdio(tree, "--read-only"), mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        refusals = [
            await client.call_tool(name, SAMPLES[name].ok or SAMPLES[name].fail) for name in writers
        ]
    assert names == {spec.name for spec in TOOLS if not spec.writes}
    for result in refusals:
        assert result.is_error is True
        assert "read-only" in text_of(result)
    assert not (tree / "new").exists()


async def test_tools_switch_over_stdio(tree: Path) -> None:
    async with Client(stdio(tree, "--tools", "read_file,list_files")) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        refused = await client.call_tool("create_file", {"path": "x.txt", "content": "x"})
        read = await client.call_tool("read_file", {"path": "notes/todo.txt"})
    assert sorted(names) == ["list_files", "read_file"]
    assert refused.is_error is True
    assert "not enabled" in text_of(refused)
    assert read.is_error is False
    assert not (tree / "x.txt").exists()


async def test_workspace_file_as_resource_over_stdio(tree: Path, root_uri: str) -> None:
    uri = root_uri + "/notes/todo.txt"
    async with Client(stdio(tree)) as client:
        contents = (await client.read_resource(uri)).contents
    assert isinstance(contents[0], types.TextResourceContents)
    assert contents[0].text == "- [ ] ship the MCP server\n"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tools", "read_file,nope"], "unknown tool name(s) in --tools: nope"),
        (["--workspace", "/does/not/exist"], "does not exist"),
    ],
)
def test_bad_switches_exit_with_a_message(tree: Path, flags: list[str], message: str) -> None:
    done = subprocess.run(
        [FAST_GENAI, "mcp", "--workspace", str(tree), *flags],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


MESSAGES = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "file", "version": "1"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "read_file", "arguments": {"path": "notes/todo.txt"}},
    },
]

HEAVY = (
    "pydantic_ai",
    "google.genai",
    "github",
    "notion_client",
    "jira",
    "sqlmodel",
    "sqlalchemy",
    "fastapi",
    "tree_sitter",
    "rich",
    "httpx",
)

PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("MODULES=" + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["fast-genai", *sys.argv[1:]]
from cli.main import main
main()
"""


def test_serving_a_call_loads_only_light_modules(tree: Path) -> None:
    """Start-up and a tool call load none of the heavy libraries (checked by imports, not time)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE, "mcp", "--workspace", str(tree)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    replies = {}
    for message in MESSAGES:
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        if "id" in message:
            reply = json.loads(proc.stdout.readline())
            replies[reply["id"]] = reply
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert sorted(replies) == [1, 2, 3]
    assert replies[3]["result"]["structuredContent"]["content"] == "1\t- [ ] ship the MCP server\n"
    loaded = set(json.loads(stderr.rsplit("MODULES=", 1)[1]))
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


async def test_a_long_tool_reports_progress_over_stdio(tree: Path) -> None:
    if "code_outline" not in {spec.name for spec in TOOLS}:
        pytest.skip("code_outline is not registered")
    package = tree / "pkg"
    package.mkdir()
    for n in range(40):
        (package / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    seen: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total))

    async with Client(stdio(tree)) as client:
        result = await client.call_tool(
            "code_outline", {"path": "pkg"}, progress_callback=on_progress
        )
    assert result.is_error is False, text_of(result)
    assert seen, "no progress notification arrived"
    assert seen[-1] == (40, 40)


SUMMARY = {
    "purpose": "A tiny app that adds numbers and greets.",
    "key_parts": [{"name": "add", "location": "src/app.py:6", "role": "Adds two numbers."}],
    "risks": [],
}


def summary_reply(request: RecordedRequest) -> Reply:
    if "final_result" in request.tool_names:
        return Reply.calls(("final_result", SUMMARY))
    return Reply.text("Helpers.")


async def test_summarize_uses_the_configured_model_over_stdio(
    tree: Path, gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model is built on summarize's first call (not at start-up), from the environment."""
    if "summarize" not in {spec.name for spec in TOOLS}:
        pytest.skip("summarize is not registered")
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    gemini.responder = summary_reply
    async with Client(stdio(tree)) as client:
        result = await client.call_tool("summarize", {"path": "src/app.py"})
    assert result.is_error is False, text_of(result)
    assert result.structured_content is not None
    assert result.structured_content["model_used"] is True
    assert result.structured_content["purpose"] == SUMMARY["purpose"]
    assert gemini.requests, "the fake Gemini saw no request"


async def test_summarize_without_a_key_is_structural_over_stdio(tree: Path) -> None:
    if "summarize" not in {spec.name for spec in TOOLS}:
        pytest.skip("summarize is not registered")
    async with Client(stdio(tree)) as client:
        result = await client.call_tool("summarize", {"path": "src"})
    assert result.is_error is False, text_of(result)
    assert result.structured_content is not None
    assert result.structured_content["model_used"] is False


async def test_integration_tools_succeed_over_stdio_against_fakes(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Successful calls of the GitHub, Notion and Jira tools, the real clients talking to the
    local fakes (credentials from the environment of `fast-genai mcp`)."""
    from tests.fakes.github import FakeGitHub
    from tests.fakes.jira import FakeJira
    from tests.fakes.notion import FakeNotion

    github, notion, jira = FakeGitHub(), FakeNotion(), FakeJira()
    github.add_repo("octo/repo")
    parent = notion.add_page("Parent")
    jira.add_project("ABC")
    with github.running(), notion.running(), jira.running():
        monkeypatch.setenv("GITHUB_TOKEN", github.token)
        monkeypatch.setenv("GITHUB_API_URL", github.base_url)
        monkeypatch.setenv("NOTION_TOKEN", notion.token)
        monkeypatch.setenv("NOTION_API_URL", notion.base_url)
        monkeypatch.setenv("JIRA_URL", jira.base_url)
        monkeypatch.setenv("JIRA_PERSONAL_TOKEN", jira.personal_token)
        calls = {
            "create_github_file": SAMPLES["create_github_file"].fail,
            "create_notion_page": {**SAMPLES["create_notion_page"].fail, "parent": parent},
            "create_jira_issue": SAMPLES["create_jira_issue"].fail,
        }
        results = {}
        async with Client(stdio(tree)) as client:
            for name, arguments in calls.items():
                results[name] = await client.call_tool(name, arguments)
    for name, result in results.items():
        assert result.is_error is False, f"{name}: {text_of(result)}"
        spec = next(s for s in TOOLS if s.name == name)
        spec.output_model.model_validate(result.structured_content)
    assert len(github.writes()) == 1
    assert len(notion.writes()) >= 1
    assert len(jira.writes()) == 1


def tools_test_server(workspace: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "tests.mcp_stdio_test_server", str(workspace)],
        env=dict(os.environ),
        cwd=str(Path(__file__).resolve().parent.parent),
    )


def test_stray_stdout_does_not_corrupt_the_wire(workspace: Path) -> None:
    """A tool printing to stdout: the wire carries only JSON-RPC, the print goes to stderr."""
    params = tools_test_server(workspace)
    proc = subprocess.Popen(
        [params.command, *params.args],
        cwd=params.cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "noisy", "arguments": {"text": "one"}},
    }
    lines: list[str] = []
    for message in [*MESSAGES[:2], call]:
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        while "id" in message:
            lines.append(proc.stdout.readline())
            if json.loads(lines[-1]).get("id") == message["id"]:
                break
    _, stderr = proc.communicate(timeout=60)
    replies = [json.loads(line) for line in lines]  # every line on the wire is JSON
    assert replies[-1]["result"]["structuredContent"] == {"said": "one"}
    assert "stray output on stdout" in stderr


async def test_cancelling_a_call_over_stdio_stops_the_tool(workspace: Path) -> None:
    started = anyio.Event()

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        started.set()

    marker = anyio.Path(workspace / "cancelled.txt")
    async with Client(tools_test_server(workspace), mode="legacy") as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(client.call_tool, "hang", {}, progress_callback=on_progress))
            with anyio.fail_after(30):
                await started.wait()
            tg.cancel_scope.cancel()
        with anyio.fail_after(30):
            while not await marker.exists():  # noqa: ASYNC110 - another process writes it
                await anyio.sleep(0.05)
        after = await client.call_tool("noisy", {"text": "still serving"})
    assert await marker.read_text() == "cancelled\n"
    assert after.structured_content == {"said": "still serving"}


def test_malformed_lines_get_json_rpc_errors(workspace: Path) -> None:
    """Each broken line is answered (-32700 / -32600), and the server goes on serving."""
    lines = [
        "this is {not json",
        json.dumps({"foo": "bar"}),
        json.dumps([1, 2]),
        json.dumps({"jsonrpc": "2.0", "id": 7, "method": 3}),
        json.dumps({"jsonrpc": "2.0", "id": 8, "method": "ping"}),
    ]
    proc = subprocess.Popen(
        [FAST_GENAI, "mcp", "--workspace", str(workspace)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    replies = []
    for line in lines:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        if not select.select([proc.stdout], [], [], 30)[0]:
            proc.kill()
            pytest.fail(f"no answer to {line!r} (the line was dropped)")
        replies.append(json.loads(proc.stdout.readline()))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    codes = [(r["id"], r["error"]["code"] if "error" in r else r["result"]) for r in replies]
    assert codes == [(None, -32700), (None, -32600), (None, -32600), (7, -32600), (8, {})]
    assert "Parse error" in replies[0]["error"]["message"]
    assert "Invalid Request" in replies[1]["error"]["message"]
