"""A directory outline streams: path order, cut at the result size budget, continued with
``after``, and a cancelled outline stops its parse workers."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest

from tools.code.code_outline import WINDOW_FILES, WINDOW_MIN_FILES, code_outline
from tools.code.outline_batch import IN_PROCESS_BYTES, ParsePool, SourceFile, outline_batch
from tools.code.outline_cache import OutlineCache
from tools.code.outline_memo import MEMO, OutlineMemo, outline_sources
from tools.code.outline_walk import iter_files
from tools.context import ToolContext
from tools.result_budget import json_size
from tools.settings import ToolSettings
from tools.workspace import Workspace

pytestmark = pytest.mark.anyio


def _tree(root: Path, files: int = 40) -> None:
    for n in range(files):
        folder = root / f"pkg{n % 4}" / ("sub" if n % 3 else "")
        folder.mkdir(parents=True, exist_ok=True)
        body = "".join(f"def f{n}_{i}(x: int) -> int:\n    return x\n\n" for i in range(20))
        (folder / f"m{n}.py").write_text(body)
    (root / "pkg0-extra.py").write_text("def tricky():\n    pass\n")  # '-' sorts before '/'
    (root / "README.txt").write_text("not code\n")


def _ctx(root: Path, tmp_path: Path, max_result_bytes: int = 512_000) -> ToolContext:
    settings = ToolSettings(cache_dir=tmp_path / "cache", max_result_bytes=max_result_bytes)
    return ToolContext.local(str(root), settings=settings)


def test_walk_yields_files_in_path_order_and_skips_before_the_cursor(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _tree(root)
    workspace = Workspace(root)
    paths = [walked.relative for walked in iter_files(workspace, root)]
    assert paths == sorted(paths) and len(paths) == 42
    cursor = paths[17]
    assert [w.relative for w in iter_files(workspace, root, after=cursor)] == paths[18:]


async def test_outline_is_cut_at_the_budget_and_continues_with_after(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _tree(root)
    MEMO.clear()
    whole = await code_outline(_ctx(root, tmp_path), ".")
    assert not whole.truncated and len(whole.files) == 41 and whole.next_after is None
    budget = 8_000
    pages = []
    after: str | None = None
    while True:
        page = await code_outline(_ctx(root, tmp_path, budget), ".", after=after)
        assert len(page.model_dump_json().encode()) <= budget
        pages.append(page)
        if not page.truncated:
            break
        assert page.next_after == page.files[-1].path
        after = page.next_after
    assert len(pages) > 3
    assert [f for page in pages for f in page.files] == whole.files
    assert pages[0].files_total == 42 and pages[0].files_unsupported == 1


async def test_a_file_bigger_than_the_budget_is_cut_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "big.py").write_text("".join(f"def f{i}():\n    pass\n" for i in range(2_000)))
    for target in (".", "big.py"):
        result = await code_outline(_ctx(root, tmp_path, 10_000), target)
        assert len(result.model_dump_json().encode()) <= 10_000
        (file,) = result.files
        assert 0 < len(file.symbols) < 2_000
        assert file.reason is not None and "of 2000 symbols shown" in file.reason


def _big_batch(root: Path) -> list[SourceFile]:
    root.mkdir()
    body = "".join(f"class C{i}:\n    def m(self):\n        return {i}\n\n" for i in range(300))
    files = []
    for n in range(4 * IN_PROCESS_BYTES // len(body)):
        path = root / f"m{n}.py"
        path.write_text(body)
        files.append(SourceFile.stat(path, "python"))
    return files


class _Stop(Exception):
    pass


def test_cancelled_batch_stops_the_parse_workers(tmp_path: Path) -> None:
    files = _big_batch(tmp_path / "many")
    calls = []

    def checkpoint() -> None:
        calls.append(1)
        raise _Stop

    class Watched(ParsePool):
        processes: ClassVar[list[Any]] = []

        def close(self, *, abort: bool = False) -> None:
            if self._pool is not None:
                Watched.processes = list(getattr(self._pool, "_processes", {}).values())
            super().close(abort=abort)

    started = time.perf_counter()
    with pytest.raises(_Stop), Watched() as pool:
        outline_batch(files, None, pool=pool, checkpoint=checkpoint)
    assert calls == [1]  # stopped after the first finished chunk, not at the end
    assert Watched.processes, "the batch ran in the process pool"
    assert all(not process.is_alive() for process in Watched.processes)
    assert time.perf_counter() - started < 30


async def test_a_cancelled_directory_outline_stops_parsing(tmp_path: Path) -> None:
    """Cancelled after its first window, the outline parses (and caches) no further window:
    without the checkpoints the worker thread would parse the whole tree before returning."""
    root = tmp_path / "ws"
    root.mkdir()
    for n in range(3 * WINDOW_FILES):
        (root / f"m{n:04}.py").write_text(f"def f{n}():\n    return {n}\n" * 40)
    MEMO.clear()
    ctx = _ctx(root, tmp_path, max_result_bytes=10**9)
    windows: list[float] = []
    with anyio.CancelScope() as scope:

        async def progress(done: float, total: float | None, message: str | None) -> None:
            windows.append(done)
            scope.cancel()

        ctx.progress = progress
        await code_outline(ctx, ".", max_files=100_000)
    assert scope.cancelled_caught and windows == [WINDOW_FILES]
    with sqlite3.connect(tmp_path / "cache" / "outlines" / "outlines.sqlite3") as db:
        (stored,) = db.execute("SELECT count(*) FROM outlines").fetchone()
    assert stored == WINDOW_FILES  # the first window only, of three


def _awkward_tree(root: Path) -> None:
    """Files whose outlines hold what JSON escapes or encodes in several bytes."""
    root.mkdir()
    (root / "uni.py").write_text(
        'def grüße(x="\\\\ \\"q\\" \\t"):\n    """Doc with ünïcödé, 😀 and a\\x0cform feed."""\n\n'
        "class Ωmega:\n    def método(self):  # tab\there\n        pass\n",
        encoding="utf-8",
    )
    (root / "ctl.py").write_bytes(b'def f():\n    """Bell \x07 and DEL \x7f and \x1f."""\n')
    (root / "bad.py").write_bytes(b"def g():\n    '''Not UTF-8: \xff\xfe'''\n")
    (root / "main.go").write_text('package main\n\n// Größe says "hi"\nfunc Größe() {}\n')
    (root / "ñame dir").mkdir()
    (root / "ñame dir" / 'q"uote.py').write_text("def h():\n    pass\n")


def test_sizes_are_those_of_each_outlines_json_cold_warm_and_memo(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _awkward_tree(root)
    workspace = Workspace(root)
    sources = [(w.relative, w.source()) for w in iter_files(workspace, root) if w.language]
    assert len(sources) == 5
    cache = OutlineCache(tmp_path / "cache")
    memo = OutlineMemo()
    cold = outline_sources(sources, cache, memo=None)
    disk = outline_sources(sources, cache, memo=memo)
    remembered = outline_sources(sources, cache, memo=memo)
    assert (cold.cache_hits, disk.cache_hits, remembered.cache_hits) == (0, 5, 5)
    for done in (cold, disk, remembered):
        assert done.files == cold.files
        assert done.sizes == [json_size(f.model_dump_json()) for f in done.files]
    assert any(not f.model_dump_json().isascii() for f in cold.files)


async def test_warm_outline_pages_equal_the_cold_ones(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _tree(root, files=30)
    _awkward_tree(root / "odd")

    async def pages(budget: int) -> list[str]:
        found: list[str] = []
        after: str | None = None
        while True:
            page = await code_outline(_ctx(root, tmp_path, budget), ".", after=after)
            found.append(page.model_copy(update={"cache_hits": 0}).model_dump_json())
            if not page.truncated:
                return found
            after = page.next_after

    for budget in (3_000, 9_000, 512_000):
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)
        MEMO.clear()
        cold = await pages(budget)
        memo = await pages(budget)
        MEMO.clear()
        disk = await pages(budget)
        assert cold == memo == disk
        assert all(len(page.encode()) <= budget for page in cold)
        assert len(cold) > 1 or budget == 512_000


async def test_a_budgeted_outline_parses_little_beyond_its_answer(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _tree(root, files=WINDOW_FILES)
    MEMO.clear()
    page = await code_outline(_ctx(root, tmp_path, 20_000), ".")
    assert page.truncated and 0 < len(page.files) < WINDOW_MIN_FILES
    with sqlite3.connect(tmp_path / "cache" / "outlines" / "outlines.sqlite3") as db:
        (stored,) = db.execute("SELECT count(*) FROM outlines").fetchone()
    # Windows close once their sources would fill the budget left, at first at a guessed
    # outline size per source byte (these files' outlines are 3x their sources): 50 files of
    # 256, not the whole window.
    assert len(page.files) <= stored < WINDOW_FILES // 4
