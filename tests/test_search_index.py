"""The search index: ``search_code`` with it gives exactly what it gives without it.

Every comparison runs the same search twice, index on and index off (plain ripgrep over the
tree), and compares the whole results. The index's racy-timestamp window is shortened so that
the files just written count as settled; changes made during a test get distinct mtimes, as
writes seconds apart would. One test keeps the real window.
"""

from __future__ import annotations

import os
import random
from itertools import count
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.tree import write_tree
from tools.context import ToolContext
from tools.files import ripgrep
from tools.files.search_code import search_code
from tools.files.search_index import refresh as refresh_module
from tools.files.search_index import store
from tools.files.search_index.literals import required_literals
from tools.files.search_index.lookup import background_build, indexed_paths
from tools.settings import ToolSettings, server_tool_settings

pytestmark = pytest.mark.anyio

WORDS = ["alpha", "Beta", "gamma_ray", "delta", "epsilon", "ZetaFn", "eta.x", "theta(1)", "kit"]
QUERIES: list[tuple[str, dict[str, object]]] = [
    ("gamma_ray", {}),
    ("beta", {}),  # smart case: ignores case
    ("Beta", {}),
    ("beta", {"case_sensitive": True}),
    ("ZETAFN", {"case_sensitive": False}),
    ("eta.x", {}),
    ("theta(1)", {}),
    ("the+ta", {"regex": True}),
    (r"gamma_\w+", {"regex": True}),  # no literal read: whole-tree search
    (r"eps.lon", {"regex": True}),
    (r"delta\s*=", {"regex": True}),
    ("alpha|delta", {"regex": True}),
    ("kit", {"case_sensitive": False}),
    ("nowhere_at_all", {}),
    ("fresh_word", {}),
    ("alpha", {"glob": ["*.py"]}),
    ("alpha", {"path": "d1"}),
    ("alpha", {"context_lines": 1}),
]
_ticks = count(1)


@pytest.fixture(autouse=True)
def _rg_installed() -> None:
    require_program("rg", ripgrep.rg_binary_or_none() or "rg")


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh_module, "RACY_NS", 0)


def contexts(root: Path, cache: Path, **extra: object) -> tuple[ToolContext, ToolContext]:
    on = ToolSettings(search_index="on", cache_dir=cache, **extra)  # type: ignore[arg-type]
    off = ToolSettings(search_index="off", cache_dir=cache, **extra)  # type: ignore[arg-type]
    return ToolContext.local(str(root), settings=on), ToolContext.local(str(root), settings=off)


def edit(path: Path, text: str) -> None:
    """Write ``text`` and give the file an mtime no earlier write had (same tick otherwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = 1_700_000_000_000_000_000 + next(_ticks) * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def generated_tree(root: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    files: dict[str, str | bytes] = {}
    for n in range(60):
        lines = [
            " ".join(rng.choices(WORDS, k=rng.randint(0, 5))) for _ in range(rng.randint(1, 8))
        ]
        lines.append(f"delta = {n}" if n % 3 == 0 else "")
        suffix = ".py" if n % 2 else ".txt"
        files[f"d{n % 4}/sub{n % 3}/f{n}{suffix}"] = "\n".join(lines) + "\n"
    files["ignored/x.txt"] = "gamma_ray alpha\n"
    files[".gitignore"] = "ignored/\n"
    files[".hidden/h.txt"] = "gamma_ray\n"
    files["bin.dat"] = b"alpha\x00gamma_ray\n"  # a candidate for alpha: whole-tree search
    files["late_nul.dat"] = b"xx\n" * 10 + b"\x00 nowhere_at_all\n"
    files["kelvin.txt"] = "\u212ait here\n"
    files["utf16.txt"] = "gamma_ray\n".encode("utf-16")
    files[".env"] = "alpha=secret\n"
    write_tree(root, files)


def files_holding(root: Path, word: str) -> set[str]:
    """The walked (not hidden, not ignored) files whose bytes hold ``word``."""
    return {
        "./" + p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and word in p.read_bytes().decode("utf-8", "replace")
        and not p.relative_to(root).as_posix().startswith((".", "ignored"))
    }


async def assert_same(on: ToolContext, off: ToolContext) -> None:
    for query, options in QUERIES:
        indexed = await search_code(on, query, **options)  # type: ignore[arg-type]
        plain = await search_code(off, query, **options)  # type: ignore[arg-type]
        assert indexed.model_dump() == plain.model_dump(), (query, options)


async def test_same_hits_as_ripgrep(workspace: Path, tmp_path: Path, settled: None) -> None:
    generated_tree(workspace)
    on, off = contexts(workspace, tmp_path / "cache")
    await assert_same(on, off)
    # the index was used, and narrowed the search to the files holding the literal
    paths = await indexed_paths(on, "gamma_ray", regex=False, globs=[], relative=".")
    assert paths is not None
    holders = files_holding(workspace, "gamma_ray")
    assert set(paths) - {"./utf16.txt"} == holders - {"./bin.dat"}  # UTF-16: always a candidate


async def test_big_files_searched_as_the_tree_would(
    workspace: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too big to index may hold a NUL past what was read (then ripgrep's walk treats it
    as binary, unlike a file named to it): such a candidate sends the query to the plain
    search."""
    monkeypatch.setattr(refresh_module, "MAX_INDEX_BYTES", 64)
    generated_tree(workspace)
    write_tree(workspace, {"big.dat": b"gamma_ray\n" * 20 + b"\x00gamma_ray\n"})
    on, off = contexts(workspace, tmp_path / "cache")
    await assert_same(on, off)
    assert await indexed_paths(on, "gamma_ray", regex=False, globs=[], relative=".") is None


