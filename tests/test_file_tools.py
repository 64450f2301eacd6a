"""list_files, read_file and create_file on real temporary trees."""

from __future__ import annotations

import codecs
import os
import stat
import sys
from pathlib import Path

import anyio
import pytest

import tools.files.list_files as list_files_module
from tests.conftest import require_program
from tests.tree import write_tree
from tools.context import ToolContext
from tools.errors import (
    AlreadyExists,
    BinaryFile,
    InvalidArgument,
    NotFound,
    PathOutsideWorkspace,
    TooLarge,
    ToolError,
)
from tools.files.create_file import create_file
from tools.files.list_files import FileEntry, list_files
from tools.files.read_file import read_file
from tools.registry import get_tool
from tools.settings import ToolSettings
from tools.workspace import (
    SECRET_PATH_GLOBS,
    SECRET_PATHS,
    SECRET_PATTERNS,
    is_secret_path,
    shown_name,
    without_secret_paths,
)

pytestmark = pytest.mark.anyio


def context(root: Path, **settings: int) -> ToolContext:
    return ToolContext.local(str(root), settings=ToolSettings(**settings))  # type: ignore[arg-type]


async def paths(ctx: ToolContext, **kwargs: object) -> list[str]:
    listing = await list_files(ctx, **kwargs)  # type: ignore[arg-type]
    return [entry.path for entry in listing.entries]


# --- list_files -------------------------------------------------------------------------------


async def test_gitignore_nested_negation_and_directories(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {
            ".gitignore": "*.log\n!keep.log\nbuild/\n/top.txt\n",
            "a.log": "",
            "keep.log": "",
            "sub/deep/b.log": "",
            "sub/deep/keep.log": "",
            "top.txt": "",
            "sub/top.txt": "",
            "build/out.o": "",
            "src/build/out.o": "",
            "notes/build": "a file called build, not a directory\n",
            "sub/.gitignore": "local.txt\n",
            "sub/local.txt": "",
            "other/local.txt": "",
            "src/main.py": "",
        },
    )
    listed = await paths(ctx)
    assert listed == sorted(listed)
    for kept in ("keep.log", "sub/deep/keep.log", "sub/top.txt", "notes/build", "other/local.txt"):
        assert kept in listed
    for ignored in ("a.log", "sub/deep/b.log", "top.txt", "build", "build/out.o",
                    "src/build", "src/build/out.o", "sub/local.txt"):  # fmt: skip
        assert ignored not in listed
    assert "src/main.py" in listed


async def test_ignore_file_precedence_and_git_exclude(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {
            ".gitignore": "*.txt\n",
            ".ignore": "!important.txt\n",
            ".git/info/exclude": "scratch.md\n",
            ".git/HEAD": "ref: refs/heads/main\n",
            "plain.txt": "",
            "important.txt": "",
            "scratch.md": "",
            "docs/scratch.md": "",
            "readme.md": "",
        },
    )
    listed = await paths(ctx, include_hidden=True)
    assert "important.txt" in listed  # .ignore wins over .gitignore
    assert "plain.txt" not in listed
    assert "scratch.md" not in listed and "docs/scratch.md" not in listed
    assert "readme.md" in listed
    assert not any(path == ".git" or path.startswith(".git/") for path in listed)


