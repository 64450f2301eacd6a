"""list_files and search_code stop at the result size budget: the JSON a client receives stays
under ``max_result_bytes`` and the result says it is truncated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.files.list_files import list_files
from tools.files.ripgrep import rg_binary_or_none
from tools.files.search_code import search_code
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio

BUDGET = 4_000


def _ctx(root: Path, tmp_path: Path, max_result_bytes: int) -> ToolContext:
    settings = ToolSettings(cache_dir=tmp_path / "cache", max_result_bytes=max_result_bytes)
    return ToolContext.local(str(root), settings=settings)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for n in range(200):
        folder = root / f"d{n % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"file_{n:03}_é.py").write_text(f'needle = "{"ü" * 50}{n}"\n' * 3)
    return root


async def test_list_files_stops_at_the_budget(tree: Path, tmp_path: Path) -> None:
    whole = await list_files(_ctx(tree, tmp_path, 512_000))
    assert not whole.truncated and len(whole.entries) == 205
    cut = await list_files(_ctx(tree, tmp_path, BUDGET))
    assert cut.truncated and 0 < len(cut.entries) < 205
    assert len(cut.model_dump_json().encode()) <= BUDGET
    assert {e.path for e in cut.entries} <= {e.path for e in whole.entries}


@pytest.mark.skipif(rg_binary_or_none() is None, reason="ripgrep is not installed")
@pytest.mark.parametrize("context_lines", [0, 2])
async def test_search_stops_at_the_budget(tree: Path, tmp_path: Path, context_lines: int) -> None:
    whole = await search_code(_ctx(tree, tmp_path, 512_000), "needle", context_lines=context_lines)
    assert not whole.truncated and len(whole.hits) == 600
    budget = BUDGET * 4 if context_lines else BUDGET
    cut = await search_code(_ctx(tree, tmp_path, budget), "needle", context_lines=context_lines)
    assert cut.truncated and 0 < len(cut.hits) < 600
    assert len(cut.model_dump_json().encode()) <= budget
    every = {(h.path, h.line): h for h in whole.hits}
    for hit in cut.hits:  # the hits kept are whole, context included
        assert every[(hit.path, hit.line)] == hit
