"""Start-up failures of ``serve`` exit with their own code (5) and one clear line; ``users
create`` reads a piped password without warnings and says when it needs one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from cli import exit_codes
from tests.running.served import free_port

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


def _run(
    *argv: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    done = subprocess.run(
        [FAST_GENAI, *argv], input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})}, stdin=None if stdin is not None else subprocess.DEVNULL,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert lines[0].startswith("error: cannot start: "), lines[0]
    return lines[0]


def test_a_port_in_use_is_one_line_and_exit_code_5(workspace: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = _run("serve", "--port", str(port), "--workspace", str(workspace))
    assert code == exit_codes.STARTUP == 5
    line = _one_error_line(err)
    assert f"127.0.0.1:{port}" in line and "already in use" in line


def test_a_missing_workspace_is_refused_like_tools_call(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    code, _, err = _run("serve", "--port", str(free_port()), "--workspace", str(missing))
    assert code == exit_codes.STARTUP
    assert str(missing) in _one_error_line(err) and "does not exist" in err
    tools_code, _, tools_err = _run("tools", "call", "read_file", "path=x", "-w", str(missing))
    assert tools_code == exit_codes.BAD_INPUT and "does not exist" in tools_err


def test_a_configured_workspace_that_is_missing_is_refused(workspace: Path, tmp_path: Path) -> None:
    roots = f"main={workspace},gone={tmp_path / 'gone'}"
    code, _, err = _run("serve", "--port", str(free_port()), env={"FAST_GENAI_WORKSPACES": roots})
    assert code == exit_codes.STARTUP
    assert "'gone'" in _one_error_line(err)


def test_an_unreachable_database_is_one_line(workspace: Path) -> None:
    closed = free_port()  # nothing listens there any more: connection refused on loopback
    code, _, err = _run(
        "serve", "--port", str(free_port()), "--workspace", str(workspace),
        env={"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed}/none"},
    )  # fmt: skip
    assert code == exit_codes.STARTUP
    assert "the database cannot be opened" in _one_error_line(err)


def test_users_create_reads_a_piped_password_without_warnings() -> None:
    code, out, err = _run("users", "create", "--email", "pipe@example.org", stdin="s3cret-pass!\n")
    assert code == 0, err
    assert "created user pipe@example.org" in out
    assert "Warning" not in err and "Aborted" not in err, err


def test_users_create_without_a_password_says_how_to_give_one() -> None:
    code, _, err = _run("users", "create", "--email", "none@example.org")  # stdin: /dev/null
    assert code == exit_codes.BAD_INPUT
    assert "needs a password" in err and "pipe it on standard input" in err
    assert "Warning" not in err and "Aborted" not in err, err