async def test_nothing_is_re_included_inside_an_ignored_directory(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(
        workspace,
        {
            ".gitignore": "build/\n!build/keep.txt\ndist/*\n!dist/keep.txt\n",
            "build/keep.txt": "",
            "dist/keep.txt": "",
            "dist/other.txt": "",
        },
    )
    listed = await paths(ctx)
    assert "build/keep.txt" not in listed  # as in git: build/ itself is excluded
    assert "dist/keep.txt" in listed  # dist/ is not excluded, only its children
    assert "dist/other.txt" not in listed


async def test_listing_an_ignored_directory_explicitly_lists_it(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(workspace, {".gitignore": "vendor/\n", "vendor/lib.py": "", "vendor/x/y.py": ""})
    assert "vendor/lib.py" not in await paths(ctx)
    assert await paths(ctx, path="vendor") == ["vendor/lib.py", "vendor/x", "vendor/x/y.py"]


async def test_rules_of_ancestors_apply_to_a_subdirectory(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(workspace, {".gitignore": "*.tmp\n", "src/a.tmp": "", "src/a.py": ""})
    assert await paths(ctx, path="src") == ["src/a.py"]


async def test_hidden_entries(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {".hidden.txt": "", ".config/settings.toml": "", "visible.txt": "", ".git/HEAD": ""},
    )
    assert await paths(ctx) == ["visible.txt"]
    assert await paths(ctx, include_hidden=True) == [
        ".config",
        ".config/settings.toml",
        ".hidden.txt",
        "visible.txt",
    ]


async def test_depth(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"a.txt": "", "d1/b.txt": "", "d1/d2/c.txt": "", "d1/d2/d3/d.txt": ""})
    assert await paths(ctx, max_depth=1) == ["a.txt", "d1"]
    assert await paths(ctx, max_depth=2) == ["a.txt", "d1", "d1/b.txt", "d1/d2"]
    assert await paths(ctx, path="d1", max_depth=1) == ["d1/b.txt", "d1/d2"]
    assert "d1/d2/d3/d.txt" in await paths(ctx)


async def test_glob(workspace: Path, ctx: ToolContext) -> None:
    write_tree(
        workspace,
        {"setup.py": "", "src/app/main.py": "", "src/app/view.ts": "", "docs/a.md": ""},
    )
    assert await paths(ctx, glob="*.py") == ["setup.py", "src/app/main.py"]
    assert await paths(ctx, glob="src/**/*.ts") == ["src/app/view.ts"]
    assert await paths(ctx, glob="!*.md") == ["setup.py", "src/app/main.py", "src/app/view.ts"]
    # relative to the listed directory as well as to the root
    assert await paths(ctx, path="src", glob="app/*.py") == ["src/app/main.py"]
    with pytest.raises(InvalidArgument):
        await list_files(ctx, glob="!")


async def test_limit_and_truncation(workspace: Path) -> None:
    write_tree(workspace, {f"f{i:02}.txt": "" for i in range(10)} | {"deep/x/y/z.txt": ""})
    ctx = context(workspace, max_results=5)
    listing = await list_files(ctx)
    assert len(listing.entries) == 5 and listing.truncated and listing.limit == 5
    # breadth first: a truncated listing shows the top level, not one deep branch
    assert all("/" not in entry.path for entry in listing.entries)
    exact = await list_files(ctx, limit=14)
    assert len(exact.entries) == 14 and not exact.truncated
    assert (await list_files(ctx, limit=13)).truncated


async def test_entries_kinds_and_sizes(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"data.bin": b"12345", "dir/x.txt": ""})
    os.symlink("data.bin", workspace / "alias")
    entries = {entry.path: entry for entry in (await list_files(ctx)).entries}
    assert entries["data.bin"].kind == "file" and entries["data.bin"].size == 5
    assert entries["dir"].kind == "dir"
    assert entries["alias"].kind == "symlink" and entries["alias"].target == "data.bin"


async def test_listing_a_file_or_nothing(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"one.txt": "abc"})
    listing = await list_files(ctx, path="one.txt")
    assert [(e.path, e.size) for e in listing.entries] == [("one.txt", 3)]
    with pytest.raises(NotFound):
        await list_files(ctx, path="missing")


# --- read_file --------------------------------------------------------------------------------


