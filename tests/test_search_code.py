"""search_code on real temporary trees, checked against the rg binary itself."""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from tests.conftest import require_program
from tests.tree import write_tree
from tools.context import ToolContext
from tools.errors import (
    InvalidArgument,
    NotFound,
    PathOutsideWorkspace,
    SecretFileRefused,
    Unsupported,
)
from tools.files import ripgrep
from tools.files.search_code import (
    SearchCodeResult,
    SearchHit,
    _Collector,
    _dumps,
    _hit,
    search_code,
)
from tools.registry import get_tool
from tools.result_budget import json_size
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _rg_installed() -> None:
    require_program("rg", ripgrep.rg_binary_or_none() or "rg")


def spots(result: SearchCodeResult) -> list[tuple[str, int]]:
    return [(hit.path, hit.line) for hit in result.hits]


async def search(ctx: ToolContext, query: str, **kwargs: object) -> list[tuple[str, int]]:
    return spots(await search_code(ctx, query, **kwargs))  # type: ignore[arg-type]


# --- matching ----------------------------------------------------------------------------------


async def test_literal_by_default_regex_on_request(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.txt": "a.c\nabc\nx(y\n"})
    assert await search(ctx, "a.c") == [("a.txt", 1)]
    assert await search(ctx, "a.c", regex=True) == [("a.txt", 1), ("a.txt", 2)]
    assert await search(ctx, "x(y") == [("a.txt", 3)]  # a literal, not a broken regex


async def test_hit_fields(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"src/m.py": "import os\n\ndef  main():\r\n    return os\n"})
    result = await search_code(ctx, "main")
    assert result.hits == [
        SearchHit(path="src/m.py", line=3, column=6, end_column=10, text="def  main():")
    ]
    assert result.files_with_hits == 1
    assert result.truncated is False
    assert result.query == "main"
    assert result.path == "."
    assert result.limit == ToolSettings().max_results


async def test_smart_case_and_explicit_case(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"c.txt": "foo\nFoo\nFOO\n"})
    assert await search(ctx, "foo") == [("c.txt", 1), ("c.txt", 2), ("c.txt", 3)]
    assert await search(ctx, "Foo") == [("c.txt", 2)]
    assert await search(ctx, "foo", case_sensitive=True) == [("c.txt", 1)]
    assert await search(ctx, "Foo", case_sensitive=False) == [
        ("c.txt", 1),
        ("c.txt", 2),
        ("c.txt", 3),
    ]
    assert await search(ctx, "f[o]+", regex=True, case_sensitive=False) == [
        ("c.txt", 1),
        ("c.txt", 2),
        ("c.txt", 3),
    ]


async def test_query_starting_with_dashes(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"d.txt": "run --verbose\nrun -v\nplain\n", "-e.txt": "-v here\n"})
    assert await search(ctx, "--verbose") == [("d.txt", 1)]
    assert await search(ctx, "-v") == [("-e.txt", 1), ("d.txt", 1), ("d.txt", 2)]
    assert await search(ctx, "-v", path="-e.txt") == [("-e.txt", 1)]


async def test_no_match_is_an_empty_result(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.txt": "hello\n"})
    result = await search_code(ctx, "absent")
    assert result.hits == []
    assert result.files_with_hits == 0
    assert result.truncated is False
    assert result.warnings == []


async def test_unicode_columns_count_characters(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"u.txt": "héllo wörld ✓ target\n"})
    (hit,) = (await search_code(ctx, "target")).hits
    assert hit.text[hit.column - 1 : hit.end_column - 1] == "target"
    assert (hit.column, hit.end_column) == (15, 21)


async def test_non_utf8_file(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"latin1.txt": b"first\ncaf\xe9 needle \xff\n"})
    (hit,) = (await search_code(ctx, "needle")).hits
    assert hit.line == 2
    assert hit.text == "caf\ufffd needle \ufffd"
    assert hit.text[hit.column - 1 : hit.end_column - 1] == "needle"


async def test_non_utf8_file_name(workspace: Path, ctx: ToolContext) -> None:
    (workspace / os.fsdecode(b"caf\xe9.txt")).write_text("needle\n")
    (hit,) = (await search_code(ctx, "needle")).hits
    assert (hit.path, hit.line) == ("caf\\xe9.txt", 1)  # the one escaped form, taken back:
    assert (await search_code(ctx, "needle", path=hit.path)).hits == [hit]


