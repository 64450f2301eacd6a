"""Hits of ``search_code`` checked against the files as the workspace opens them.

ripgrep opens files by name, so a directory swapped for a symlink while it runs can make it read
a file outside the workspace. It cannot be told to open beneath a descriptor, so its results are
checked instead: every file with hits is reopened through the workspace (beneath the root
descriptor, no symlink followed, regular files only) and a hit is kept only when that file has
the same line (and context lines) at the same number. Whatever ripgrep read elsewhere is thereby
dropped; nothing from outside the workspace reaches the caller. The cost is one read of each
file that has hits, from the page cache since ripgrep has just read it.
"""

from __future__ import annotations

import codecs
import os
from itertools import groupby
from typing import TYPE_CHECKING

from tools.errors import HardLinkRefused, ToolError
from tools.files.text_decoding import SNIFF_BYTES, sniff
from tools.workspace import Workspace

if TYPE_CHECKING:
    from tools.files.search_code import SearchHit

ELLIPSIS = "…"


class _Lines:
    """The lines of one file read through the workspace, decoded as ripgrep decodes them."""

    def __init__(self, workspace: Workspace, relative: str, last: int) -> None:
        self.lines: list[str] = []
        with workspace.opened(relative) as handle, os.fdopen(os.dup(handle.fd), "rb") as reader:
            encoding = sniff(reader.read(SNIFF_BYTES))
            reader.seek(0)
            codec = encoding.name if encoding and encoding.name.startswith("utf-16") else "utf-8"
            decoder = codecs.getincrementaldecoder(codec)(errors="replace")
            pending = ""
            while len(self.lines) < last:
                block = reader.read(1 << 16)
                text = pending + decoder.decode(block, final=not block)
                parts = text.split("\n")
                pending = parts.pop()
                self.lines.extend(parts)
                if not block:
                    if pending:
                        self.lines.append(pending)
                    break
        del self.lines[last:]
        if self.lines and self.lines[0].startswith("\ufeff"):
            self.lines[0] = self.lines[0][1:]

    def line(self, number: int) -> str | None:
        """Line ``number`` without its line ending (a ``\r`` before the ``\n`` is removed only
        from the lines looked at: most of a file never is)."""
        if 0 < number <= len(self.lines):
            return self.lines[number - 1].removesuffix("\r")
        return None


def _same(shown: str, actual: str | None, column: int = 1) -> bool:
    """Whether a (possibly cut) shown line is the actual line from ``column`` on."""
    if actual is None:
        return False
    if shown.endswith(ELLIPSIS) and len(actual) - (column - 1) != len(shown):
        return actual[column - 1 :].startswith(shown[: -len(ELLIPSIS)])
    return actual[column - 1 :] == shown or (column == 1 and actual.startswith(shown))


def _hit_holds(hit: SearchHit, lines: _Lines) -> bool:
    number = hit.line
    if not _same(hit.text, lines.line(number), hit.text_column):
        return False
    first = number - len(hit.context_before)
    return all(
        _same(text, lines.line(first + i)) for i, text in enumerate(hit.context_before)
    ) and all(_same(text, lines.line(number + 1 + i)) for i, text in enumerate(hit.context_after))


def verified_hits(workspace: Workspace, hits: list[SearchHit]) -> tuple[list[SearchHit], int, int]:
    """The hits that the files, opened through the workspace, confirm; how many were not; and
    how many of those were in files with several hard links (not read unless allowed).

    ``hits`` come grouped by file, as ``search_code`` sorts them."""
    kept: list[SearchHit] = []
    dropped = linked = 0
    for relative, group in groupby(hits, key=lambda hit: hit.path):
        file_hits = list(group)
        last = max(hit.line + len(hit.context_after) for hit in file_hits)
        try:
            lines = _Lines(workspace, relative, last)
        except HardLinkRefused:
            linked += len(file_hits)
            continue
        except (OSError, ToolError):  # gone, swapped, or not a regular file any more
            dropped += len(file_hits)
            continue
        for hit in file_hits:
            if _hit_holds(hit, lines):
                kept.append(hit)
            else:
                dropped += 1
    return kept, dropped, linked