async def test_read_numbered_lines_and_ranges(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"f.txt": "".join(f"line {i}\n" for i in range(1, 13))})
    whole = await read_file(ctx, "f.txt")
    assert whole.total_lines == 12 and (whole.start_line, whole.end_line) == (1, 12)
    assert whole.content.splitlines()[0] == " 1\tline 1"
    assert whole.content.splitlines()[-1] == "12\tline 12"
    assert not whole.truncated and whole.encoding == "utf-8"

    part = await read_file(ctx, "f.txt", start_line=3, end_line=4)
    assert part.content == "3\tline 3\n4\tline 4\n"
    assert (part.start_line, part.end_line, part.total_lines) == (3, 4, 12)

    tail = await read_file(ctx, "f.txt", start_line=11, end_line=99)
    assert tail.end_line == 12 and not tail.truncated

    with pytest.raises(InvalidArgument, match="past the end"):
        await read_file(ctx, "f.txt", start_line=13)
    with pytest.raises(InvalidArgument, match="before start_line"):
        await read_file(ctx, "f.txt", start_line=5, end_line=4)


async def test_read_line_endings_and_empty_files(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"crlf.txt": b"a\r\nb\r\nno newline", "empty.txt": ""})
    crlf = await read_file(ctx, "crlf.txt")
    assert crlf.content == "1\ta\n2\tb\n3\tno newline\n"
    empty = await read_file(ctx, "empty.txt")
    assert (empty.content, empty.total_lines, empty.end_line) == ("", 0, 0)


@pytest.mark.parametrize(
    ("data", "encoding", "text", "noted"),
    [
        ("héllo wörld\n".encode(), "utf-8", "héllo wörld", False),
        (codecs.BOM_UTF8 + "naïve\n".encode(), "utf-8-sig", "naïve", False),
        ("ünï\r\ncode\n".encode("utf-16"), "utf-16", "ünï", False),
        (b"caf\xe9 \x93quoted\x94\n", "cp1252", "café “quoted”", True),
        (b"\x81 caf\xe9\n", "latin-1", "\x81 café", True),
    ],
)
async def test_read_encodings(
    workspace: Path, ctx: ToolContext, data: bytes, encoding: str, text: str, noted: bool
) -> None:
    write_tree(workspace, {"f.txt": data})
    result = await read_file(ctx, "f.txt")
    assert result.encoding == encoding
    assert result.content.splitlines()[0] == f"1\t{text}"
    assert bool(result.notes) == noted
    if noted:
        assert encoding in result.notes[0] and "UTF-8" in result.notes[0]


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"text\x00with a nul",
        bytes(range(256)) * 4,
        b"\x01\x02\x03\x04\x05\x06\x07\x0e\x0f\x10\xff\xfe" * 100,
    ],
)
async def test_binary_files_are_refused(workspace: Path, ctx: ToolContext, data: bytes) -> None:
    write_tree(workspace, {"blob": data})
    with pytest.raises(BinaryFile, match="binary"):
        await read_file(ctx, "blob")