async def test_long_line_is_cut_around_the_match(workspace: Path, ctx: ToolContext) -> None:
    line = "x" * 3000 + "needle" + "y" * 3000
    write_tree(workspace, {"min.js": line + "\nshort needle\n"})
    long_hit, short_hit = (await search_code(ctx, "needle")).hits
    assert long_hit.column == 3001
    assert long_hit.text_column > 1
    assert len(long_hit.text) == 501 and long_hit.text.endswith("…")
    offset = long_hit.column - long_hit.text_column
    assert long_hit.text[offset : offset + 6] == "needle"
    assert short_hit.text == "short needle"
    assert short_hit.text_column == 1


async def test_a_line_longer_than_a_read_chunk(workspace: Path, ctx: ToolContext) -> None:
    """rg's JSON for one line spans several pipe reads; it is put back together."""
    write_tree(workspace, {"huge.txt": "x" * 1_500_000 + "needle\nneedle again\n"})
    first, second = (await search_code(ctx, "needle")).hits
    assert (first.line, first.column, first.end_column) == (1, 1_500_001, 1_500_007)
    assert len(first.text) == 500  # cut around the match; the line ends right after it
    assert first.text.endswith("needle")
    assert (second.line, second.text) == (2, "needle again")


# --- filters -----------------------------------------------------------------------------------


async def test_globs_include_and_exclude(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {"a.py": "hit\n", "b.txt": "hit\n", "src/c.py": "hit\n", "tests/d.py": "hit\n"},
    )
    assert await search(ctx, "hit", glob=["*.py"]) == [
        ("a.py", 1),
        ("src/c.py", 1),
        ("tests/d.py", 1),
    ]
    assert await search(ctx, "hit", glob=["!*.py"]) == [("b.txt", 1)]
    assert await search(ctx, "hit", glob=["*.py", "!tests/**"]) == [("a.py", 1), ("src/c.py", 1)]
    assert await search(ctx, "hit", glob=["src/**"]) == [("src/c.py", 1)]


async def test_a_single_glob_string_is_accepted(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.py": "hit\n", "b.txt": "hit\n"})
    spec = get_tool("search_code")
    result = await spec.call(ctx, {"query": "hit", "glob": "*.txt"})
    assert isinstance(result, SearchCodeResult)
    assert spots(result) == [("b.txt", 1)]
    assert result.glob == ["*.txt"]


async def test_bad_globs(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.py": "hit\n"})
    with pytest.raises(InvalidArgument, match="unclosed character class"):
        await search_code(ctx, "hit", glob=["["])
    with pytest.raises(InvalidArgument, match="no pattern"):
        await search_code(ctx, "hit", glob=["!"])


async def test_gitignore_and_ignore_files_are_respected(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {
            ".gitignore": "build/\n*.log\n!keep.log\n",
            "sub/.ignore": "private.txt\n",
            "src/a.py": "token\n",
            "build/out.py": "token\n",
            "debug.log": "token\n",
            "keep.log": "token\n",
            "sub/private.txt": "token\n",
            "sub/public.txt": "token\n",
        },
    )
    assert await search(ctx, "token") == [("keep.log", 1), ("src/a.py", 1), ("sub/public.txt", 1)]


async def test_ignore_files_above_the_workspace_do_not_count(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "ws/\n*.py\n", "ws/a.py": "token\n"})
    ctx = ToolContext.local(str(tmp_path / "ws"))
    assert await search(ctx, "token") == [("a.py", 1)]


async def test_hidden_files_and_directories_are_skipped(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {".hidden.py": "token\n", ".config/x.txt": "token\n", "seen.txt": "token\n"},
    )
    assert await search(ctx, "token") == [("seen.txt", 1)]
    assert await search(ctx, "token", path=".config") == [(".config/x.txt", 1)]


async def test_binary_files_are_skipped(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"blob.bin": b"token\x00\x01\x02", "text.txt": "token\n"})
    assert await search(ctx, "token") == [("text.txt", 1)]


async def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(tmp_path, {"outside/secret.txt": "token\n", "ws/inside/a.txt": "token\n"})
    (root / "link_out").symlink_to(tmp_path / "outside")
    (root / "link_in").symlink_to(root / "inside")
    (root / "file_link.txt").symlink_to(root / "inside" / "a.txt")
    ctx = ToolContext.local(str(root))
    assert await search(ctx, "token") == [("inside/a.txt", 1)]


