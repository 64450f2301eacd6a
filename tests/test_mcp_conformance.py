"""The official MCP conformance suite (``@modelcontextprotocol/conformance`` 0.1.16 under Node 22,
both from npm in ``tests/conformance``) against ``mcp_server``'s streamable HTTP app on loopback.

Every server scenario of the suite runs; the ones that need the suite's own fixture tools,
prompts and resources (or subscriptions, which this server does not offer) are listed in
``tests/conformance/baseline.yml``. The suite fails the test on a new failure and on a listed
scenario that passes. Its scenarios send no credentials, so a shim in front of the endpoint adds
the bearer token a configured client would send; everything behind it is the real app.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_server.auth import StaticTokenVerifier
from mcp_server.http import create_mcp_app
from tests.conftest import require_program
from tests.fakes.loopback import serve_app
from tests.mcp_samples import write_sample_tree
from tools.context import ToolContext

SUITE = Path(__file__).parent / "conformance"
BIN = SUITE / "node_modules" / ".bin"
TOKEN = "conformance-token-0123456789"


@dataclass(frozen=True)
class WithToken:
    """Adds ``Authorization: Bearer TOKEN`` to each request, as a configured client would."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            headers.append((b"authorization", f"Bearer {TOKEN}".encode()))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


@pytest.fixture
def url(workspace: Path) -> Iterator[str]:
    write_sample_tree(workspace)
    verifier = StaticTokenVerifier(SecretStr(TOKEN), ToolContext.local(str(workspace)))
    app = create_mcp_app(verifier).standalone()
    route = app.router.routes[0]
    assert isinstance(route, Route)
    route.app = WithToken(route.app)
    with serve_app(app) as base:
        yield base + "/mcp"


def test_conformance_server_scenarios(url: str, tmp_path: Path) -> None:
    conformance = require_program(str(BIN / "conformance"))
    node = require_program(str(BIN / "node"))
    env = {**os.environ, "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            conformance,
            "server",
            "--url",
            url,
            "--expected-failures",
            str(SUITE / "baseline.yml"),
            "--output-dir",
            str(tmp_path / "results"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    summary = done.stdout[done.stdout.rfind("=== SUMMARY") :]
    assert done.returncode == 0, f"{summary}\n{done.stderr[-3000:]}"
    for scenario in (
        "server-initialize",
        "ping",
        "tools-list",
        "tools-call-error",
        "resources-list",
        "dns-rebinding-protection",
        "logging-set-level",
        "prompts-list",
        "completion-complete",
    ):
        assert f"✓ {scenario}:" in summary, summary
