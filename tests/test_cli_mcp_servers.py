"""``fast-genai mcp-servers add|list|test|remove`` as a user runs them (real subprocesses; our
own ``fast-genai mcp`` is the server tested, a closed loopback port the one that fails)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FAST_GENAI, "mcp-servers", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_add_list_test_remove(workspace: Path) -> None:
    added = cli(
        "add",
        "ours",
        "--command",
        FAST_GENAI,
        "--arg",
        "mcp",
        "--arg",
        "--workspace",
        "--arg",
        str(workspace),
        "--env",
        "FAST_GENAI_LOG_LEVEL=warning",
    )
    assert added.returncode == 0, added.stderr
    port = closed_port()
    gone = cli("add", "gone", "--url", f"http://127.0.0.1:{port}/mcp", "--read-only")
    assert gone.returncode == 0, gone.stderr
    stored = tomllib.loads(Path(os.environ["FAST_GENAI_CONFIG"]).read_text())
    assert [s["name"] for s in stored["mcp_servers"]] == ["ours", "gone"]
    assert stored["mcp_servers"][0]["env"] == {"FAST_GENAI_LOG_LEVEL": "warning"}

    listing = cli("list").stdout
    assert (
        "ours  stdio" in listing
        and f"gone  http  http://127.0.0.1:{port}/mcp  (read-only)" in listing
    )

    tested = cli("test")
    assert tested.returncode == 1  # one server failed
    assert "ours: ok" in tested.stdout
    assert "ours_read_file  [read-only]" in tested.stdout
    assert "ours_create_file  [needs approval]" in tested.stdout
    assert "gone: cannot use" in tested.stderr

    assert cli("remove", "gone").returncode == 0
    stored = tomllib.loads(Path(os.environ["FAST_GENAI_CONFIG"]).read_text())
    assert [s["name"] for s in stored["mcp_servers"]] == ["ours"]
    both = cli("add", "two", "--command", "x", "--url", "http://127.0.0.1:1/")
    assert both.returncode == 2 and "either command or url" in both.stderr


def test_config_set_takes_the_list_as_json() -> None:
    from typer.testing import CliRunner

    from agent.settings import AgentSettings
    from cli.main import app

    runner = CliRunner()
    value = (
        '[{"name": "fs", "command": "mcp-server-filesystem", "args": ["/srv"], "read_only": true}]'
    )
    stored = runner.invoke(app, ["config", "set", "mcp_servers", value])
    assert stored.exit_code == 0, stored.output
    [server] = AgentSettings().mcp_servers
    assert server.name == "fs" and server.args == ["/srv"] and server.read_only
    wrong = runner.invoke(app, ["config", "set", "mcp_servers", '[{"name": "x"}]'])
    assert wrong.exit_code == 2 and "either command or url" in wrong.output
    kept = runner.invoke(app, ["config", "set", "max_results", "7"])  # the list survives
    assert kept.exit_code == 0, kept.output
    assert [s.name for s in AgentSettings().mcp_servers] == ["fs"]
