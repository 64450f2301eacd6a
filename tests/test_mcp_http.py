"""The MCP server over streamable HTTP (uvicorn on loopback) through the SDK's real client:
bearer authentication (401 with WWW-Authenticate), per-user contexts, Host/Origin checks,
every tool called, progress over the response stream, and the standalone `mcp --http`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr
from starlette.requests import HTTPConnection

from mcp_server.auth import Principal, StaticTokenVerifier
from mcp_server.http import create_mcp_app
from mcp_server.options import ToolFilter
from tests.fakes.loopback import serve_app
from tests.mcp_client import ACCEPT, INIT, connect, text_of
from tests.mcp_samples import SAMPLES, write_sample_tree
from tests.test_mcp_server import SPECS
from tools.context import ToolContext
from tools.registry import TOOLS

pytestmark = pytest.mark.anyio

TOKEN = "test-token-0123456789"


@pytest.fixture
def tree(workspace: Path) -> Path:
    write_sample_tree(workspace)
    return workspace


@pytest.fixture
def url(tree: Path) -> Iterator[str]:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    app = create_mcp_app(verifier).standalone()
    with serve_app(app) as base:
        yield base + "/mcp"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_every_tool_over_http(url: str, tree: Path, mode: str) -> None:
    problems: list[str] = []
    async with connect(url, TOKEN, mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS}
        for spec in TOOLS:
            sample = SAMPLES[spec.name]
            if sample.ok is not None and not spec.writes:
                ok = await client.call_tool(spec.name, sample.ok)
                if ok.is_error or ok.structured_content is None:
                    problems.append(f"{spec.name}: {text_of(ok)}")
            failed = await client.call_tool(spec.name, sample.fail)
            if not failed.is_error or sample.message not in text_of(failed):
                problems.append(f"{spec.name}: failing call gave {text_of(failed)!r}")
    assert not problems, "\n".join(problems)


def test_no_token_is_401_with_a_challenge(url: str) -> None:
    response = httpx.post(url, json=INIT, headers=ACCEPT)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="fast-genai"'
    assert "Authorization: Bearer" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        ("Bearer wrong-token", 'error="invalid_token"'),
        (f"Bearer {TOKEN}x", 'error="invalid_token"'),
        (f"Basic {TOKEN}", 'error="invalid_request"'),
        ("Bearer", 'error="invalid_request"'),
    ],
)
def test_bad_tokens_are_401(url: str, authorization: str, error: str) -> None:
    response = httpx.post(url, json=INIT, headers={**ACCEPT, "authorization": authorization})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="fast-genai"')
    assert error in challenge


async def test_the_sdk_client_with_a_wrong_token_is_refused(url: str) -> None:
    with pytest.raises(BaseException) as caught:
        async with connect(url, token="wrong") as client:
            await client.list_tools()
    leaves = [caught.value]
    while any(isinstance(leaf, BaseExceptionGroup) for leaf in leaves):
        leaves = [
            inner
            for leaf in leaves
            for inner in (leaf.exceptions if isinstance(leaf, BaseExceptionGroup) else [leaf])
        ]
    # The SDK client reports the refused request without its status (the raw 401 is checked above).
    assert any(isinstance(leaf, MCPError) for leaf in leaves), leaves


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"host": "evil.example"}, 421),
        ({"host": "evil.example:80"}, 421),
        ({"origin": "http://evil.example"}, 403),
    ],
)
def test_dns_rebinding_is_refused_before_auth(
    url: str, headers: dict[str, str], status: int
) -> None:
    response = httpx.post(
        url, json=INIT, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}", **headers}
    )
    assert response.status_code == status


def test_a_configured_host_is_accepted(tree: Path) -> None:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    app = create_mcp_app(
        verifier, allowed_hosts=["mcp.example.com"], allowed_origins=["https://app.example.com"]
    )
    with serve_app(app.standalone()) as base:
        headers = {
            **ACCEPT,
            "authorization": f"Bearer {TOKEN}",
            "host": "mcp.example.com",
            "origin": "https://app.example.com",
        }
        response = httpx.post(base + "/mcp", json=INIT, headers=headers)
    assert response.status_code == 200
    assert "fast-genai" in response.text


@dataclass
class Users:
    """A verifier over per-user tokens, with revocation, as the web layer will provide."""

    roots: dict[str, Path]
    revoked: set[str] = field(default_factory=set)

    async def verify(self, token: str, request: HTTPConnection) -> Principal | None:
        if token not in self.roots or token in self.revoked:
            return None
        ctx = ToolContext.local(str(self.roots[token]))
        ctx.actor = f"user-{token}"
        return Principal(user_id=f"user-{token}", context=ctx)


async def test_each_user_gets_their_own_workspace_and_revocation_applies(tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text(f"{name}'s file\n")
    users = Users({"alice": tmp_path / "alice", "bob": tmp_path / "bob"})
    app = create_mcp_app(users, tool_filter=ToolFilter(read_only=True))
    with serve_app(app.standalone()) as base:
        for name in ("alice", "bob"):
            async with connect(base + "/mcp", token=name) as client:
                result = await client.call_tool("read_file", {"path": "mine.txt"})
                assert result.structured_content is not None
                assert f"{name}'s file" in result.structured_content["content"]
                created = await client.call_tool("create_file", {"path": "a", "content": "b"})
                assert created.is_error is True
        users.revoked.add("alice")
        async with httpx.AsyncClient() as http:
            response = await http.post(
                base + "/mcp", json=INIT, headers={**ACCEPT, "authorization": "Bearer alice"}
            )
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_progress_and_errors_over_http(tree: Path) -> None:
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    app = create_mcp_app(verifier, specs=SPECS)
    seen: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(done)

    with serve_app(app.standalone()) as base:
        async with connect(base + "/mcp", TOKEN) as client:
            done = await client.call_tool("steps", {"count": 4}, progress_callback=on_progress)
            buggy = await client.call_tool("buggy", {})
            with pytest.raises(MCPError, match="does not exist"):
                await client.read_resource("file://" + str(tree) + "/nope.txt")
    assert done.structured_content == {"steps": 4}
    assert seen == [1, 2, 3, 4]
    assert buggy.is_error is True
    assert "internal error" in text_of(buggy)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))


@dataclass
class Standalone:
    url: str
    proc: subprocess.Popen[bytes]


@pytest.fixture
def standalone(tree: Path) -> Iterator[Standalone]:
    """`fast-genai mcp --http --port N` as a subprocess, listening."""
    port = free_port()
    env = {**os.environ, "FAST_GENAI_MCP_TOKEN": TOKEN}
    cmd = [FAST_GENAI, "mcp", "--http", "--port", str(port), "--workspace", str(tree)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, "fast-genai mcp --http exited"
                assert time.monotonic() < deadline, "fast-genai mcp --http did not listen"
                time.sleep(0.1)
        yield Standalone(f"http://127.0.0.1:{port}/mcp", proc)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()


async def test_standalone_http_command(standalone: Standalone) -> None:
    async with connect(standalone.url, TOKEN, mode="legacy") as client:
        result = await client.call_tool("read_file", {"path": "README.md"})
    assert result.structured_content is not None
    assert "hello world" in result.structured_content["content"]
    async with httpx.AsyncClient() as http:
        anonymous = await http.post(standalone.url, json=INIT, headers=ACCEPT)
    assert anonymous.status_code == 401
    standalone.proc.terminate()
    assert standalone.proc.stderr is not None
    banner = standalone.proc.stderr.read().decode()
    assert standalone.url in banner


def test_standalone_http_needs_a_token(tree: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FAST_GENAI_MCP_TOKEN"}
    done = subprocess.run(
        [FAST_GENAI, "mcp", "--http", "--workspace", str(tree)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "FAST_GENAI_MCP_TOKEN" in done.stderr


async def test_mounted_in_a_fastapi_app_as_documented(tree: Path) -> None:
    """The recipe docs/mcp.md gives the web layer: a route at /mcp plus the lifespan."""
    from collections.abc import AsyncIterator as Lifespan

    from fastapi import FastAPI

    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(tree)))
    mcp = create_mcp_app(verifier, tool_filter=ToolFilter(read_only=True))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Lifespan[None]:
        async with mcp.lifespan():
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_route("/mcp", mcp.endpoint, methods=["GET", "POST", "DELETE"])

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    with serve_app(app) as base:
        async with connect(base + "/mcp", TOKEN) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            read = await client.call_tool("read_file", {"path": "README.md"})
        async with httpx.AsyncClient() as http:
            anonymous = await http.post(base + "/mcp", json=INIT, headers=ACCEPT)
            health = await http.get(base + "/health")
    assert names == {spec.name for spec in TOOLS if not spec.writes}
    assert read.is_error is False
    assert anonymous.status_code == 401
    assert health.json() == {"status": "ok"}


@pytest.mark.parametrize("version", ["1999-01-01", "2025-13-99", "latest"])
def test_an_unknown_protocol_version_is_named(url: str, version: str) -> None:
    headers = {**ACCEPT, "authorization": f"Bearer {TOKEN}", "mcp-protocol-version": version}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    response = httpx.post(url, json=listing, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == -32022
    assert f"unsupported MCP-Protocol-Version {version!r}" in error["message"]
    assert "2025-11-25" in error["message"]
    assert error["data"] == {
        "supported": ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"],
        "requested": version,
    }


def test_a_known_protocol_version_is_served(url: str) -> None:
    headers = {**ACCEPT, "authorization": f"Bearer {TOKEN}", "mcp-protocol-version": "2025-06-18"}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    response = httpx.post(url, json=listing, headers=headers)
    assert response.status_code == 200
    assert '"tools"' in response.text
