"""``fast-genai ask --server URL --token TOKEN`` against the web app on uvicorn (loopback) with
the scripted model: answers, writes approved / denied / dry-run, and clear errors for a bad
token, a wrong URL, a refused connection and a 429."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner, Result

from cli.main import app as cli
from tests.fakes.loopback import serve_app
from web.settings import WebSettings


@dataclass
class Remote:
    url: str
    token: str
    token_id: str
    jwt: str


@pytest.fixture
def remote(app: FastAPI) -> Iterator[Remote]:
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        email, password = "alice@example.org", "s3cret-pass!"
        assert http.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        ).is_success
        login = http.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
        jwt = login.json()["access_token"]
        created = http.post(
            "/api/v1/tokens", json={"name": "cli"}, headers={"Authorization": f"Bearer {jwt}"}
        ).json()
        yield Remote(base, created["token"], created["id"], jwt)


def ask(remote: Remote, *args: str, env: dict[str, str] | None = None) -> Result:
    options = ["--server", remote.url, "--token", remote.token] if env is None else []
    return CliRunner().invoke(cli, ["ask", *options, *args], env=env)


def test_an_instruction_runs_on_the_server(remote: Remote) -> None:
    result = ask(remote, "hello there")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "You said: hello there"


def test_server_and_token_from_the_environment(remote: Remote) -> None:
    env = {"FAST_GENAI_SERVER": remote.url, "FAST_GENAI_TOKEN": remote.token}
    result = ask(remote, "from env", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "You said: from env"


def test_a_tool_call_is_shown_and_its_result_used(remote: Remote, workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    result = ask(remote, "read a.txt")
    assert result.exit_code == 0, result.output
    assert "read_file (success)" in result.stderr
    assert "read_file returned:" in result.stdout and "alpha" in result.stdout


def test_a_write_approved_with_yes(remote: Remote, workspace: Path) -> None:
    result = ask(remote, "--yes", "create made.txt")
    assert result.exit_code == 0, result.output
    assert "create_file wants to write" in result.stderr
    assert '"path": "made.txt"' in result.stderr
    assert "approved (--yes)" in result.stderr
    assert (workspace / "made.txt").read_text() == "hello"
    assert "create_file returned:" in result.stdout


def test_a_write_without_a_terminal_is_denied(remote: Remote, workspace: Path) -> None:
    result = ask(remote, "create denied.txt")
    assert result.exit_code == 3, result.output
    assert "no terminal to ask" in result.stderr
    assert "create_file denied" in result.stdout
    assert not (workspace / "denied.txt").exists()


def test_a_question_without_a_terminal_exits_needs_input(remote: Remote) -> None:
    import json

    result = ask(remote, "choose a.txt b.txt")
    assert result.exit_code == 6, result.output
    assert "? Which one?" in result.stderr and "2) b.txt" in result.stderr
    assert "no terminal to answer it" in result.stderr
    as_json = ask(remote, "--json", "choose a.txt b.txt")
    assert as_json.exit_code == 6, as_json.output
    [question] = json.loads(as_json.stdout)["needs_input"]
    assert question["options"] == ["a.txt", "b.txt"]


def test_a_dry_run_writes_nothing(remote: Remote, workspace: Path) -> None:
    result = ask(remote, "--dry-run", "create dry.txt")
    assert result.exit_code == 0, result.output
    assert "create_file returned:" in result.stdout
    assert not (workspace / "dry.txt").exists()


def test_json_output(remote: Remote) -> None:
    import json

    result = ask(remote, "--json", "hi")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "done" and body["output"] == "You said: hi"
    assert body["usage"]["requests"] == 1


def test_a_bad_or_revoked_token_is_a_clear_error(remote: Remote) -> None:
    wrong = CliRunner().invoke(cli, ["ask", "--server", remote.url, "--token", "fg_nope", "hi"])
    assert wrong.exit_code == 2
    assert "the server refused the token (401" in wrong.stderr
    assert "Traceback" not in wrong.output
    revoked = httpx.delete(
        f"{remote.url}/api/v1/tokens/{remote.token_id}",
        headers={"Authorization": f"Bearer {remote.jwt}"},
    )
    assert revoked.status_code == 204
    after = ask(remote, "hi")
    assert after.exit_code == 2
    assert "refused the token" in after.stderr


def test_missing_token_and_model_with_server(remote: Remote) -> None:
    no_token = CliRunner().invoke(
        cli, ["ask", "--server", remote.url, "hi"], env={"FAST_GENAI_TOKEN": ""}
    )
    assert no_token.exit_code == 2
    assert "--token" in no_token.stderr
    model = ask(remote, "--model", "test", "hi")
    assert model.exit_code == 2
    assert "the server chooses its model" in model.stderr


def test_a_wrong_url_is_404(remote: Remote) -> None:
    result = CliRunner().invoke(
        cli, ["ask", "--server", remote.url + "/elsewhere", "--token", remote.token, "hi"]
    )
    assert result.exit_code == 2
    assert "not found (404)" in result.stderr
    assert "Traceback" not in result.output


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(
        cli, ["ask", "--server", f"http://127.0.0.1:{port}", "--token", "fg_x", "hi"]
    )
    assert result.exit_code == 1
    assert f"cannot connect to http://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.output


def test_a_limit_answer_is_readable() -> None:
    async def limited(request: Request) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": "rate_limited", "message": "too many runs", "hint": None}},
            status_code=429,
            headers={"Retry-After": "17"},
        )

    server = Starlette(routes=[Route("/api/v1/run", limited, methods=["POST"])])
    with serve_app(server) as base:
        result = CliRunner().invoke(cli, ["ask", "--server", base, "--token", "fg_x", "hi"])
    assert result.exit_code == 4
    assert "limit reached (429): too many runs; retry after 17 s" in result.stderr


def test_a_server_without_a_model_key_says_so(web_settings: WebSettings) -> None:
    from tools.registry import TOOLS
    from web.app import create_app

    server = create_app(web_settings, tools=TOOLS)  # no agent given: built from the settings
    with serve_app(server) as base, httpx.Client(base_url=base, timeout=30) as http:
        email, password = "alice@example.org", "s3cret-pass!"
        http.post("/api/v1/auth/register", json={"email": email, "password": password})
        login = http.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
        jwt = login.json()["access_token"]
        token = http.post(
            "/api/v1/tokens", json={"name": "cli"}, headers={"Authorization": f"Bearer {jwt}"}
        ).json()["token"]
        result = CliRunner().invoke(cli, ["ask", "--server", base, "--token", token, "hi"])
    assert result.exit_code == 2, result.output
    assert "the server is missing a setting" in result.stderr
    assert "GEMINI_API_KEY" in result.stderr


def test_workspace_names_a_server_workspace(remote: Remote) -> None:
    unknown = ask(remote, "--workspace", "elsewhere", "hi")
    assert unknown.exit_code == 2, unknown.output
    assert "no workspace named 'elsewhere'" in unknown.stderr
    named = ask(remote, "--workspace", "default", "hi")
    assert named.exit_code == 0, named.output
    assert named.stdout.strip() == "You said: hi"
