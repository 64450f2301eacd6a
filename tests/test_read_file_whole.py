"""read_file's whole-file shortcut (small UTF-8 files) answers exactly as the line-by-line read."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.errors import ToolError
from tools.files import read_file as read_file_module
from tools.files.read_file import read_file
from tools.settings import ToolSettings

CASES = [
    b"",
    b"\n",
    b"one line, no newline",
    b"a\nb\nc\n",
    b"a\r\nb\r\nlast\r",
    b"cr\r\r\nonly\rinside\n",
    b"\n\n\nblank lines\n\n",
    "unicode \u00e9\u4e2d\u2028line sep\x0bvt\x0cff\n\ufeffbom inside\n".encode(),
    b"x" * 90 + b"\n" + b"y" * 99,  # lines near the cap (100 bytes with max_read_bytes=1000)
    b"z" * 100 + b"\n",  # a line at the cap: the window decides
    b"\n".join(b"line %d" % n for n in range(12)),  # more lines than max_read_lines
    b"bad utf-8 \xff\xfe here\n",  # not UTF-8: the window's fallback decides
    b"nul \x00 inside\n",
]


def random_text(rng: random.Random) -> bytes:
    alphabet = ["a", "b", " ", "\t", "\n", "\r", "\r\n", "\u00e9", "\u2028", "\x85", "\x00"]
    weights = [20, 20, 5, 2, 8, 2, 3, 2, 1, 1, 0.05]
    return "".join(rng.choices(alphabet, weights, k=rng.randrange(0, 200))).encode()


def answer(ctx: ToolContext, name: str) -> object:
    try:
        return asyncio.run(read_file(ctx, path=name)).model_dump()
    except ToolError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("seed", range(3))
def test_whole_file_shortcut_equals_the_line_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    settings = ToolSettings(max_read_bytes=1000, max_read_lines=10)
    ctx = ToolContext.local(str(tmp_path), settings=settings)
    bodies = [*CASES, *(random_text(rng) for _ in range(150))]
    for n, body in enumerate(bodies):
        (tmp_path / f"f{n}.txt").write_bytes(body)
    fast = [answer(ctx, f"f{n}.txt") for n in range(len(bodies))]
    monkeypatch.setattr(read_file_module._Request, "_whole", lambda self, data, encoding: None)
    slow = [answer(ctx, f"f{n}.txt") for n in range(len(bodies))]
    for n, body in enumerate(bodies):
        assert fast[n] == slow[n], body
