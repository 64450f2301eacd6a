"""``fast-genai mcp install-config``: each client's entry names this fast-genai and the workspace
by absolute path, and the printed entry, started exactly as a client would (its own bare
environment, no uv or venv on PATH, another working directory), serves tools over stdio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.mcp_client import text_of

pytestmark = pytest.mark.anyio

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
BARE_PATH = "/usr/bin:/bin"


def install_config(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": BARE_PATH, "HOME": str(home)} if home else None
    return subprocess.run(
        [FAST_GENAI, "mcp", "install-config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "my project"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "todo.txt").write_text("- [ ] try the printed entry\n")
    return root.resolve()


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A home and working directory that are not the project's nor the clone's."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    return other


async def test_the_printed_claude_desktop_entry_serves_tools(
    project: Path, elsewhere: Path
) -> None:
    done = install_config("--client", "claude-desktop", "--workspace", str(project))
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)["mcpServers"]["fast-genai"]
    assert entry["command"] == FAST_GENAI
    assert Path(entry["command"]).is_absolute()
    assert entry["args"] == ["mcp", "--workspace", str(project)]
    params = StdioServerParameters(
        command=entry["command"],
        args=entry["args"],
        env={**entry["env"], "PATH": BARE_PATH, "HOME": str(elsewhere)},
        cwd=str(elsewhere),
    )
    async with Client(params) as client:
        assert client.server_info is not None
        assert client.server_info.name == "fast-genai"
        result = await client.call_tool("read_file", {"path": "notes/todo.txt"})
    assert result.is_error is False, text_of(result)
    assert "try the printed entry" in text_of(result)


@pytest.mark.parametrize(
    ("client", "key", "typed"),
    [
        ("claude-code", "mcpServers", True),
        ("cursor", "mcpServers", False),
        ("vscode", "servers", True),
    ],
)
def test_each_client_gets_its_format(project: Path, client: str, key: str, typed: bool) -> None:
    done = install_config(
        "--client", client, "--workspace", str(project), "--read-only", "--toolsets", "files"
    )
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)[key]["fast-genai"]
    assert entry["command"] == FAST_GENAI
    assert entry["args"] == [
        "mcp",
        "--workspace",
        str(project.resolve()),
        "--read-only",
        "--toolsets",
        "files",
    ]
    assert (entry.get("type") == "stdio") is typed
    if client == "claude-code":
        assert f"claude mcp add fast-genai -- {FAST_GENAI} mcp --workspace" in done.stderr


def test_write_adds_to_the_client_file_and_keeps_the_rest(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = home / ".config" / "Claude" / "claude_desktop_config.json"
    config.parent.mkdir(parents=True)
    other: dict[str, Any] = {"command": "/usr/bin/other", "args": []}
    config.write_text(json.dumps({"mcpServers": {"other": other}, "theme": "dark"}))
    first = install_config("--workspace", str(project), "--write", home=home)
    again = install_config("--workspace", str(project), "--write", "--read-only", home=home)
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert first.stdout == ""
    assert str(config) in first.stderr
    written = json.loads(config.read_text())
    assert written["theme"] == "dark"
    assert written["mcpServers"]["other"] == other
    assert written["mcpServers"]["fast-genai"]["args"][-1] == "--read-only"  # replaced, not doubled
    assert sorted(written["mcpServers"]) == ["fast-genai", "other"]


def test_write_to_a_project_file(project: Path) -> None:
    target = project / "custom.json"
    done = install_config(
        "--client",
        "claude-code",
        "--workspace",
        str(project),
        "--write",
        "--config-file",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(target.read_text())["mcpServers"]["fast-genai"]["type"] == "stdio"


def test_a_broken_config_file_is_left_alone(project: Path) -> None:
    target = project / "broken.json"
    target.write_text("{not json")
    done = install_config("--workspace", str(project), "--write", "--config-file", str(target))
    assert done.returncode == 2
    assert "is not a JSON file this command can edit" in done.stderr
    assert target.read_text() == "{not json"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--client", "emacs"], "unknown client 'emacs'; choose one of: claude-desktop"),
        (["--toolsets", "nope"], "unknown toolset(s) in --toolsets: nope"),
        (["--tools", "nope"], "unknown tool name(s) in --tools: nope"),
    ],
)
def test_bad_choices_exit_with_a_message(project: Path, args: list[str], message: str) -> None:
    done = install_config("--workspace", str(project), *args)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert done.stdout == ""