async def test_a_nul_after_the_sniffed_start_is_still_refused(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(workspace, {"late.txt": b"ok\n" * 5000 + b"bad\x00line\n"})
    with pytest.raises(BinaryFile):
        await read_file(ctx, "late.txt", start_line=4990)
    assert (await read_file(ctx, "late.txt", end_line=2)).content == "1\tok\n2\tok\n"


async def test_size_cap_names_the_cap_and_suggests_a_range(workspace: Path) -> None:
    write_tree(workspace, {"big.txt": "".join(f"row {i}\n" for i in range(1, 301))})
    ctx = context(workspace, max_read_bytes=500)
    with pytest.raises(TooLarge) as caught:
        await read_file(ctx, "big.txt")
    message = str(caught.value)
    assert "500" in message and "max_read_bytes" in message and "start_line" in message

    ranged = await read_file(ctx, "big.txt", start_line=100, end_line=102)
    assert ranged.content == "100\trow 100\n101\trow 101\n102\trow 102\n"
    assert ranged.total_lines is None  # a big file is not read to its end for a range


async def test_line_cap_truncates_with_a_continuation(workspace: Path) -> None:
    write_tree(workspace, {"f.txt": "".join(f"{i}\n" for i in range(1, 26))})
    ctx = context(workspace, max_read_lines=10)
    first = await read_file(ctx, "f.txt")
    assert (first.end_line, first.truncated, first.next_start_line) == (10, True, 11)
    assert first.total_lines == 25
    assert any("start_line=11" in note for note in first.notes)
    second = await read_file(ctx, "f.txt", start_line=first.next_start_line or 0)
    assert (second.start_line, second.end_line, second.next_start_line) == (11, 20, 21)
    last = await read_file(ctx, "f.txt", start_line=21)
    assert (last.end_line, last.truncated, last.next_start_line) == (25, False, None)
    exact = await read_file(ctx, "f.txt", start_line=1, end_line=10)
    assert not exact.truncated  # the asked range was served in full


@pytest.mark.parametrize("trailing_newline", [True, False])
async def test_ranges_match_the_lines_anywhere_in_a_large_file(
    workspace: Path, trailing_newline: bool
) -> None:
    lines = [f"{i:07d} " + "é" * (i % 13) for i in range(1, 120_001)]  # ~2.2 MB, multi-byte
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    write_tree(workspace, {"big.txt": text.encode()})
    ctx = context(workspace, max_read_bytes=1_000_000, max_read_lines=50)
    for start in (1, 2, 55_000, 55_001, 119_990, 120_000):
        result = await read_file(ctx, "big.txt", start_line=start, end_line=start + 20)
        expected = lines[start - 1 : start + 20]
        got = [line.partition("\t") for line in result.content.splitlines()]
        assert [int(number) for number, _, _ in got] == list(range(start, start + len(expected)))
        assert [body for _, _, body in got] == expected
    with pytest.raises(InvalidArgument, match=r"past the end of 'big.txt' \(120000 lines\)"):
        await read_file(ctx, "big.txt", start_line=120_001)


async def test_an_over_long_line_is_cut(workspace: Path) -> None:
    write_tree(workspace, {"min.js": "x" * 2000 + "\nshort\n"})
    ctx = context(workspace, max_read_bytes=1000)  # lines are cut at a tenth of it
    result = await read_file(ctx, "min.js", start_line=1, end_line=2)
    first, second = result.content.splitlines()
    assert first == "1\t" + "x" * 100
    assert second == "2\tshort"
    assert any("line 1 was cut" in note for note in result.notes)


async def test_directories_and_special_files(workspace: Path, ctx: ToolContext) -> None:
    (workspace / "src").mkdir()
    with pytest.raises(InvalidArgument, match="is a directory; use list_files"):
        await read_file(ctx, "src")
    os.mkfifo(workspace / "pipe")
    with pytest.raises(InvalidArgument, match="not a regular file"):
        await read_file(ctx, "pipe")
    with pytest.raises(NotFound):
        await read_file(ctx, "nope.txt")


# --- create_file ------------------------------------------------------------------------------


async def test_create_with_parents(workspace: Path, ctx: ToolContext) -> None:
    result = await create_file(ctx, "a/b/c.txt", "héllo\n")
    assert result.path == "a/b/c.txt" and result.created and not result.dry_run
    assert result.bytes_written == len("héllo\n".encode())
    assert (workspace / "a/b/c.txt").read_text() == "héllo\n"
    assert sorted(p.name for p in (workspace / "a/b").iterdir()) == ["c.txt"]  # no temp left


async def test_no_silent_overwrite(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"f.txt": "original\n"})
    with pytest.raises(AlreadyExists, match="overwrite=true"):
        await create_file(ctx, "f.txt", "new\n")
    assert (workspace / "f.txt").read_text() == "original\n"


