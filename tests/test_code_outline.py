"""code_outline on real files: every language, directories, .gitignore, the cache, the sandbox."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from pydantic import ValidationError

from tools.code.code_outline import code_outline, outline_cache
from tools.code.languages import GRAMMARS, language_for_path, load_language
from tools.code.outline_batch import IN_PROCESS_BYTES, SourceFile, outline_batch
from tools.code.outline_cache import OutlineCache
from tools.code.outline_memo import MEMO, OutlineMemo, outline_paths, outline_sources
from tools.code.outline_model import CodeOutline, FileOutline
from tools.context import ToolContext
from tools.errors import PathOutsideWorkspace
from tools.registry import get_tool
from tools.settings import ToolSettings

SAMPLES = Path(__file__).parent / "data" / "outline"

pytestmark = pytest.mark.anyio

# (kind, name, start_line, end_line, parent) of every symbol, in order, checked by hand
# against the sample files in tests/data/outline.
EXPECTED: dict[str, tuple[tuple[str, str, int, int, str | None], ...]] = {
    "Sample.java": (
        ("class", "Greeter", 9, 27, None),
        ("method", "Greeter", 12, 14, "Greeter"),
        ("method", "run", 17, 20, "Greeter"),
        ("interface", "Listener", 22, 24, "Greeter"),
        ("method", "onGreet", 23, 23, "Greeter.Listener"),
        ("enum", "Mood", 26, 26, "Greeter"),
    ),
    "sample.c": (
        ("struct", "point", 5, 7, None),
        ("enum", "color", 9, 9, None),
        ("type", "size_t2", 11, 11, None),
        ("function", "add", 14, 16, None),
        ("function", "make", 18, 20, None),
        ("function", "main", 22, 24, None),
    ),
    "sample.cpp": (
        ("namespace", "geo", 4, 22, None),
        ("class", "Shape", 7, 11, "geo"),
        ("method", "twice", 10, 10, "geo.Shape"),
        ("struct", "Square", 13, 16, "geo"),
        ("method", "area", 15, 15, "geo.Square"),
        ("function", "free_function", 18, 20, "geo"),
        ("method", "describe", 24, 25, "geo.Shape"),
        ("function", "main", 27, 29, None),
    ),
    "sample.cs": (
        ("namespace", "Demo", 4, 33, None),
        ("class", "Greeter", 7, 23, "Demo"),
        ("method", "Greeter", 11, 14, "Demo.Greeter"),
        ("method", "Greet", 17, 20, "Demo.Greeter"),
        ("interface", "IGreeter", 25, 28, "Demo"),
        ("method", "Greet", 27, 27, "Demo.IGreeter"),
        ("struct", "Pair", 30, 30, "Demo"),
        ("enum", "Mood", 32, 32, "Demo"),
    ),
    "sample.go": (
        ("interface", "Shape", 9, 11, None),
        ("method", "Area", 10, 10, "Shape"),
        ("struct", "Rect", 14, 16, None),
        ("type", "ID", 18, 18, None),
        ("method", "Area", 21, 23, "Rect"),
        ("method", "String", 25, 27, "Rect"),
        ("function", "New", 30, 32, None),
    ),
    "sample.js": (
        ("function", "greet", 7, 9, None),
        ("class", "Animal", 11, 20, None),
        ("method", "constructor", 12, 14, "Animal"),
        ("method", "speak", 17, 19, "Animal"),
        ("function", "add", 22, 22, None),
        ("function", "exported", 24, 24, None),
    ),
    "sample.py": (
        ("function", "helper", 7, 12, None),
        ("class", "Point", 15, 31, None),
        ("method", "norm", 21, 22, "Point"),
        ("method", "fetch", 24, 31, "Point"),
        ("function", "inner", 28, 29, "Point.fetch"),
        ("function", "main", 34, 36, None),
        ("class", "Local", 35, 36, "main"),
    ),
    "sample.rb": (
        ("module", "Util", 5, 21, None),
        ("class", "Widget", 7, 20, "Util"),
        ("method", "initialize", 8, 10, "Util.Widget"),
        ("method", "render", 13, 15, "Util.Widget"),
        ("method", "build", 17, 19, "Util.Widget"),
        ("function", "top_level", 23, 24, None),
    ),
    "sample.rs": (
        ("struct", "Point", 6, 8, None),
        ("enum", "Shape", 10, 12, None),
        ("trait", "Area", 15, 17, None),
        ("method", "area", 16, 16, "Area"),
        ("method", "new", 21, 23, "Point"),
        ("method", "fmt", 27, 29, "Point"),
        ("module", "inner", 32, 34, None),
        ("function", "helper", 33, 33, "inner"),
        ("function", "main", 36, 36, None),
    ),
    "sample.ts": (
        ("interface", "Shape", 4, 6, None),
        ("method", "area", 5, 5, "Shape"),
        ("enum", "Color", 8, 11, None),
        ("type", "Id", 13, 13, None),
        ("class", "Circle", 15, 21, None),
        ("method", "constructor", 16, 16, "Circle"),
        ("method", "area", 18, 20, "Circle"),
        ("function", "load", 23, 25, None),
        ("namespace", "Geometry", 27, 31, None),
        ("function", "unit", 28, 30, "Geometry"),
    ),
    "sample.tsx": (
        ("interface", "Props", 3, 5, None),
        ("function", "Header", 8, 10, None),
        ("function", "Footer", 12, 12, None),
        ("class", "Page", 14, 18, None),
        ("method", "render", 15, 17, "Page"),
    ),
}

LANGUAGES = {
    "Sample.java": "java",
    "sample.c": "c",
    "sample.cpp": "cpp",
    "sample.cs": "c_sharp",
    "sample.go": "go",
    "sample.js": "javascript",
    "sample.py": "python",
    "sample.rb": "ruby",
    "sample.rs": "rust",
    "sample.ts": "typescript",
    "sample.tsx": "tsx",
}


def _copy_samples(workspace: Path, into: str = ".") -> Path:
    target = workspace / into
    target.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES.iterdir():
        shutil.copy(sample, target / sample.name)
    return target


def _tree(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*"))


def _outside(path: Path, root: Path) -> bool:
    return path.is_file() and not path.resolve().is_relative_to(root.resolve())


def _symbols(outline: FileOutline) -> tuple[tuple[str, str, int, int, str | None], ...]:
    return tuple((s.kind, s.name, s.start_line, s.end_line, s.parent) for s in outline.symbols)


def _one(result: CodeOutline) -> FileOutline:
    assert len(result.files) == 1
    return result.files[0]


def test_every_grammar_wheel_loads() -> None:
    for name in GRAMMARS:
        assert load_language(name) is not None


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_symbols_per_language(ctx: ToolContext, workspace: Path, name: str) -> None:
    _copy_samples(workspace)
    outline = _one(await code_outline(ctx, name))
    assert outline.supported
    assert outline.path == name
    assert outline.language == LANGUAGES[name]
    assert _symbols(outline) == EXPECTED[name]


async def test_python_details(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace)
    outline = _one(await code_outline(ctx, "sample.py"))
    assert outline.imports == ("import os", "from collections import OrderedDict as OD")
    by_name = {s.qualified_name: s for s in outline.symbols}
    assert by_name["helper"].signature == "def helper(x: int) -> int"
    assert by_name["helper"].doc == "Double a number."
    assert by_name["Point"].signature == "class Point(Base)"
    assert by_name["Point"].doc == "A point in the plane."
    assert by_name["Point"].start_line == 15  # the decorator's line; `class` is on 16
    fetch = by_name["Point.fetch"]
    assert (fetch.kind, fetch.signature, fetch.doc) == (
        "method",
        "async def fetch(url: str) -> bytes",
        "Fetch a URL.",
    )
    assert by_name["Point.norm"].doc is None
    assert by_name["Point.fetch.inner"].kind == "function"


@pytest.mark.parametrize(
    ("name", "imports", "docs"),
    [
        (
            "sample.go",
            ['"fmt"', 'm "math"'],
            {"Shape": "Shape has an area.", "Rect.Area": "Area returns the area."},
        ),
        (
            "sample.rs",
            ["use std::fmt;", "use std::collections::{HashMap, HashSet};"],
            {"Point": "A point.", "Point.new": "Makes a point.", "Area": "Something with an area."},
        ),
        (
            "Sample.java",
            ["import java.util.List;", "import java.util.Map;"],
            {"Greeter": "A greeter.", "Greeter.run": "Says hello."},
        ),
        (
            "sample.cs",
            ["using System;", "using System.Collections.Generic;"],
            {"Demo.Greeter": "A greeter.", "Demo.Greeter.Greet": "Says hello."},
        ),
        (
            "sample.js",
            ['import fs from "fs";', 'import { join } from "path";'],
            {"greet": "Greets someone.", "Animal.speak": "Makes a sound."},
        ),
        ("sample.ts", ['import { readFile } from "fs/promises";'], {"Shape": "A shape."}),
        ("sample.tsx", ['import React from "react";'], {"Header": "The header."}),
        ("sample.c", ["#include <stdio.h>", '#include "point.h"'], {"add": "Adds two numbers."}),
        ("sample.cpp", ["#include <vector>", '#include "shape.hpp"'], {"geo.Shape": "A shape."}),
        (
            "sample.rb",
            ['require "json"', 'require_relative "helper"'],
            {"Util": "Utilities.", "Util.Widget": "A widget.", "Util.Widget.render": "Renders it."},
        ),
    ],
)
async def test_imports_and_doc_comments(
    ctx: ToolContext, workspace: Path, name: str, imports: list[str], docs: dict[str, str]
) -> None:
    _copy_samples(workspace)
    outline = _one(await code_outline(ctx, name))
    assert list(outline.imports) == imports
    found = {s.qualified_name: s.doc for s in outline.symbols}
    for qualified, doc in docs.items():
        assert found[qualified] == doc, qualified


async def test_signatures_stop_at_the_body(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace)
    result = await code_outline(ctx, ".")
    signatures = {(f.path, s.qualified_name): s.signature for f in result.files for s in f.symbols}
    assert signatures[("sample.go", "Rect.Area")] == "func (r *Rect) Area() float64"
    assert signatures[("sample.rs", "Point.new")] == "pub fn new(x: i32) -> Self"
    assert signatures[("sample.rb", "Util")] == "module Util"  # not the comment after it
    assert signatures[("sample.cpp", "geo.Shape.describe")] == "void geo::Shape::describe()"
    assert signatures[("sample.ts", "load")] == (
        "async function load(path: string): Promise<string>"
    )


async def test_unknown_extension_is_not_supported(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "notes.txt").write_text("hello\n")
    result = await code_outline(ctx, "notes.txt")
    outline = _one(result)
    assert outline.supported is False
    assert outline.reason is not None
    assert "not supported" in outline.reason
    assert "python" in outline.reason
    assert outline.symbols == ()
    assert (result.files_total, result.files_unsupported) == (1, 1)


async def test_binary_and_large_files_get_a_reason(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "blob.c").write_bytes(b"int x;\x00\x01\x02")
    (workspace / "big.py").write_text("x = 1\n" * 200_000)
    binary = _one(await code_outline(ctx, "blob.c"))
    big = _one(await code_outline(ctx, "big.py"))
    assert (binary.supported, big.supported) == (False, False)
    assert binary.reason is not None and "binary" in binary.reason
    assert big.reason is not None and "larger than" in big.reason


async def test_minified_and_generated_files_are_skipped(ctx: ToolContext, workspace: Path) -> None:
    functions = "".join(f"function f{i}(a){{return a+{i}}};" for i in range(2_000))
    (workspace / "bundle.min.js").write_text(functions + "\n")  # one line of 60 KB
    table = "DATA = [\n" + "".join(f"    {'1, ' * 20}\n" for _ in range(400)) + "]\n"
    (workspace / "table.py").write_text(table + "x" * 6_000 + " = 1\n")  # one 6,000-char line
    packed = "".join(f"def f{i}(): return {'1 + ' * 90}1\n" for i in range(100))
    (workspace / "packed.py").write_text(packed)  # 100 lines of ~380 characters on average
    code = "".join(f"def f{i}(a):\n    return a + {i}\n\n" for i in range(1_500))
    (workspace / "code.py").write_text(code)  # big, with short lines: outlined
    for name in ("bundle.min.js", "table.py", "packed.py"):
        skipped = _one(await code_outline(ctx, name))
        assert not skipped.supported and skipped.reason is not None
        assert "minified or generated" in skipped.reason
    outlined = _one(await code_outline(ctx, "code.py"))
    assert outlined.supported and len(outlined.symbols) == 1_500


async def test_directory_respects_gitignore_and_hidden(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace, "src")
    (workspace / "README.md").write_text("# readme\n")
    (workspace / ".gitignore").write_text("build/\nsrc/sample.rb\n")
    (workspace / "build").mkdir()
    (workspace / "build" / "gen.py").write_text("def generated():\n    pass\n")
    (workspace / ".hidden").mkdir()
    (workspace / ".hidden" / "secret.py").write_text("def hidden():\n    pass\n")
    result = await code_outline(ctx, ".")
    paths = [f.path for f in result.files]
    assert paths == sorted(f"src/{name}" for name in LANGUAGES if name != "sample.rb")
    # ten samples and README.md; .gitignore and .hidden/ are hidden, build/ and sample.rb ignored
    assert (result.files_total, result.files_unsupported) == (11, 1)
    assert result.truncated is False
    assert result.path == "."


async def test_max_files_truncates(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace)
    result = await code_outline(ctx, ".", max_files=3)
    assert [f.path for f in result.files] == sorted(LANGUAGES)[:3]
    assert result.truncated is True


async def test_directory_reports_progress(workspace: Path) -> None:
    _copy_samples(workspace)
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    ctx = ToolContext.local(str(workspace), settings=ToolSettings())
    ctx.progress = progress
    await code_outline(ctx, ".")
    # streamed: the total is known when the walk ends
    assert seen[-1] == (11.0, 11.0, "outlined 11 files")


@pytest.mark.parametrize("new_process", [False, True], ids=["memo", "disk-cache"])
async def test_second_run_hits_the_cache_and_changes_are_reparsed(
    ctx: ToolContext, workspace: Path, new_process: bool
) -> None:
    """Unchanged files are not parsed again: from the in-process memo, or (as in a new
    process, memo cleared) from the disk cache. A size or mtime change is re-parsed."""

    async def run() -> CodeOutline:
        if new_process:
            MEMO.clear()
        return await code_outline(ctx, ".")

    _copy_samples(workspace)
    first = await run()
    assert first.cache_hits == 0
    second = await run()
    assert second.cache_hits == 11
    assert second.files == first.files
    shared = all(a is b for a, b in zip(first.files, second.files, strict=True))
    assert shared is not new_process

    changed = workspace / "sample.py"
    changed.write_text(changed.read_text() + "\n\ndef added() -> None:\n    pass\n")
    third = await run()
    assert third.cache_hits == 10
    outline = next(f for f in third.files if f.path == "sample.py")
    assert outline.symbols[-1].name == "added"

    # Same size, new mtime: re-parsed too.
    stat = changed.stat()
    changed.write_text(changed.read_text().replace("added", "addey"))
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    fourth = await run()
    assert fourth.cache_hits == 10
    outline = next(f for f in fourth.files if f.path == "sample.py")
    assert outline.symbols[-1].name == "addey"


def test_memo_is_bounded_and_outlines_are_immutable(tmp_path: Path) -> None:
    root = _copy_samples(tmp_path / "repo")
    memo = OutlineMemo(max_symbols=20)
    sources = [
        (name, SourceFile.stat(root / name, LANGUAGES[name])) for name in ("sample.py", "sample.go")
    ]
    first = outline_sources(sources, None, memo=memo)
    assert first.cache_hits == 0
    again = outline_sources(sources, None, memo=memo)
    # Each file weighs its 7 symbols + 1: 16 fits in 20, both come back as the same objects.
    assert again.cache_hits == 2
    assert again.files[0] is first.files[0]
    small = OutlineMemo(max_symbols=10)
    outline_sources(sources, None, memo=small)
    assert outline_sources(sources, None, memo=small).cache_hits == 1  # only the last one fits
    with pytest.raises(ValidationError):
        first.files[0].path = "elsewhere.py"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        first.files[0].symbols[0].name = "renamed"  # type: ignore[misc]


async def test_cache_lives_outside_the_workspace(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace)
    before = _tree(workspace)
    await code_outline(ctx, ".")
    assert _tree(workspace) == before
    cache = outline_cache(ctx)
    assert cache is not None
    assert _outside(cache.path, workspace)
    assert cache.path.parent == (ctx.settings.cache_dir / "outlines").resolve()


async def test_cache_folder_inside_the_workspace_is_not_used(workspace: Path) -> None:
    _copy_samples(workspace)
    settings = ToolSettings(cache_dir=workspace / ".cache")
    ctx = ToolContext.local(str(workspace), settings=settings)
    assert outline_cache(ctx) is None
    await code_outline(ctx, ".")
    MEMO.clear()
    second = await code_outline(ctx, ".")
    assert second.cache_hits == 0
    assert not (workspace / ".cache").exists()


async def test_path_outside_the_workspace_is_refused(ctx: ToolContext, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def f():\n    pass\n")
    with pytest.raises(PathOutsideWorkspace):
        await code_outline(ctx, str(outside))
    with pytest.raises(PathOutsideWorkspace):
        await code_outline(ctx, "../outside.py")


async def test_registered_and_callable_through_the_spec(ctx: ToolContext, workspace: Path) -> None:
    _copy_samples(workspace)
    spec = get_tool("code_outline")
    assert spec.long_running and spec.idempotent and not spec.writes
    result = await spec.call(ctx, {"path": "sample.go"})
    assert isinstance(result, CodeOutline)
    assert json.loads(result.model_dump_json())["files"][0]["symbols"][0]["name"] == "Shape"


def test_cache_key_includes_version_size_and_mtime(tmp_path: Path) -> None:
    source = tmp_path / "a.py"
    source.write_text("def f():\n    pass\n")
    cache = OutlineCache(tmp_path / "cache")
    file = SourceFile.stat(source, "python")
    first = outline_batch([file], cache)
    assert first.cache_hits == 0
    assert outline_batch([file], cache).cache_hits == 1
    key = file.key()
    assert "tree-sitter-python==" in key.version
    assert cache.get_many([key]) == {key.path: first.outlines[0]}
    for changed in (
        key.__class__(key.path, key.size + 1, key.mtime_ns, key.version),
        key.__class__(key.path, key.size, key.mtime_ns + 1, key.version),
        key.__class__(key.path, key.size, key.mtime_ns, key.version + "x"),
    ):
        assert cache.get_many([changed]) == {}


def test_broken_cache_file_reads_as_misses(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "outlines.sqlite3").write_bytes(b"this is not a database" * 100)
    source = tmp_path / "a.py"
    source.write_text("def f():\n    pass\n")
    cache = OutlineCache(folder)
    file = SourceFile.stat(source, "python")
    result = outline_batch([file], cache)
    assert result.cache_hits == 0
    assert json.loads(result.outlines[0])["symbols"][0]["name"] == "f"


def test_outline_paths_is_reusable(tmp_path: Path) -> None:
    root = _copy_samples(tmp_path / "repo")
    (root / "notes.txt").write_text("x\n")
    paths = [root / "sample.go", root / "notes.txt", root / "sample.py"]
    cache = OutlineCache(tmp_path / "cache")
    outlines = outline_paths(paths, cache, root=root)
    assert [(o.path, o.supported) for o in outlines] == [
        ("sample.go", True),
        ("notes.txt", False),
        ("sample.py", True),
    ]
    assert _symbols(outlines[2]) == EXPECTED["sample.py"]
    again = outline_paths(paths, cache, root=root)
    assert again == outlines


def test_large_batches_use_the_process_pool(tmp_path: Path) -> None:
    """Enough bytes to go through ProcessPoolExecutor: results must match in-process ones."""
    root = tmp_path / "many"
    root.mkdir()
    body = "".join(
        f'class C{i}:\n    """Doc {i}."""\n\n    def m{i}(self) -> int:\n        return {i}\n\n\n'
        for i in range(400)
    )
    count = IN_PROCESS_BYTES // len(body) + 4
    files = []
    for n in range(count):
        path = root / f"m{n}.py"
        path.write_text(body)
        files.append(SourceFile.stat(path, "python"))
    seen: list[int] = []
    result = outline_batch(files, None, progress=lambda done, total: seen.append(done))
    assert len(result.outlines) == count
    assert seen[-1] == count
    for outline in result.outlines:
        data = json.loads(outline)
        assert len(data["symbols"]) == 800
        assert data["symbols"][1] == {
            "kind": "method",
            "name": "m0",
            "start_line": 4,
            "end_line": 5,
            "signature": "def m0(self) -> int",
            "doc": None,
            "parent": "C0",
        }


def test_language_detection() -> None:
    assert language_for_path("a/b.PY") == "python"
    assert language_for_path("x.tsx") == "tsx"
    assert language_for_path("x.h") == "c"
    assert language_for_path("x.hpp") == "cpp"
    assert language_for_path("Rakefile") == "ruby"
    assert language_for_path(".bashrc") is None
    assert language_for_path("Makefile") is None


def test_cache_is_safe_with_concurrent_writers_and_readers(tmp_path: Path) -> None:
    """Separate connections (as separate processes have) writing and reading at once."""
    from concurrent.futures import ThreadPoolExecutor

    from tools.code.outline_cache import FileKey

    folder = tmp_path / "cache"

    def writer(n: int) -> bool:
        cache = OutlineCache(folder)
        rows = [(FileKey(f"/w{n}/f{i}.py", i, i, "v"), f'{{"n":{n},"i":{i}}}') for i in range(200)]
        ok = True
        for start in range(0, 200, 20):
            ok = cache.put_many(rows[start : start + 20]) and ok
            cache.get_many([key for key, _ in rows[:start]])
        return ok

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(writer, range(4)))
    cache = OutlineCache(folder)
    keys = [FileKey(f"/w{n}/f{i}.py", i, i, "v") for n in range(4) for i in range(200)]
    found = cache.get_many(keys)
    assert len(found) == 800
    assert found["/w3/f199.py"] == '{"n":3,"i":199}'


async def test_python_lambda_bindings_are_functions(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "lam.py").write_text(
        "square = lambda x: x * x\n\n\nclass K:\n    key = lambda self: 1\n    size = 3\n"
    )
    outline = _one(await code_outline(ctx, "lam.py"))
    assert _symbols(outline) == (
        ("function", "square", 1, 1, None),
        ("class", "K", 4, 6, None),
        ("method", "key", 5, 5, "K"),
    )
    assert outline.symbols[0].signature == "square = lambda x: x * x"


async def test_non_utf8_source_is_outlined(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "legacy.py").write_bytes(
        b"# caf\xe9\ndef f():\n    '''Caf\xe9 au lait.'''\n    return 1\n"
    )
    outline = _one(await code_outline(ctx, "legacy.py"))
    assert _symbols(outline) == (("function", "f", 2, 4, None),)
    assert outline.symbols[0].doc == "Caf\ufffd au lait."


async def test_cli_view_shows_a_symbol_tree(ctx: ToolContext, workspace: Path) -> None:
    from rich.console import Console

    from cli.views import VIEWS

    _copy_samples(workspace)
    result = await code_outline(ctx, "sample.py")
    console = Console(record=True, width=200)
    VIEWS["CodeOutline"](console, result)
    text = console.export_text()
    assert "sample.py python" in text
    assert "class Point(Base) 15-31 A point in the plane." in text
    assert "async def fetch(url: str) -> bytes 24-31 Fetch a URL." in text
    # fetch is drawn under Point, inner under fetch
    lines = text.splitlines()
    point = next(i for i, line in enumerate(lines) if "class Point" in line)
    inner = next(i for i, line in enumerate(lines) if "def inner" in line)
    assert lines[inner].index("function") > lines[point].index("class")


def test_no_process_pool_falls_back_to_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where processes cannot be started (OSError), a large batch is parsed in-process."""

    class NoProcesses:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError("process creation is not allowed here")

    # the pool class is looked up when the first pool starts (not imported at start-up)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", NoProcesses)
    root = tmp_path / "many"
    root.mkdir()
    body = "def f():\n    pass\n" * 5000
    files = []
    for n in range(IN_PROCESS_BYTES // len(body) + 2):
        (root / f"m{n}.py").write_text(body)
        files.append(SourceFile.stat(root / f"m{n}.py", "python"))
    result = outline_batch(files, None)
    assert [len(json.loads(outline)["symbols"]) for outline in result.outlines] == [5000] * len(
        files
    )
