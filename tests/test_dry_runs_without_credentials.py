"""A dry run of each integration works without credentials: it shows what would be sent, says
that nothing was checked against the service and which credential the real call needs, and sends
nothing (the service URLs point at a loopback listener that must see no connection)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.errors import MissingCredential
from tools.integrations.github_file import create_github_file
from tools.integrations.jira_issue import create_jira_issue
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio

PAGE_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback listener standing in for every service; it must stay untouched."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.setblocking(False)
        yield sock
        with pytest.raises(BlockingIOError):  # no connection was attempted
            sock.accept()


@pytest.fixture
def bare_ctx(
    workspace: Path, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> ToolContext:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("GITHUB_API_URL", url)
    monkeypatch.setenv("NOTION_API_URL", url)
    return ToolContext.local(str(workspace), settings=ToolSettings())


def _assert_unchecked(notes: list[str], service: str, setting: str) -> None:
    assert notes[0].startswith(f"not checked against {service}: a dry run sends nothing")
    assert notes[1].startswith("no credentials are set for the real call") and setting in notes[1]


async def test_github_dry_run_without_a_token(bare_ctx: ToolContext) -> None:
    result = await create_github_file(
        bare_ctx, "octo/hello", "docs/a.md", "hi", "Add", dry_run=True
    )
    assert result.dry_run and result.request is not None
    assert result.request["method"] == "PUT"
    assert result.request["url"].endswith("/repos/octo/hello/contents/docs/a.md")
    assert result.request["json"]["message"] == "Add"
    _assert_unchecked(result.notes, "GitHub", "GITHUB_TOKEN")
    with pytest.raises(MissingCredential, match="GitHub token"):
        await create_github_file(bare_ctx, "octo/hello", "docs/a.md", "hi", "Add")


async def test_notion_dry_run_without_a_token(bare_ctx: ToolContext) -> None:
    result = await create_notion_page(bare_ctx, PAGE_ID, "Notes", "# Hello\n\n- one", dry_run=True)
    assert result.dry_run and result.request is not None
    assert result.request["url"].endswith("/v1/pages")
    body = result.request["json"]
    assert (
        body["parent"] == {"page_id": "01234567-89ab-cdef-0123-456789abcdef"}
        and len(body["children"]) == 2
    )
    _assert_unchecked(result.notes, "Notion", "NOTION_TOKEN")
    with pytest.raises(MissingCredential, match="Notion token"):
        await create_notion_page(bare_ctx, PAGE_ID, "Notes", "# Hello")


async def test_jira_dry_run_without_address_or_token(bare_ctx: ToolContext) -> None:
    result = await create_jira_issue(bare_ctx, "OPS", "Check the backups", "**now**", dry_run=True)
    assert result.dry_run and result.request is not None
    assert result.request["url"] == "<JIRA_URL>/rest/api/2/issue"
    assert result.request["json"]["fields"]["summary"] == "Check the backups"
    _assert_unchecked(result.notes, "Jira", "JIRA_URL")
    with pytest.raises(MissingCredential, match="Jira address"):
        await create_jira_issue(bare_ctx, "OPS", "Check the backups", "**now**")


async def test_jira_dry_run_with_an_address_but_no_token(
    bare_ctx: ToolContext, listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    ctx = ToolContext.local(str(bare_ctx.workspace.root), settings=ToolSettings())
    result = await create_jira_issue(ctx, "OPS", "Check", "text", dry_run=True)
    assert result.request is not None
    assert result.request["url"].startswith("http://127.0.0.1:")
    _assert_unchecked(result.notes, "Jira", "JIRA_PERSONAL_TOKEN")
