"""Hits of ``search_code`` checked against the files as the workspace opens them.

ripgrep opens files by name, so a directory swapped for a symlink while it runs can make it read
a file outside the workspace. It cannot be told to open beneath a descriptor, so its results are
checked instead: every file with hits is reopened through the workspace (beneath the root
descriptor, no symlink followed, regular files only) and a hit is kept only when that file has
the same line (and context lines) at the same number. Whatever ripgrep read elsewhere is thereby
dropped; nothing from outside the workspace reaches the caller. The cost is one read of each
file that has hits, from the page cache since ripgrep has just read it.

Hits without context lines are checked on bytes: ripgrep gives each line's byte offset and its
exact bytes, so the file's bytes at that offset must be that line, with ``number - 1`` line
endings before it (no decoding, no split into lines). Files that ripgrep transcodes (a byte-order
mark: its offsets are then of the decoded text) and hits with context are checked on lines.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tools.errors import HardLinkRefused, ToolError
from tools.files.text_decoding import SNIFF_BYTES, sniff
from tools.workspace import Workspace

if TYPE_CHECKING:
    from tools.files.search_code import SearchHit

ELLIPSIS = "…"
_NEWLINE = ord("\n")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

Spot = tuple[int, int, bytes]
"""Where ripgrep saw a hit's line: its number, its byte offset, its bytes with the line end."""


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


def _spots_hold(data: bytes, spots: Sequence[Spot]) -> list[bool]:
    """For each spot (in file order): whether ``data`` has that line at that offset and number.

    A line starts after a line end; a line without its line ending is the file's last:
    ``data`` (read one byte further than the furthest line) must end there."""
    held = []
    number, counted = 1, 0
    for line, offset, raw in spots:
        if offset < counted:  # not in file order (never from ripgrep): count again
            number, counted = 1, 0
        number += data.count(b"\n", counted, offset)
        counted = offset
        end = offset + len(raw)
        held.append(
            number == line
            and (offset == 0 or data[offset - 1] == _NEWLINE)  # a line starts there
            and data.startswith(raw, offset)
            and (raw.endswith(b"\n") or len(data) == end)
        )
    return held


def verified_hits(
    workspace: Workspace,
    groups: Sequence[tuple[str, list[SearchHit], Sequence[Spot] | None]],
) -> tuple[list[SearchHit], int, int]:
    """The hits that the files, opened through the workspace, confirm; how many were not; and
    how many of those were in files with several hard links (not read unless allowed).

    ``groups`` are a file's name, its hits in line order and, for hits without context lines,
    where ripgrep saw each of them (:data:`Spot`, one per hit)."""
    kept: list[SearchHit] = []
    dropped = linked = 0
    for relative, file_hits, spots in groups:
        try:
            if spots is not None:
                end = max(offset + len(raw) for _, offset, raw in spots)
                data = workspace.read_bytes(relative, end + 1)
                if not data.startswith(_BOMS):
                    for hit, held in zip(file_hits, _spots_hold(data, spots), strict=True):
                        if held:
                            kept.append(hit)
                        else:
                            dropped += 1
                    continue
            last = max(hit.line + len(hit.context_after) for hit in file_hits)
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
