"""The outline walk (code_outline and summarize of a directory) reads directory entries through
descriptors opened beneath the workspace root, so a directory swapped for a symlink to an
outside folder mid-walk is skipped: not even its names appear."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.code.outline_walk import iter_files
from tools.workspace import Workspace


def test_a_directory_swapped_mid_walk_is_not_listed(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "outside_name.py").write_text("x = 1\n")
    for folder, name in (("a", "x.py"), ("b", "y.py")):
        (workspace / folder).mkdir()
        (workspace / folder / name).write_text("y = 2\n")
    walk = iter_files(Workspace.open(workspace), workspace)
    first = next(walk)
    assert first.relative == "a/x.py"
    os.rename(workspace / "b", workspace / "b_old")  # the walk listed "b" as a directory...
    os.symlink(outside, workspace / "b")  # ...which is now a symlink out
    rest = [walked.relative for walked in walk]
    assert rest == []  # b is skipped (b_old was not there when the root was listed)
    assert not any("outside_name" in name for name in rest)


def test_source_is_refused_once_the_walk_left_the_directory(workspace: Path) -> None:
    (workspace / "m.py").write_text("z = 3\n")
    walked = list(iter_files(Workspace.open(workspace), workspace))
    assert [w.relative for w in walked] == ["m.py"]
    with pytest.raises(OSError, match="left this file's directory"):
        walked[0].source()  # its directory descriptor is closed: no stat through a reused fd


@pytest.mark.anyio
@pytest.mark.parametrize("walk", ["breadth-first", "ripgrep"])
async def test_a_directory_swapped_before_list_files_reads_it_is_not_listed(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, walk: str
) -> None:
    """list_files reads each directory through a descriptor opened beneath the root (both the
    bounded breadth-first walk and the directory scan beside ``rg --files``): a directory
    swapped for a symlink to an outside folder after it was queued, right before it is read, is
    skipped (by path, the outside folder's names were listed)."""
    from tools import beneath
    from tools.context import ToolContext
    from tools.files import list_files as listing

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "outside_name.txt").write_text("secret\n")
    (workspace / "a").mkdir()
    (workspace / "a" / "x.txt").write_text("x\n")
    (workspace / "b").mkdir()
    (workspace / "b" / "y.txt").write_text("y\n")
    real_open = beneath.open_beneath
    swapped: list[str] = []

    def swap_then_open(dir_fd: int, relative: str, flags: int = beneath.READ_FLAGS) -> int:
        if relative == "b" and not swapped:  # the race, at its worst moment
            os.rename(workspace / "b", tmp_path / "b_moved")
            os.symlink(outside, workspace / "b")
            swapped.append(relative)
        return real_open(dir_fd, relative, flags)

    monkeypatch.setattr(beneath, "open_beneath", swap_then_open)
    if walk == "ripgrep":
        monkeypatch.setattr(listing, "BFS_CAP", 0)
    result = await listing.list_files(ToolContext.local(str(workspace)), path=".")
    paths = [entry.path for entry in result.entries]
    assert swapped == ["b"]
    assert "a/x.txt" in paths
    assert not any("outside_name" in path for path in paths)
    assert "b/y.txt" not in paths  # b was a symlink by the time it was read