async def test_overwrite_is_atomic_and_keeps_the_mode_without_exec_bits(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(workspace, {"run.sh": "old\n"})
    (workspace / "run.sh").chmod(0o750)
    with (workspace / "run.sh").open() as reader:  # a reader holding the old file
        result = await create_file(ctx, "run.sh", "new\n", overwrite=True)
        assert reader.read() == "old\n"  # replaced, not rewritten in place
    assert not result.created
    assert (workspace / "run.sh").read_text() == "new\n"
    # the permission bits stay; the executable bits never survive a write
    assert stat.S_IMODE((workspace / "run.sh").stat().st_mode) == 0o640
    assert os.listdir(workspace) == ["run.sh"]


async def test_dry_run_touches_nothing(workspace: Path, ctx: ToolContext) -> None:
    result = await create_file(ctx, "new/dir/x.md", "# Title\n", dry_run=True)
    assert result.dry_run and result.created and result.preview == "# Title\n"
    assert result.bytes_written == 8
    assert os.listdir(workspace) == []
    write_tree(workspace, {"x.md": "keep"})
    with pytest.raises(AlreadyExists):  # a dry run reports the refusal a real run would meet
        await create_file(ctx, "x.md", "other", dry_run=True)
    overwrite = await create_file(ctx, "x.md", "other", overwrite=True, dry_run=True)
    assert not overwrite.created
    assert (workspace / "x.md").read_text() == "keep"


async def test_dry_run_of_an_overwrite_diffs_against_the_current_text(
    workspace: Path, ctx: ToolContext
) -> None:
    write_tree(workspace, {"notes.md": "one\ntwo\nthree\n", "blob.bin": b"\xff\xfe\x00"})
    result = await create_file(ctx, "notes.md", "one\nTWO\nthree", overwrite=True, dry_run=True)
    assert result.diff is not None and not result.diff_truncated
    lines = result.diff.splitlines()
    assert lines[:2] == ["--- a/notes.md", "+++ b/notes.md"]
    assert "-two" in lines and "+TWO" in lines and "-three" in lines and "+three" in lines
    assert lines[-1] == "\\ No newline at end of file"
    assert (workspace / "notes.md").read_text() == "one\ntwo\nthree\n"
    new = await create_file(ctx, "fresh.md", "x", dry_run=True)
    assert new.diff is None  # nothing to compare with
    binary = await create_file(ctx, "blob.bin", "text", overwrite=True, dry_run=True)
    assert binary.diff is None and not binary.created


async def test_a_big_diff_is_cut_at_a_line(workspace: Path, ctx: ToolContext) -> None:
    from tools.files.create_file import DIFF_CHARS

    write_tree(workspace, {"big.txt": "".join(f"old line {i}\n" for i in range(5000))})
    content = "".join(f"new line {i}\n" for i in range(5000))
    result = await create_file(ctx, "big.txt", content, overwrite=True, dry_run=True)
    assert result.diff is not None and result.diff_truncated
    assert len(result.diff) <= DIFF_CHARS
    assert result.diff.endswith("\n")


async def test_failed_write_leaves_nothing_behind(
    workspace: Path, ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ToolError, match="No space left"):
        await create_file(ctx, "f.txt", "data")
    assert os.listdir(workspace) == []


async def test_symlinks_out_are_refused(workspace: Path, ctx: ToolContext, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.txt").write_text("untouched")
    os.symlink(outside / "target.txt", workspace / "link.txt")
    os.symlink(outside, workspace / "linkdir")
    os.symlink(outside / "new.txt", workspace / "dangling.txt")
    for path in ("link.txt", "linkdir/new.txt", "linkdir/sub/new.txt", "dangling.txt"):
        with pytest.raises(PathOutsideWorkspace):
            await create_file(ctx, path, "pwned", overwrite=True)
    assert (outside / "target.txt").read_text() == "untouched"
    assert sorted(p.name for p in outside.iterdir()) == ["target.txt"]


async def test_bad_targets(workspace: Path, ctx: ToolContext) -> None:
    write_tree(workspace, {"file.txt": "x", "dir/y.txt": "y"})
    for path, fragment in (
        ("dir", "is a directory"),
        ("newdir/", "names a directory"),
        (".", "names a directory"),
        ("file.txt/inner.txt", "is a file, not a directory"),
        ("a\\b.txt", "backslash"),
        ("line\nbreak.txt", "control characters"),
        ("%2e%2e/x.txt", "percent-encoded"),
        ("d/" * 70 + "x.txt", "nested"),
    ):
        with pytest.raises(InvalidArgument, match=fragment):
            await create_file(ctx, path, "z", overwrite=True)


def test_registered_as_a_write_tool() -> None:
    assert get_tool("create_file").writes
    assert not get_tool("read_file").writes and not get_tool("list_files").writes


# --- parity with ripgrep ----------------------------------------------------------------------

PARITY_FILES = (
    "a.log", "keep.log", "top.txt", "a/top.txt", "build/o", "src/build/o", "dist/keep.txt",
    "dist/x", "node_modules/x/y", ".hid/z", ".dotfile", "a/x.md", "a/README.md", "a/b/c/f",
    "a/b/f", "src/gen_x.py", "src/x.py", "docs/q.tmp", "docs/r/q.tmp", "docs/r/ok.txt",
    "local_only.txt", "sub/local_only.txt",
)  # fmt: skip
PARITY_TREE: dict[str, str | bytes] = {
    ".gitignore": "*.log\n!keep.log\nbuild/\n/top.txt\ndist/*\n!dist/keep.txt\nnode_modules\n"
    "**/gen_*.py\ndocs/**/*.tmp\n",
    "a/.gitignore": "*.md\n!README.md\n",
    "a/b/.ignore": "c/\n",
    ".git/info/exclude": "local_only.txt\n",
    **dict.fromkeys(PARITY_FILES, ""),
}


@pytest.mark.parametrize("hidden", [False, True])
async def test_same_files_as_ripgrep(workspace: Path, ctx: ToolContext, hidden: bool) -> None:
    rg = require_program("rg", str(Path(sys.executable).parent / "rg"))
    write_tree(workspace, PARITY_TREE)
    command = [rg, "--files", "--no-require-git", *(["--hidden"] if hidden else [])]
    done = await anyio.run_process(command, cwd=workspace)
    lines = done.stdout.decode().splitlines()
    expected = sorted(line for line in lines if not line.startswith(".git/"))
    listing = await list_files(ctx, include_hidden=hidden)
    assert [entry.path for entry in listing.entries if entry.kind == "file"] == expected


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"include_hidden": True},
        {"path": "a"},
        {"path": "a/b"},
        {"path": "docs", "include_hidden": True},
        {"path": "build"},  # ignored, listed explicitly
        {"max_depth": 1},
        {"max_depth": 2, "path": "a"},
        {"glob": "*.txt"},
        {"glob": "!*.txt"},
        {"glob": "a/**/f"},
        {"path": "a", "glob": "b/*"},
        {"path": "a", "glob": "a/b/*"},
    ],
)
async def test_the_ripgrep_walk_lists_what_the_breadth_first_walk_lists(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, object]
) -> None:
    """Big listings walk on ``rg --files``, bounded ones breadth first in Python: same answer."""
    write_tree(
        workspace,
        PARITY_TREE
        | {"a/.env": "SECRET=1\n", "a/b/id_rsa": "key", "empty/nothing/.keep": "", "d1/d2/x": ""},
    )
    os.symlink("keep.log", workspace / "alias.log")
    os.symlink("../a", workspace / "a" / "b" / "up")
    os.mkfifo(workspace / "a" / "pipe.txt")
    ctx = context(workspace, max_result_bytes=10**9)
    monkeypatch.setattr(list_files_module, "BFS_CAP", 10**12)
    bounded = await list_files(ctx, limit=10**6, **arguments)  # type: ignore[arg-type]
    assert bounded.entries  # the case lists something
    monkeypatch.setattr(list_files_module, "BFS_CAP", 0)
    on_ripgrep = await list_files(ctx, limit=10**6, **arguments)  # type: ignore[arg-type]
    assert on_ripgrep == bounded
    names = [entry.path.rpartition("/")[2] for entry in bounded.entries]
    assert not {".env", "id_rsa", "pipe.txt"} & set(names)


