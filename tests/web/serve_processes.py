"""Real ``fast-genai serve`` processes for end-to-end tests: start and wait until ready, log in,
wait for a run to settle, kill -9 mid-stream; and two instances on one PostgreSQL database.

Shared by test_serve_e2e.py, test_crash_recovery.py, test_two_instances.py, test_runs_cli.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, gemini  # noqa: F401 - the fixture
from tests.web.conftest import PG_ENV, _reset_postgres
from web.migrate import upgrade
from web.settings import normalise_database_url

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
PASSWORD = "s3cret-pass!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, workspace: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [FAST_GENAI, "serve", "--port", str(self.port), "--workspace", str(workspace)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"serve did not become ready: {self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._out.close()

    def kill(self) -> None:
        """kill -9: no shutdown, no last write."""
        self.process.kill()
        self.process.wait()


def login(client: httpx.Client, email: str) -> dict[str, str]:
    """Register ``email`` and log in: the bearer header."""
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return log_in(client, email)


def log_in(client: httpx.Client, email: str) -> dict[str, str]:
    """Log a registered user in (again, e.g. on a restarted or another instance)."""
    token = client.post(
        "/api/v1/auth/jwt/login", data={"username": email, "password": PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


StartServer = Callable[..., Server]


@pytest.fixture
def start_server(workspace: Path, tmp_path: Path) -> Iterator[StartServer]:
    """``start_server(name, wait=True)``: a ``serve`` on the test's workspace (ready, unless
    ``wait=False``), logging to ``<tmp>/<name>.log``; every one still running is stopped at the
    end. The environment is the test's at the time of the call."""
    started: list[Server] = []

    def start(name: str, *, wait: bool = True) -> Server:
        server = Server(workspace, tmp_path / f"{name}.log")
        started.append(server)
        if wait:
            server.wait_ready()
        return server

    try:
        yield start
    finally:
        for server in started:
            if server.process.poll() is None:
                server.stop()
            else:
                server._out.close()


def settled(
    client: httpx.Client, headers: dict[str, str], chat_id: str, timeout: float = 60
) -> dict[str, Any]:
    """The conversation once its run no longer runs (``pytest.fail`` after ``timeout``)."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/conversations/{chat_id}", headers=headers).json()
        if body["status"] != "running":
            return body
        time.sleep(0.2)
    pytest.fail(f"the run did not finish: {body}")


def texts(body: dict[str, Any], role: str) -> list[str]:
    """The text of each message of ``role`` in a conversation's detail."""
    return [
        "".join(p.get("text", "") for p in m["parts"] if p["type"] == "text")
        for m in body["messages"]
        if m["role"] == role
    ]


def kill_when(server: Server, response: httpx.Response, deltas: int) -> int:
    """Read the stream until ``deltas`` text deltas arrived, then kill -9 the server."""
    seen = 0
    for line in response.iter_lines():
        if '"text-delta"' in line:
            seen += 1
        if seen >= deltas:
            server.kill()
            break
    return seen


@pytest.fixture
def shared_database(monkeypatch: pytest.MonkeyPatch) -> str:
    """The test PostgreSQL database, reset and migrated, as the servers' ``DATABASE_URL``."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("FAST_GENAI_REQUIRE_EXTERNAL") == "1":
            pytest.fail(f"{PG_ENV} is not set, and CI requires every test to run")
        pytest.skip(f"set {PG_ENV} to a PostgreSQL database to run two instances on it")
    _reset_postgres(normalise_database_url(url))
    upgrade(normalise_database_url(url))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def pair(
    shared_database: str,
    gemini: FakeGemini,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    start_server: StartServer,
) -> tuple[Server, Server, FakeGemini]:
    """Two ready instances (executors ``instance-a``, ``instance-b``) on one PostgreSQL."""
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    monkeypatch.setenv("FAST_GENAI_SECRET_KEY", "one-secret-for-both-instances-0123456789")
    servers: list[Server] = []
    for name in ("a", "b"):  # both start at once, then both are waited for
        monkeypatch.setenv("FAST_GENAI_EXECUTOR_ID", f"instance-{name}")
        servers.append(start_server(name, wait=False))
    for server in servers:
        server.wait_ready()
    return servers[0], servers[1], gemini


def database_rows(sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of the servers' app database (the test's ``DATABASE_URL``, or the default SQLite
    file in the data dir), read directly: what was stored, not what the API shows."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from web.settings import WebSettings

    async def read() -> list[tuple[Any, ...]]:
        engine = create_async_engine(WebSettings().database_url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text(sql), params)
                return [tuple(row) for row in result]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def approval_parts(
    request: dict[str, Any], *, approved: bool = True, tool: str = "create_file"
) -> dict[str, Any]:
    """The AI SDK's message answering a ``tool-approval-request`` chunk of ``tool``."""
    return {
        "id": "a1",
        "role": "assistant",
        "parts": [
            {
                "type": f"tool-{tool}",
                "toolCallId": request["toolCallId"],
                "state": "approval-responded",
                "input": {},
                "approval": {"id": request["approvalId"], "approved": approved},
            }
        ],
    }
