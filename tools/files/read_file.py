"""``read_file``: a text file or a line range of it, with line numbers."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Annotated, AnyStr

import anyio.to_thread
from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.errors import BinaryFile, InvalidArgument, TooLarge
from tools.files.text_decoding import SNIFF_BYTES, Encoding, legacy, sniff
from tools.workspace import Workspace, shown_name


class ReadFileResult(BaseModel):
    """Lines of a text file, numbered like ``cat -n``: ``12<TAB>text``."""

    path: str = Field(description="Path relative to the workspace root.")
    encoding: str = Field(description="The codec the file was decoded with.")
    total_lines: int | None = Field(
        description="Lines in the file; null when a large file was not read to its end."
    )
    start_line: int = Field(description="Number of the first line returned.")
    end_line: int = Field(description="Number of the last line returned (start_line - 1: none).")
    content: str = Field(description="The lines, each as '<number><TAB><text>'.")
    truncated: bool = Field(description="True when the requested range has more lines.")
    next_start_line: int | None = Field(
        default=None, description="Where to continue reading when truncated."
    )
    notes: list[str] = Field(default_factory=list, description="Encoding guesses, cut lines.")


INLINE_READ_BYTES = 64 * 1024
"""Files up to this size are read on the event loop; larger ones in a worker thread."""


async def read_file(
    ctx: ToolContext,
    path: Annotated[str, Field(description="File path relative to the workspace root.")],
    start_line: Annotated[
        int, Field(ge=1, description="First line to return (1-based, inclusive).")
    ] = 1,
    end_line: Annotated[
        int | None,
        Field(ge=1, description="Last line to return (inclusive); omit to read to the end."),
    ] = None,
) -> ReadFileResult:
    """Read a text file, or a line range of it, with line numbers.

    Large files need a line range (start_line/end_line); at most the configured number of lines
    comes back per call, with next_start_line to continue. Binary files are refused.
    """
    if end_line is not None and end_line < start_line:
        raise InvalidArgument(f"end_line ({end_line}) is before start_line ({start_line})")
    resolved = ctx.workspace.resolve(path)
    relative = ctx.workspace.relative(resolved)
    if resolved.is_dir():
        raise InvalidArgument(f"{relative!r} is a directory; use list_files to see what it holds")
    request = _Request(
        path=relative,
        start=start_line,
        end=end_line,
        max_bytes=ctx.settings.max_read_bytes,
        max_lines=ctx.settings.max_read_lines,
    )
    try:
        info = resolved.stat()
        small = stat.S_ISREG(info.st_mode) and info.st_size <= INLINE_READ_BYTES
    except OSError:
        small = False  # let the read itself report the problem
    if small:  # a thread hop costs more than reading a small file
        return request.read(ctx.workspace)
    return await anyio.to_thread.run_sync(request.read, ctx.workspace)


_SKIP_BLOCK = 1 << 20


@dataclass
class _Line:
    number: int
    raw: bytes | str
    cut: bool


@dataclass
class _Request:
    path: str
    start: int
    end: int | None
    max_bytes: int
    max_lines: int
    notes: list[str] = field(default_factory=list)

    def read(self, workspace: Workspace) -> ReadFileResult:
        # beneath the root descriptor, no symlink followed, never blocking; regular files only
        opened = workspace.open_file(self.path)
        with os.fdopen(opened.fd, "rb") as handle:
            info = opened.info
            ranged = self.start != 1 or self.end is not None
            if not ranged and info.st_size > self.max_bytes:
                raise TooLarge(
                    f"{self.path!r} is {info.st_size:,} bytes, over the read_file cap of "
                    f"{self.max_bytes:,} bytes (max_read_bytes)",
                    hint=f"read a line range instead, e.g. start_line=1 end_line={self.max_lines}",
                )
            encoding = sniff(handle.read(SNIFF_BYTES))
            if encoding is None:
                raise self._binary()
            handle.seek(0)
            small = info.st_size <= self.max_bytes
            if small and not ranged and encoding.name == "utf-8":
                whole = self._whole(handle.read(), encoding)
                if whole is not None:
                    return whole
                handle.seek(0)
            if encoding.name != "utf-16":
                skipped = _skip_lines(handle, self.start - 1)
                lines = _numbered(handle.readline, self.line_cap, b"\n", first=skipped + 1)
                return self._window(lines, encoding, small=small, seen=skipped)
            text = io.TextIOWrapper(handle, encoding="utf-16", newline="")
            try:
                return self._window(
                    _numbered(text.readline, self.line_cap, "\n"), encoding, small=small
                )
            except UnicodeDecodeError:
                raise self._binary() from None
            finally:
                text.detach()  # the handle stays ours to close

    @property
    def line_cap(self) -> int:
        """The longest line returned whole; a tenth of the byte budget, so others fit too."""
        return max(self.max_bytes // 10, 1)

    def _whole(self, data: bytes, encoding: Encoding) -> ReadFileResult | None:
        """A small UTF-8 file read whole at once: the same answer as the line-by-line window,
        or ``None`` when that one must decide (too many lines, a line over the cap, not UTF-8:
        the notes, cuts and fallbacks are its job)."""
        parts = data.split(b"\n")
        if parts[-1] == b"":
            parts.pop()
        if len(parts) > self.max_lines or max(map(len, parts), default=0) >= self.line_cap:
            return None
        if b"\x00" in data:  # every line is in the answer: binary, as the window would say
            raise self._binary()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        if "\r" in text:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        width = len(str(max(len(lines), 1)))
        return ReadFileResult(
            path=shown_name(self.path),
            encoding=encoding.name,
            total_lines=len(lines),
            start_line=1,
            end_line=len(lines),
            content="".join(f"{number:>{width}}\t{line}\n" for number, line in enumerate(lines, 1)),
            truncated=False,
            next_start_line=None,
            notes=([encoding.note] if encoding.note else []) + self.notes,
        )

    def _window(
        self, lines: Iterator[_Line], encoding: Encoding, *, small: bool, seen: int = 0
    ) -> ReadFileResult:
        last_allowed = self.start + self.max_lines - 1
        if self.end is not None:
            last_allowed = min(last_allowed, self.end)
        taken: list[_Line] = []
        budget = self.max_bytes
        more = False
        for line in lines:
            seen = line.number
            if line.number < self.start:
                continue
            if line.number > last_allowed or len(line.raw) > budget:
                more = True
                break
            budget -= len(line.raw)
            taken.append(line)
        at_end = not more
        if more and small:
            seen += sum(1 for _ in lines)
            at_end = True
        if not taken and self.start > 1 and at_end and seen < self.start:
            raise InvalidArgument(
                f"start_line {self.start} is past the end of {self.path!r} ({seen} lines)"
            )
        texts, encoding = self._decode(taken, encoding)
        last = taken[-1].number if taken else self.start - 1
        requested_more = more and (self.end is None or self.end > last)
        width = len(str(max(last, 1)))
        if requested_more:
            self.notes.append(
                f"stopped after line {last} (max {self.max_lines} lines / {self.max_bytes:,} "
                f"bytes per call); continue with start_line={last + 1}"
            )
        return ReadFileResult(
            path=shown_name(self.path),
            encoding=encoding.name,
            total_lines=seen if at_end else None,
            start_line=self.start,
            end_line=last,
            content="".join(
                f"{line.number:>{width}}\t{text}\n" for line, text in zip(taken, texts, strict=True)
            ),
            truncated=requested_more,
            next_start_line=last + 1 if requested_more else None,
            notes=([encoding.note] if encoding.note else []) + self.notes,
        )

    def _decode(self, lines: list[_Line], encoding: Encoding) -> tuple[list[str], Encoding]:
        raws = [line.raw for line in lines]
        for line in lines:
            if line.cut:
                self.notes.append(f"line {line.number} was cut at {self.line_cap:,} bytes")
        if encoding.name == "utf-16":
            return [_strip_newline(str(raw)) for raw in raws], encoding
        data = [raw for raw in raws if isinstance(raw, bytes)]
        if any(b"\x00" in raw for raw in data):
            raise self._binary()
        try:
            return [
                _decode_line(raw, encoding.name, line.cut)
                for raw, line in zip(data, lines, strict=True)
            ], encoding
        except UnicodeDecodeError:
            fallback = legacy(b"".join(data))
            if fallback is None:
                raise self._binary() from None
            return [_decode_line(raw, fallback.name, False) for raw in data], fallback

    def _binary(self) -> BinaryFile:
        return BinaryFile(
            f"{self.path!r} looks like a binary file; read_file returns text only",
            hint="NUL bytes or undecodable content",
        )


def _skip_lines(handle: IO[bytes], count: int) -> int:
    """Move past ``count`` lines at memchr speed; the lines passed (fewer at the end)."""
    skipped = 0
    last = b""
    while skipped < count:
        position = handle.tell()
        block = handle.read(_SKIP_BLOCK)
        if not block:
            return skipped + (1 if last and not last.endswith(b"\n") else 0)
        last = block
        newlines = block.count(b"\n")
        if skipped + newlines < count:
            skipped += newlines
            continue
        index = -1
        for _ in range(count - skipped):
            index = block.index(b"\n", index + 1)
        handle.seek(position + index + 1)
        return count
    return skipped


def _numbered(
    readline: Callable[[int], AnyStr], cap: int, newline: AnyStr, *, first: int = 1
) -> Iterator[_Line]:
    """Numbered lines, each at most ``cap`` long; the rest of a longer line is skipped."""
    number = first - 1
    while True:
        chunk = readline(cap)
        if not chunk:
            return
        number += 1
        cut = False
        if len(chunk) >= cap and not chunk.endswith(newline):
            while True:
                rest = readline(cap)
                if not rest:
                    break
                cut = cut or bool(rest.strip())
                if rest.endswith(newline):
                    break
        yield _Line(number, chunk, cut)


def _decode_line(raw: bytes, encoding: str, cut: bool) -> str:
    # a cut line may end inside a multi-byte character: drop that partial character only
    return _strip_newline(raw.decode(encoding, errors="ignore" if cut else "strict"))


def _strip_newline(text: str) -> str:
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return text