@pytest.mark.parametrize(
    "entry",
    [
        FileEntry(path="a/b.py", kind="file", size=12_345),
        FileEntry(path="dir", kind="dir"),
        FileEntry(path="link", kind="symlink", size=3, target="a/b.py"),
        FileEntry(path="out", kind="symlink"),
        FileEntry(path='q"uote\\back\tslash', kind="file", size=0),
        FileEntry(path="café/naïve ☕.txt", kind="symlink", target="über.txt"),
        FileEntry(path="caf\udce9.txt", kind="file", size=1),  # shown as caf\xe9.txt
    ],
)
def test_an_entry_is_sized_as_its_json(entry: FileEntry) -> None:
    shown = entry.model_copy(
        update={
            "path": shown_name(entry.path),
            "target": shown_name(entry.target) if entry.target else None,
        }
    )
    assert list_files_module._entry_bytes(entry) == len(shown.model_dump_json().encode())


def test_a_trusted_entry_equals_a_validated_entry() -> None:
    fast = list_files_module.trusted_entry("a/b.py", "file", 7)
    assert fast == FileEntry(path="a/b.py", kind="file", size=7)
    assert fast.model_dump_json() == FileEntry(path="a/b.py", kind="file", size=7).model_dump_json()
    assert fast.model_fields_set == set(FileEntry.model_fields)


