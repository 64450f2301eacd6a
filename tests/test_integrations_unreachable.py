"""A service that does not answer: retried, then one clear error naming it (no traceback)."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.errors import UpstreamError
from tools.integrations.github_file import create_github_file
from tools.integrations.jira_issue import create_jira_issue
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


CALLS: dict[str, Callable[[ToolContext], Awaitable[object]]] = {
    "GitHub": lambda ctx: create_github_file(ctx, "o/r", "a.md", "x", "Add"),
    "Notion": lambda ctx: create_notion_page(ctx, "0" * 32, "T", "x"),
    "Jira": lambda ctx: create_jira_issue(ctx, "ABC", "Summary"),
}


@pytest.mark.parametrize("service", list(CALLS))
async def test_unreachable_service(workspace: Path, service: str) -> None:
    url = closed_port()
    settings = ToolSettings(
        github_api_url=url, github_token="t", notion_api_url=url, notion_token="n",
        jira_url=url, jira_personal_token="p", upstream_attempts=2, upstream_backoff=0,
        allowed_internal_hosts="127.0.0.1",  # the closed port is on loopback
    )  # fmt: skip
    ctx = ToolContext.local(str(workspace), settings=settings)
    with pytest.raises(UpstreamError) as caught:
        await CALLS[service](ctx)
    message = str(caught.value)
    assert message.startswith(f"could not reach {service}") and "gave up after 2 tries" in message