@pytest.mark.parametrize("parallel_from", [1, 5_000])  # the stat pass in threads, in one loop
async def test_same_hits_after_changes(
    workspace: Path,
    tmp_path: Path,
    settled: None,
    monkeypatch: pytest.MonkeyPatch,
    parallel_from: int,
) -> None:
    monkeypatch.setattr(refresh_module, "PARALLEL_FROM", parallel_from)
    generated_tree(workspace)
    on, off = contexts(workspace, tmp_path / "cache")
    await assert_same(on, off)
    edit(workspace / "d0/sub0/f0.txt", "now fresh_word and Beta\n")  # changed in place
    await assert_same(on, off)
    assert [h.path for h in (await search_code(on, "fresh_word")).hits] == ["d0/sub0/f0.txt"]
    edit(workspace / "d9/new.py", "alpha theta(1) gamma_ray\n")  # added, in a new folder
    (workspace / "d1/sub1/f1.py").unlink()  # deleted
    (workspace / "d2/sub2/f2.txt").rename(workspace / "d3/moved.txt")  # renamed
    (workspace / "empty/deeper").mkdir(parents=True)
    await assert_same(on, off)
    edit(workspace / "empty/deeper/late.txt", "eta.x epsilon gamma_ray\n")  # in an empty folder
    edit(workspace / ".gitignore", "ignored/\nd0/\n")  # the ignore rules change
    await assert_same(on, off)
    assert await indexed_paths(on, "gamma_ray", regex=False, globs=[], relative=".") is not None
    hits = {hit.path for hit in (await search_code(on, "gamma_ray")).hits}
    assert "empty/deeper/late.txt" in hits and "d9/new.py" in hits
    assert not any(path.startswith("d0/") for path in hits)


async def test_recent_writes_are_not_trusted(workspace: Path, tmp_path: Path) -> None:
    """With the real racy window, a file rewritten right after indexing (same size, maybe the
    same timestamp tick) is still found."""
    write_tree(workspace, {"a.txt": "alpha beta\n"})
    on, _ = contexts(workspace, tmp_path / "cache")
    assert [h.path for h in (await search_code(on, "alpha")).hits] == ["a.txt"]
    (workspace / "a.txt").write_text("gamma beta\n")
    assert [h.path for h in (await search_code(on, "gamma")).hits] == ["a.txt"]
    assert (await search_code(on, "alpha")).hits == []


async def test_refused_files_never_returned(workspace: Path, tmp_path: Path, settled: None) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("gamma_ray outside\n")
    generated_tree(workspace)
    (workspace / "link.txt").symlink_to(outside)
    os.link(outside, workspace / "hard.txt")
    on, off = contexts(workspace, tmp_path / "cache")
    await assert_same(on, off)
    result = await search_code(on, "gamma_ray")
    assert not {"link.txt", "hard.txt"} & {hit.path for hit in result.hits}
    assert any("hard links" in warning for warning in result.warnings)