def _secret_like_paths() -> list[str]:
    """Paths built from every secret pattern (its ``*`` filled, in other cases, at depths),
    and near misses."""
    names = []
    for pattern in SECRET_PATTERNS:
        for fill in ("", "x", "a.b", "Ünï"):
            name = pattern.replace("*", fill)
            names += [name, name.upper(), name.title(), name + ".txt", "x" + name, name + "~"]
    paths = [*SECRET_PATHS, *(glob.replace("**", "a/b") for glob in SECRET_PATH_GLOBS)]
    paths += [path.upper() for path in paths] + [path + "x" for path in paths]
    paths += [path.replace("/", "/x", 1) for path in paths] + ["config", "git/config", "modules/c"]
    every = names + paths
    return every + [f"dir/{path}" for path in every] + [f"a.env/b/{path}" for path in every]


def test_secret_paths_are_left_out_as_is_secret_path_decides() -> None:
    paths = _secret_like_paths()
    assert sum(map(is_secret_path, paths)) > len(paths) // 4  # the case has both kinds
    kept = [path for path in paths if not is_secret_path(path)]
    assert kept  # and near misses
    assert without_secret_paths(paths) == kept
    assert without_secret_paths(kept) == kept


async def test_the_ripgrep_walk_cut_by_the_budget_keeps_the_shallowest_entries(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the result size budget binds on the ripgrep walk, the answer holds the first entries
    shallowest first then by path, each counted, and fits the budget."""
    write_tree(
        workspace,
        {f"d{i}/s{j}/f{k}.txt": "x" for i in range(4) for j in range(4) for k in range(6)},
    )
    monkeypatch.setattr(list_files_module, "BFS_CAP", 0)
    whole = await list_files(context(workspace, max_result_bytes=10**9), limit=10**6)
    assert not whole.truncated and len(whole.entries) == 4 + 16 + 96
    ordered = sorted(whole.entries, key=lambda entry: (entry.path.count("/"), entry.path))
    ctx = context(workspace, max_result_bytes=3_000)
    cut = await list_files(ctx, limit=10**6)
    assert cut.truncated
    assert 20 < len(cut.entries) < 116
    assert cut.entries == sorted(ordered[: len(cut.entries)], key=lambda entry: entry.path)
    assert len(cut.model_dump_json().encode()) <= 3_000