async def test_secret_files_are_excluded(workspace: Path) -> None:
    files: dict[str, str | bytes] = {
        ".env": "token=1\n",
        "config/prod.env": "token=1\n",
        "certs/server.PEM": "token\n",
        "keys/id_rsa": "token\n",
        "credentials.json": '{"token": 1}\n',
        "app.py": "token = 1\n",
    }
    write_tree(workspace, files)
    ctx = ToolContext.local(str(workspace))
    assert await search(ctx, "token", glob=["*"]) == [("app.py", 1)]
    with pytest.raises(SecretFileRefused):
        await search_code(ctx, "token", path="keys/id_rsa")

    allowed = ToolContext.local(str(workspace), settings=ToolSettings(allow_secret_files=True))
    assert {path for path, _ in await search(allowed, "token")} == {
        "config/prod.env",
        "certs/server.PEM",
        "keys/id_rsa",
        "credentials.json",
        "app.py",
    }  # .env stays out as a hidden file


# --- paths -------------------------------------------------------------------------------------


async def test_search_under_a_directory_and_in_one_file(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a/x.txt": "token\n", "a/b/y.txt": "token\n", "c/z.txt": "token\n"})
    assert await search(ctx, "token", path="a") == [("a/b/y.txt", 1), ("a/x.txt", 1)]
    assert await search(ctx, "token", path="./a/b/") == [("a/b/y.txt", 1)]
    assert await search(ctx, "token", path="c/z.txt") == [("c/z.txt", 1)]
    assert await search(ctx, "token", path=str(workspace / "c")) == [("c/z.txt", 1)]


async def test_paths_outside_the_workspace_are_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside.txt": "token\n", "ws/a.txt": "token\n"})
    ctx = ToolContext.local(str(tmp_path / "ws"))
    for path in ("..", "../outside.txt", str(tmp_path), "/etc"):
        with pytest.raises(PathOutsideWorkspace):
            await search_code(ctx, "token", path=path)
    with pytest.raises(NotFound):
        await search_code(ctx, "token", path="missing")


# --- errors ------------------------------------------------------------------------------------


async def test_invalid_regex_reports_the_regex_error(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.txt": "x\n"})
    with pytest.raises(InvalidArgument, match="regex parse error") as caught:
        await search_code(ctx, "(unclosed", regex=True)
    assert "unclosed group" in str(caught.value)


async def test_line_breaks_and_nul_in_queries_are_refused(ctx: ToolContext) -> None:
    with pytest.raises(InvalidArgument, match="line break"):
        await search_code(ctx, "a\nb")
    with pytest.raises(InvalidArgument, match="NUL"):
        await search_code(ctx, "a\x00b")


async def test_arguments_are_validated_by_the_spec(ctx: ToolContext) -> None:
    spec = get_tool("search_code")
    for bad in (
        {"query": ""},
        {"query": "x", "context_lines": 11},
        {"query": "x", "max_results": 0},
        {"query": "x", "glob": [1, 2]},
    ):
        with pytest.raises(InvalidArgument):
            spec.validate(bad)


async def test_missing_rg_is_a_clear_error(
    workspace: Path, ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(workspace / "bin" / "python"))
    monkeypatch.setattr(ripgrep.sysconfig, "get_path", lambda name: str(workspace / "bin"))
    monkeypatch.setenv("PATH", str(workspace / "empty"))
    ripgrep._located.cache_clear()
    try:
        with pytest.raises(Unsupported, match="ripgrep"):
            await search_code(ctx, "x")
    finally:
        ripgrep._located.cache_clear()


# --- context and limits ------------------------------------------------------------------------


async def test_context_lines(workspace: Path, ctx: ToolContext) -> None:
    lines = [f"line {n}" for n in range(1, 11)]
    lines[0] = "hit first"
    lines[4] = "hit middle"
    lines[5] = "hit next"
    lines[9] = "hit last"
    write_tree(workspace, {"f.txt": "\n".join(lines) + "\n"})
    result = await search_code(ctx, "hit", context_lines=2)
    by_line = {hit.line: hit for hit in result.hits}
    assert sorted(by_line) == [1, 5, 6, 10]
    assert by_line[1].context_before == ()
    assert by_line[1].context_after == ("line 2", "line 3")
    assert by_line[5].context_before == ("line 3", "line 4")
    assert by_line[5].context_after == ("hit next", "line 7")
    assert by_line[6].context_before == ("line 4", "hit middle")
    assert by_line[6].context_after == ("line 7", "line 8")
    assert by_line[10].context_before == ("line 8", "line 9")
    assert by_line[10].context_after == ()


async def test_context_does_not_cross_files(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.txt": "x\nhit\n", "b.txt": "hit\ny\n"})
    result = await search_code(ctx, "hit", context_lines=3)
    assert [(h.path, h.context_before, h.context_after) for h in result.hits] == [
        ("a.txt", ("x",), ()),
        ("b.txt", (), ("y",)),
    ]


async def test_max_results_truncates(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {f"f{n}.txt": "hit\nhit\n" for n in range(5)})
    result = await search_code(ctx, "hit", max_results=3)
    assert len(result.hits) == 3
    assert result.truncated is True
    assert result.limit == 3
    exact = await search_code(ctx, "hit", max_results=10)
    assert len(exact.hits) == 10
    assert exact.truncated is False
    more = await search_code(ctx, "hit", max_results=9)
    assert more.truncated is True


async def test_default_limit_comes_from_settings(workspace: Path) -> None:
    write_tree(workspace, {"f.txt": "hit\n" * 20})
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(max_results=7))
    result = await search_code(ctx, "hit")
    assert (len(result.hits), result.truncated, result.limit) == (7, True, 7)


async def test_truncated_hit_keeps_its_context_after(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"f.txt": "hit\nafter 1\nafter 2\nhit\nafter 3\n"})
    result = await search_code(ctx, "hit", max_results=1, context_lines=2)
    (hit,) = result.hits
    assert hit.context_after == ("after 1", "after 2")
    assert result.truncated is True


async def test_progress_is_reported(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"f.txt": "hit\n" * 2500})
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    ctx.progress = progress
    result = await search_code(ctx, "hit", max_results=5000)
    assert len(result.hits) == 2500
    assert seen, "no progress was reported"
    assert all(0 < done <= 2500 for done, _, _ in seen)