async def test_index_file_private_and_off_by_default(workspace: Path, tmp_path: Path) -> None:
    write_tree(workspace, {"a.txt": "alpha\n"})
    cache = tmp_path / "cache"
    default = ToolContext.local(str(workspace), settings=ToolSettings(cache_dir=cache))
    assert default.settings.search_index == "off"
    await search_code(default, "alpha")
    assert not (cache / "search-index").exists()
    on, _ = contexts(workspace, cache)
    await search_code(on, "alpha")
    path = store.index_path(cache, on.workspace.root)
    assert path.stat().st_mode & 0o777 == 0o600
    auto = ToolContext.local(
        str(workspace),
        settings=ToolSettings(search_index="auto", search_index_min_files=5, cache_dir=cache),
    )
    assert await indexed_paths(auto, "alpha", regex=False, globs=[], relative=".") is None


async def test_auto_builds_in_the_background_and_then_answers_from_the_index(
    workspace: Path, tmp_path: Path, settled: None
) -> None:
    """Above the threshold, the first search does not wait for the first build (a big tree's
    takes minutes): it searches without the index while the build runs, later ones use it."""
    write_tree(workspace, {f"f{i}.txt": ("alpha\n" if i == 3 else "beta\n") for i in range(8)})
    cache = tmp_path / "cache"
    auto = ToolContext.local(
        str(workspace),
        settings=ToolSettings(search_index="auto", search_index_min_files=5, cache_dir=cache),
    )
    first = await indexed_paths(auto, "alpha", regex=False, globs=[], relative=".")
    assert first is None
    builder = background_build(auto.workspace.root)
    if builder is not None:
        builder.join(timeout=60)
        assert not builder.is_alive()
    assert await indexed_paths(auto, "alpha", regex=False, globs=[], relative=".") == ["./f3.txt"]
    plain = ToolContext.local(str(workspace), settings=ToolSettings(cache_dir=cache))
    assert (await search_code(auto, "alpha")).hits == (await search_code(plain, "alpha")).hits


@pytest.mark.parametrize(
    ("query", "regex", "expected"),
    [
        ("abc", False, ["abc"]),
        ("ab", False, None),
        ("a(b", False, ["a(b"]),
        ("foo.*bar", True, ["foo", "bar"]),
        ("fooo?bar", True, ["foo", "bar"]),
        (r"foo\.bar", True, ["foo.bar"]),
        ("foo|bar", True, None),
        (r"\w+", True, None),
        ("ab+cd", True, None),
        ("abc+d", True, ["abc"]),
        ("x{2}yzw", True, ["yzw"]),
        ("[ab]cde", True, None),
        ("caf\u00e9", False, None),
    ],
)
def test_required_literals(query: str, regex: bool, expected: list[str] | None) -> None:
    assert required_literals(query, regex=regex) == expected


def test_servers_use_auto_unless_the_operator_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAST_GENAI_SEARCH_INDEX", raising=False)
    assert server_tool_settings(ToolSettings()).search_index == "auto"
    monkeypatch.setenv("FAST_GENAI_SEARCH_INDEX", "off")
    assert server_tool_settings(ToolSettings()).search_index == "off"


async def test_index_busy_elsewhere_searches_without_it(
    workspace: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process refreshing the same index (its write lock held): the search goes on
    without the index rather than wait for minutes, with the same hits."""
    generated_tree(workspace)
    on, off = contexts(workspace, tmp_path / "cache")
    await search_code(on, "gamma_ray")  # built
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.1)
    other = store.connect(store.index_path(tmp_path / "cache", on.workspace.root))
    other.execute("BEGIN IMMEDIATE")
    try:
        assert await indexed_paths(on, "gamma_ray", regex=False, globs=[], relative=".") is None
        indexed = await search_code(on, "gamma_ray")
        assert indexed.model_dump() == (await search_code(off, "gamma_ray")).model_dump()
    finally:
        other.execute("ROLLBACK")
        other.close()
