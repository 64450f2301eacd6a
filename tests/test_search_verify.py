"""The check of search hits against the files as the workspace opens them (on bytes for hits
without context, on lines for files with a byte-order mark and hits with context)."""

from __future__ import annotations

import codecs
import subprocess
from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.files.ripgrep import rg_binary
from tools.files.search_code import SearchHit, _Collector, _rg_arguments
from tools.files.search_verify import Spot, verified_hits

LINES = b"import a\nx = 1\r\nimport b\nimport c"


def _collected(root: Path, context: int) -> list[tuple[str, list[SearchHit], list[Spot] | None]]:
    """rg's real output for 'import' in ``root``, parsed by the tool's collector."""
    arguments = _rg_arguments(
        "import",
        target=".",
        regex=False,
        case_sensitive=None,
        globs=[],
        context_lines=context,
        exclude_secrets=True,
    )
    output = subprocess.run(
        [rg_binary(), *arguments], cwd=root, capture_output=True, check=True
    ).stdout
    collector = _Collector(limit=100, context=context, allow_secrets=False)
    collector.feed(output.split(b"\n"))
    return collector.sorted_groups()


def _kept(root: Path, groups: list[tuple[str, list[SearchHit], list[Spot] | None]]) -> list[int]:
    kept, dropped, linked = verified_hits(ToolContext.local(str(root)).workspace, groups)
    assert linked == 0
    assert len(kept) + dropped == sum(len(hits) for _, hits, _ in groups)
    return [hit.line for hit in kept]


@pytest.mark.parametrize("context", [0, 1])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_unchanged_files_keep_every_hit(tmp_path: Path, context: int, bom: bytes) -> None:
    (tmp_path / "a.py").write_bytes(bom + LINES)
    groups = _collected(tmp_path, context)
    assert (groups[0][2] is None) == bool(context)  # spots only without context
    assert _kept(tmp_path, groups) == [1, 3, 4]


@pytest.mark.parametrize(
    ("changed", "kept"),
    [
        (b"import a\nx = 2\r\nimport b\nimport c", [1, 3, 4]),  # a line without a hit
        (b"import a\nx = 1\r\nimport B\nimport c", [1, 4]),  # a hit's line, same length
        (b"\nimport a\nx = 1\r\nimport b\nimport ", []),  # every line one further on
        (b"import a\nx = 1\r\nimport b\nimport cc", [1, 3]),  # the last line grew
        (b"import a\nx = 1\r\nimport b\nimport c\n", [1, 3]),  # a line end added at the end
        (b"import a\nx = 1\nximport b\nimport c", [1, 4]),  # a line start moved by a byte
        (b"import a\nx\n1\r\nimport b\nimport c", [1]),  # same offsets, line numbers moved
    ],
)
def test_a_hit_whose_line_changed_is_dropped(
    tmp_path: Path, changed: bytes, kept: list[int]
) -> None:
    """On bytes: the line, its offset, its number and its line end must all be as rg saw them."""
    (tmp_path / "a.py").write_bytes(LINES)
    groups = _collected(tmp_path, 0)
    (tmp_path / "a.py").write_bytes(changed)
    assert _kept(tmp_path, groups) == kept


def test_a_file_gone_drops_its_hits(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(LINES)
    groups = _collected(tmp_path, 0)
    (tmp_path / "a.py").unlink()
    assert _kept(tmp_path, groups) == []


@pytest.mark.parametrize("budget", [300, 2_000, 5_000, 20_000, 10**9])
def test_the_budget_keeps_as_many_hits_as_their_exact_sizes_allow(
    tmp_path: Path, budget: int
) -> None:
    """Hits taken on an upper bound of their size and counted later are the same hits as when
    each is counted at once: as many as fit, summing their exact JSON sizes."""
    lines = [f'import {"x" * (n * 7 % 90)} "q" {"é☕" * (n % 3)}' for n in range(300)]
    (tmp_path / "a.py").write_text("\n".join(lines) + "\n")
    arguments = _rg_arguments(
        "import",
        target=".",
        regex=False,
        case_sensitive=None,
        globs=[],
        context_lines=0,
        exclude_secrets=True,
    )
    output = subprocess.run(
        [rg_binary(), *arguments], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    every = _Collector(limit=1000, context=0, allow_secrets=False)
    every.feed(output.split(b"\n"))
    cut = _Collector(limit=1000, context=0, allow_secrets=False, max_bytes=budget)
    cut.feed(output.split(b"\n"))
    cut.settle()
    left, expected = budget, 0
    for hit in every.sorted_hits():
        size = cut._hit_bytes(hit.__dict__) + 1
        if size > left:
            break
        left -= size
        expected += 1
    assert len(cut.sorted_hits()) == expected
    assert cut.more == (expected < 300)
    assert cut.budget is not None and cut.budget.left == left
