"""Files with more than one hard link are not read unless the operator allows them.

A hard link inside the workspace may be the very inode of a file outside it (or of ``.env``):
no path check can tell, so read_file, search_code, code_outline, summarize and MCP reads refuse
or skip any regular file whose link count is above one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.code.code_outline import code_outline
from tools.code.outline_extract import outline_file
from tools.code.summarize import summarize
from tools.context import ToolContext
from tools.errors import HardLinkRefused
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.files.search_code import search_code
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio
SECRET = "OUTSIDE_SECRET_4242"


@pytest.fixture
def linked(workspace: Path, tmp_path: Path) -> Path:
    """``ws/src/leak.py`` is a hard link to ``outside/secret.py``; ``ws/src/ok.py`` is not."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(f'def leak():\n    return "{SECRET}"\n')
    (workspace / "src").mkdir()
    os.link(outside / "secret.py", workspace / "src" / "leak.py")
    (workspace / "src" / "ok.py").write_text("def fine():\n    return 1\n")
    (workspace / ".env").write_text("TOKEN=hunter2\n")
    os.link(workspace / ".env", workspace / "notes.txt")
    return workspace


def _ctx(root: Path, *, allow: bool = False) -> ToolContext:
    return ToolContext.local(str(root), settings=ToolSettings(allow_hardlinked_files=allow))


@pytest.mark.parametrize("path", ["src/leak.py", "notes.txt"])
async def test_read_file_refuses_a_hard_link(linked: Path, path: str) -> None:
    with pytest.raises(HardLinkRefused, match="2 hard links") as caught:
        await read_file(_ctx(linked), path)
    assert caught.value.code == "hard_linked"
    assert "FAST_GENAI_ALLOW_HARDLINKED_FILES" in str(caught.value)


async def test_outline_and_summary_of_a_hard_link_are_refused(linked: Path) -> None:
    with pytest.raises(HardLinkRefused):
        await code_outline(_ctx(linked), "src/leak.py")
    with pytest.raises(HardLinkRefused):
        await summarize(_ctx(linked), "src/leak.py")


async def test_walks_and_searches_skip_hard_links(linked: Path) -> None:
    ctx = _ctx(linked)
    outline = await code_outline(ctx, "src")
    assert [f.path for f in outline.files] == ["src/ok.py"]
    assert SECRET not in outline.model_dump_json()
    summary = await summarize(ctx, "src")
    assert SECRET not in summary.model_dump_json() and "leak" not in summary.model_dump_json()
    found = await search_code(ctx, SECRET)
    assert found.hits == []
    assert any("several hard links" in w for w in found.warnings), found.warnings
    with pytest.raises(HardLinkRefused):
        await search_code(ctx, SECRET, path="src/leak.py")
    hunter = await search_code(ctx, "hunter2")
    assert hunter.hits == []
    # names are still listed: a name is no content
    listed = await list_files(ctx, "src")
    assert {e.path for e in listed.entries} >= {"src/leak.py", "src/ok.py"}


async def test_the_operator_can_allow_hard_links(linked: Path) -> None:
    ctx = _ctx(linked, allow=True)
    assert SECRET in (await read_file(ctx, "src/leak.py")).content
    outline = await code_outline(ctx, "src")
    assert [f.path for f in outline.files] == ["src/leak.py", "src/ok.py"]
    assert [h.path for h in (await search_code(ctx, SECRET)).hits] == ["src/leak.py"]


async def test_mcp_resource_read_refuses_a_hard_link(linked: Path) -> None:
    from mcp.shared.exceptions import MCPError

    from mcp_server import resources

    with pytest.raises(MCPError, match="2 hard links"):
        await resources.read(_ctx(linked), resources.file_uri(linked / "src" / "leak.py"))


def test_a_hard_link_made_after_the_walk_is_not_parsed(tmp_path: Path) -> None:
    """The parse (in a worker process) is given the link count the walk saw."""
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    pass\n")
    assert '"supported":true' in outline_file(str(path), "python", 100_000, 1)[0].replace(" ", "")
    os.link(path, tmp_path / "other.py")
    blob, cacheable = outline_file(str(path), "python", 100_000, 1)
    assert "2 hard links" in blob and not cacheable