async def test_repr_counts_hits_instead_of_listing_them(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"f.txt": "hit\n" * 3000})
    result = await search_code(ctx, "hit", max_results=5000)
    assert "hits='<3000 hits>'" in repr(result)
    assert len(repr(result)) < 400


async def test_cancellation_kills_rg(
    workspace: Path, ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search cancelled mid-way leaves no rg process behind."""
    pid_file = workspace.parent / "rg.pid"
    fake = workspace.parent / "slow-rg"
    fake.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 30\n')
    fake.chmod(0o755)
    monkeypatch.setattr("tools.files.search_code.rg_binary", lambda: str(fake))
    with anyio.move_on_after(0.5) as scope:
        await search_code(ctx, "anything")
    assert scope.cancelled_caught
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_hits_hold_no_tracked_containers(workspace: Path, ctx: ToolContext) -> None:
    """Hits keep the garbage collector's work small: their fields are strings, ints, tuples."""
    write_tree(workspace, {"f.txt": "a\nhit\nb\n"})
    (hit,) = (await search_code(ctx, "hit")).hits
    assert not gc.is_tracked(hit.__dict__)  # from the start
    (hit,) = (await search_code(ctx, "hit", context_lines=1)).hits
    assert isinstance(hit.context_after, tuple)
    gc.collect()  # untracks tuples and dicts that hold only strings and numbers
    assert not gc.is_tracked(hit.__dict__)


# --- the model's construction shortcut -----------------------------------------------------------


def test_trusted_hit_equals_a_validated_hit() -> None:
    values = {
        "path": "a.py",
        "line": 3,
        "column": 1,
        "end_column": 4,
        "text": "abc",
        "text_column": 1,
        "context_before": ("x",),
        "context_after": (),
    }
    fast = _hit(dict(values))
    assert fast == SearchHit(**values)  # type: ignore[arg-type]
    assert fast.model_dump() == values
    assert fast.model_fields_set == set(values)
    result = SearchCodeResult.model_construct(
        query="abc",
        regex=False,
        case_sensitive=None,
        path=".",
        glob=[],
        hits=[fast],
        files_with_hits=1,
        truncated=False,
        limit=10,
        warnings=[],
    )
    assert SearchCodeResult.model_validate_json(result.model_dump_json()) == result


# --- the same hits as rg itself ------------------------------------------------------------------

WORDS = ["alpha", "beta", "Gamma", "delta", "TODO", "fixme", "self", "return", "-flag", "a.b"]


def _random_tree(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    write_tree(root, {".gitignore": "ignored/\n*.tmp\n", "sub/.ignore": "local.txt\n"})
    dirs = ["", "src", "src/pkg", "tests", "ignored", "sub", "sub/deep", ".hidden"]
    for n in range(120):
        directory = rng.choice(dirs)
        name = f"f{n}{rng.choice(['.py', '.txt', '.md', '.tmp'])}"
        if n % 17 == 0:
            name = "local.txt"
        lines = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
            for _ in range(rng.randint(0, 40))
        ]
        write_tree(root / directory if directory else root, {name: "\n".join(lines) + "\n"})


def _rg_spots(rg: str, root: Path, flags: list[str], query: str) -> set[tuple[str, int]]:
    completed = subprocess.run(
        [rg, "-n", "--no-heading", "--with-filename", "--null", *flags, "-e", query],
        cwd=root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    found = set()
    for line in completed.stdout.decode().splitlines():
        path, _, rest = line.partition("\x00")
        found.add((path, int(rest.split(":", 1)[0])))
    return found


@pytest.mark.parametrize(
    ("query", "kwargs", "flags"),
    [
        ("alpha", {}, ["--smart-case", "-F"]),
        ("Gamma", {}, ["--smart-case", "-F"]),
        ("Gamma", {"case_sensitive": True}, ["-s", "-F"]),
        ("todo", {"case_sensitive": False}, ["-i", "-F"]),
        ("-flag", {}, ["--smart-case", "-F"]),
        ("a.b", {}, ["--smart-case", "-F"]),
        (r"\b(beta|delta)\s+self\b", {"regex": True}, ["--smart-case"]),
        (
            "fixme",
            {"glob": ["*.py", "!tests/**"]},
            ["--smart-case", "-F", "-g", "*.py", "-g", "!tests/**"],
        ),
    ],
)
async def test_hits_equal_rg_output(
    tmp_path: Path, query: str, kwargs: dict[str, object], flags: list[str]
) -> None:
    rg = require_program("rg", ripgrep.rg_binary_or_none() or "rg")
    root = tmp_path / "tree"
    _random_tree(root, seed=7)
    ctx = ToolContext.local(str(root))
    result = await search_code(ctx, query, max_results=100_000, **kwargs)  # type: ignore[arg-type]
    expected = _rg_spots(rg, root, [*ripgrep.FILTER_FLAGS, *flags], query)
    assert expected, "the tree should contain hits for every query"
    assert set(spots(result)) == expected
    assert len(result.hits) == len(expected)
    assert result.truncated is False
    assert result.files_with_hits == len({path for path, _ in expected})


# --- the CLI view --------------------------------------------------------------------------------


async def test_cli_view_prints_hits_and_context_once(workspace: Path, ctx: ToolContext) -> None:
    from rich.console import Console

    from cli.views import VIEWS

    write_tree(
        workspace,
        {
            "f.txt": "one\nhit a\nthree\nfour\nfive\nsix\nhit \x1b[2J b\n",
            "g.txt": "hit c\n",
        },
    )
    result = await search_code(ctx, "hit", context_lines=1)
    console = Console(record=True, width=200, color_system="truecolor")
    VIEWS["SearchCodeResult"](console, result)
    assert console.export_text(clear=False).splitlines() == [
        "f.txt-1- one",
        "f.txt:2:1: hit a",
        "f.txt-3- three",
        "--",
        "f.txt-6- six",
        "f.txt:7:1: hit \ufffd[2J b",
        "--",
        "g.txt:1:1: hit c",
        "3 hits in 2 files",
    ]
    styled = console.export_text(styles=True)
    assert "\x1b[2J" not in styled  # file content never drives the terminal
    assert styled.count("\x1b[1;31mhit\x1b[0m") == 3  # each match highlighted


@pytest.mark.parametrize(
    "text",
    ["abc", 'say "hi"', "back\\slash", "tab\there", "café ☕", "\x7f\x01", "", "\udce9raw"],
)
@pytest.mark.parametrize("before", [(), ("x",), ('"q"', "é")])
def test_a_hit_is_sized_as_its_json(text: str, before: tuple[str, ...]) -> None:
    """The budget counts a hit's JSON without writing it: the count equals the written size."""
    collector = _Collector(limit=10, context=0, allow_secrets=False, max_bytes=None)
    values = {
        "path": 'dir/naïve "f".py',
        "line": 123_456,
        "column": 7,
        "end_column": 12,
        "text": text,
        "text_column": 1,
        "context_before": before,
        "context_after": [],
    }
    assert collector._hit_bytes(values) == json_size(_dumps(values))
