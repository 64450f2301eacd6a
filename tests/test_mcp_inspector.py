"""The MCP Inspector CLI (``@modelcontextprotocol/inspector-cli``, a TypeScript-SDK client)
listing and calling our tools over stdio and over streamable HTTP.

Installed project-locally by ``npm ci`` (package.json); CI fails when it is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from mcp_server.auth import StaticTokenVerifier
from mcp_server.http import create_mcp_app
from tests.conftest import require_program
from tests.fakes.loopback import serve_app
from tests.mcp_samples import SAMPLES, write_sample_tree
from tools.context import ToolContext
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parent.parent
INSPECTOR_PACKAGE = ROOT / "node_modules" / "@modelcontextprotocol" / "inspector-cli"
FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
TOKEN = "inspector-token-7"


@pytest.fixture
def inspector() -> str:
    require_program("node")
    return require_program("mcp-inspector-cli", str(ROOT / "node_modules/.bin/mcp-inspector-cli"))


@pytest.fixture
def tree(workspace: Path) -> Path:
    write_sample_tree(workspace)
    return workspace


def run(inspector: str, *args: str) -> dict[str, Any]:
    # inspector-cli 1.0.3 finds its own package.json relative to the working directory
    # ("../package.json"), so it runs from its build folder; every other path is absolute.
    done = subprocess.run(
        [inspector, "--cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=INSPECTOR_PACKAGE / "build",
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    start = done.stdout.index("{")
    result: dict[str, Any] = json.loads(done.stdout[start:])
    return result


def stdio(tree: Path, *flags: str) -> list[str]:
    return [FAST_GENAI, "mcp", "--workspace", str(tree), *flags]


def test_inspector_lists_every_tool_with_hints(inspector: str, tree: Path) -> None:
    listed = {t["name"]: t for t in run(inspector, *stdio(tree), "--method", "tools/list")["tools"]}
    assert set(listed) == {spec.name for spec in TOOLS}
    for spec in TOOLS:
        tool = listed[spec.name]
        assert tool["title"] == spec.title
        assert tool["annotations"]["readOnlyHint"] is (not spec.writes)
        if spec.writes:
            assert tool["annotations"]["destructiveHint"] is spec.destructive
        assert tool["inputSchema"] == spec.parameters_schema()
        assert tool["outputSchema"] == spec.output_schema()


def test_inspector_calls_a_tool(inspector: str, tree: Path) -> None:
    result = run(
        inspector,
        *stdio(tree),
        "--method",
        "tools/call",
        "--tool-name",
        "read_file",
        "--tool-arg",
        "path=src/app.py",
    )
    assert result["isError"] is False
    assert "def add" in result["structuredContent"]["content"]


def test_inspector_sees_a_failing_call_as_is_error(inspector: str, tree: Path) -> None:
    sample = SAMPLES["read_file"]
    result = run(
        inspector,
        *stdio(tree),
        "--method",
        "tools/call",
        "--tool-name",
        "read_file",
        "--tool-arg",
        f"path={sample.fail['path']}",
    )
    assert result["isError"] is True
    assert sample.message in result["content"][0]["text"]


def test_inspector_read_only_and_resources(inspector: str, tree: Path) -> None:
    listed = run(inspector, *stdio(tree, "--read-only"), "--method", "tools/list")["tools"]
    assert {t["name"] for t in listed} == {spec.name for spec in TOOLS if not spec.writes}
    uri = "file://" + str(tree.resolve()) + "/notes/todo.txt"
    read = run(inspector, *stdio(tree), "--method", "resources/read", "--uri", uri)
    assert read["contents"][0]["text"] == "- [ ] ship the MCP server\n"


@pytest.fixture
def http_url(tree: Path) -> Iterator[str]:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    with serve_app(create_mcp_app(verifier).standalone()) as base:
        yield base + "/mcp"


def test_inspector_over_http_with_a_token(inspector: str, http_url: str) -> None:
    auth = ["--transport", "http", "--header", f"Authorization: Bearer {TOKEN}"]
    listed = run(inspector, http_url, *auth, "--method", "tools/list")["tools"]
    called = run(
        inspector,
        http_url,
        *auth,
        "--method",
        "tools/call",
        "--tool-name",
        "list_files",
        "--tool-arg",
        "path=notes",
    )
    assert {t["name"] for t in listed} == {spec.name for spec in TOOLS}
    assert [e["path"] for e in called["structuredContent"]["entries"]] == ["notes/todo.txt"]
