"""`fast-genai tools list/call` with the file tools, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli import exit_codes
from cli.main import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tools_list_json_names_the_file_tools() -> None:
    code, out, _ = invoke("tools", "list", "--json")
    assert code == exit_codes.OK
    tools = {tool["name"]: tool for tool in json.loads(out)}
    assert {"list_files", "read_file", "create_file"} <= set(tools)
    assert tools["create_file"]["kind"] == "write"
    assert tools["read_file"]["kind"] == "read"
    assert "path" in tools["read_file"]["parameters"]["properties"]


def test_read_file_json(workspace: Path) -> None:
    (workspace / "notes.txt").write_text("one\ntwo\nthree\n")
    code, out, _ = invoke(
        "tools",
        "call",
        "read_file",
        "path=notes.txt",
        "start_line=2",
        "-w",
        str(workspace),
        "--json",
    )
    assert code == exit_codes.OK
    result = json.loads(out)
    assert result["content"] == "2\ttwo\n3\tthree\n"
    assert result["total_lines"] == 3


def test_human_views(workspace: Path) -> None:
    (workspace / "app.py").write_text("def main():\n    return 42\n")
    code, out, _ = invoke("tools", "call", "read_file", "path=app.py", "-w", str(workspace))
    assert code == exit_codes.OK
    assert "def main" in out and "return 42" in out
    code, out, _ = invoke("tools", "call", "list_files", "-w", str(workspace))
    assert code == exit_codes.OK
    assert "app.py" in out and "1 entry under ." in out


def test_read_file_piped_is_the_plain_numbered_lines(workspace: Path) -> None:
    """Not a terminal: the content as the tool returns it, no highlighting, no lexer guessed."""
    (workspace / "notes").write_text("alpha\nbeta [bold]x[/]\n")
    code, out, _ = invoke("tools", "call", "read_file", "path=notes", "-w", str(workspace))
    assert code == exit_codes.OK
    code, raw, _ = invoke(
        "tools", "call", "read_file", "path=notes", "-w", str(workspace), "--json"
    )
    assert out.startswith(json.loads(raw)["content"])
    assert "beta [bold]x[/]" in out


def test_bad_arguments_exit_2(workspace: Path) -> None:
    code, _, err = invoke("tools", "call", "read_file", "start_line=0", "-w", str(workspace))
    assert code == exit_codes.BAD_INPUT
    assert "path" in err and "start_line" in err
    code, _, err = invoke("tools", "call", "read_file", "path=a", "bogus=1", "-w", str(workspace))
    assert code == exit_codes.BAD_INPUT


def test_tool_error_exits_1_with_the_message_on_stderr(workspace: Path) -> None:
    code, out, err = invoke(
        "tools", "call", "read_file", "path=../outside.txt", "-w", str(workspace), "--json"
    )
    assert code == exit_codes.TOOL_ERROR
    assert out == ""
    assert "outside the workspace" in err
    code, _, err = invoke("tools", "call", "read_file", "path=missing.txt", "-w", str(workspace))
    assert code == exit_codes.TOOL_ERROR
    assert "does not exist" in err


def test_create_file_needs_approval(workspace: Path) -> None:
    args = ("tools", "call", "create_file", "path=new.txt", "content=hello", "-w", str(workspace))
    code, _, err = invoke(*args)
    assert code == exit_codes.DENIED
    assert "--yes" in err
    assert not (workspace / "new.txt").exists()

    code, out, _ = invoke(*args, "--dry-run", "--json")
    assert code == exit_codes.OK
    assert json.loads(out)["dry_run"] is True
    assert not (workspace / "new.txt").exists()

    code, out, _ = invoke(*args, "--yes", "--json")
    assert code == exit_codes.OK
    assert json.loads(out) == {
        "path": "new.txt",
        "bytes_written": 5,
        "created": True,
        "dry_run": False,
        "preview": None,
        "diff": None,  # a dry run of an overwrite shows one
        "diff_truncated": False,
    }
    assert (workspace / "new.txt").read_text() == "hello"

    code, _, err = invoke(*args, "--yes")
    assert code == exit_codes.TOOL_ERROR
    assert "overwrite=true" in err


def test_denied_in_a_real_process_without_a_terminal(workspace: Path) -> None:
    command = [sys.executable, "-c", "from cli.main import main; main()"]
    done = subprocess.run(
        [
            *command,
            "tools",
            "call",
            "create_file",
            "path=x.txt",
            "content=hi",
            "-w",
            str(workspace),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == exit_codes.DENIED, done.stderr
    assert "not approved" in done.stderr
    assert not (workspace / "x.txt").exists()
