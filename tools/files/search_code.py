"""``search_code``: content search over the workspace at ripgrep speed.

ripgrep (``rg --json``) runs as a subprocess in the workspace root; its output is parsed as it
streams and rg is stopped as soon as ``max_results`` hits are in. Files are chosen the way
``list_files`` chooses them (``.gitignore``/``.ignore`` inside the workspace, no hidden files, no
symlinks followed; see ``tools.files.ripgrep.FILTER_FLAGS``), and secret-looking files are never
searched unless the operator allows them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import anyio
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import from_json

from tools import beneath
from tools.context import ToolContext
from tools.errors import InvalidArgument, ToolError
from tools.files.ripgrep import FILTER_FLAGS, rg_binary, secret_exclude_flags
from tools.files.search_index.lookup import indexed_paths
from tools.files.search_verify import Spot, verified_hits
from tools.result_budget import ResultBudget, json_size, string_bytes
from tools.workspace import is_secret_path, shown_name

MAX_LINE_CHARS = 500
"""Longer lines are cut to this many characters around the match."""
MAX_QUERY_CHARS = 1_000
MAX_GLOBS = 50
MAX_RESULTS_CAP = 1_000_000
READ_CHUNK = 1 << 18
STDERR_KEEP = 16_000
MAX_WARNINGS = 20
PROGRESS_EVERY = 100

_MATCH = b'{"type":"match"'
_CONTEXT = b'{"type":"context"'
_BEGIN = b'{"type":"begin"'
_END = b'{"type":"end"'
_decode = json.JSONDecoder().raw_decode
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class SearchHit(BaseModel):
    """One matching line."""

    path: str = Field(description="File path relative to the workspace root, POSIX style.")
    line: int = Field(description="1-based line number.")
    column: int = Field(
        description="1-based column, in characters, where the first match on the line starts."
    )
    end_column: int = Field(description="1-based column just after the first match.")
    text: str = Field(
        description=f"The line without its line ending. A line longer than {MAX_LINE_CHARS} "
        "characters is cut to that many around the match, ending in '…' when the rest of the "
        "line is left out."
    )
    text_column: int = Field(
        default=1,
        description="The column of the line where `text` starts: 1 unless a long line was "
        "cut before the match.",
    )
    # Tuples, not lists: a hit then holds no mutable container, so the garbage collector
    # tracks one object per hit instead of four (a search may build a hundred thousand).
    context_before: tuple[str, ...] = Field(
        default=(), description="The lines just before, oldest first."
    )
    context_after: tuple[str, ...] = Field(default=(), description="The lines just after.")


class SearchCodeResult(BaseModel):
    """The hits of a search, grouped by file (files in path order, lines in order)."""

    query: str
    regex: bool
    case_sensitive: bool | None = Field(description="As asked; null means smart case.")
    path: str = Field(description="The searched path, relative to the workspace root.")
    glob: list[str]
    hits: list[SearchHit]
    files_with_hits: int
    truncated: bool = Field(
        description="True when the search stopped at the limit or at the result size budget: "
        "more hits exist. Which hits come first is not fixed (files are searched in "
        "parallel); narrow the search with path or glob to see the rest."
    )
    limit: int = Field(description="The most hits this result could hold.")
    warnings: list[str] = Field(
        default_factory=list, description="Problems that did not stop the search."
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """Pydantic's, with the hits as a count: nobody reads a repr of thousands of hits, and
        Python 3.11's ``asyncio.run`` computes one of its main task's result on the way out."""
        for name, value in super().__repr_args__():
            yield (name, f"<{len(self.hits)} hits>") if name == "hits" else (name, value)


def _one_or_many(value: object) -> object:
    """Accept a single glob string where a list is expected."""
    return [value] if isinstance(value, str) else value


async def search_code(
    ctx: ToolContext,
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="The text to find; a regular expression (Rust regex syntax) when "
            "regex is true.",
        ),
    ],
    path: Annotated[
        str, Field(description="File or directory to search, relative to the workspace root.")
    ] = ".",
    regex: Annotated[
        bool, Field(description="Read the query as a regular expression, not literal text.")
    ] = False,
    case_sensitive: Annotated[
        bool | None,
        Field(
            description="true: exact case; false: ignore case; null (default): smart case, "
            "ignoring case unless the query has an uppercase letter."
        ),
    ] = None,
    glob: Annotated[
        list[str] | None,
        BeforeValidator(_one_or_many),
        Field(
            description="Only search files matching these globs, e.g. ['*.py'] (any depth) or "
            "['src/**/*.ts']; a leading '!' excludes, e.g. ['!tests/**']."
        ),
    ] = None,
    context_lines: Annotated[
        int, Field(ge=0, le=10, description="Lines of context to show before and after a hit.")
    ] = 0,
    max_results: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_RESULTS_CAP,
            description="The most hits to return (default: the configured max_results).",
        ),
    ] = None,
) -> SearchCodeResult:
    """Search file contents for text or a regex, like ripgrep; returns path:line:column hits.

    Respects .gitignore, skips hidden, binary and secret-looking files. Literal text by default;
    smart case unless case_sensitive is given. Narrow big searches with path or glob.
    """
    if "\x00" in query:
        raise InvalidArgument("the query may not contain NUL characters")
    if "\n" in query:
        raise InvalidArgument("the query may not contain a line break: matches are single lines")
    globs = _checked_globs(glob or [])
    target = ctx.workspace.resolve(path)
    relative = ctx.workspace.relative(target)
    limit = max_results if max_results is not None else ctx.settings.max_results
    paths = await indexed_paths(ctx, query, regex=regex, globs=globs, relative=relative)
    arguments = _rg_arguments(
        query,
        target=relative,
        paths=paths,
        regex=regex,
        case_sensitive=case_sensitive,
        globs=globs,
        context_lines=context_lines,
        exclude_secrets=not ctx.workspace.allow_secrets,
    )
    collector = _Collector(
        limit=limit,
        context=context_lines,
        allow_secrets=ctx.workspace.allow_secrets,
        max_bytes=ctx.settings.max_result_bytes - _fixed_bytes(query, relative, globs),
    )
    if not target.is_dir():  # a FIFO or device named here would block rg: refuse it first
        with ctx.workspace.opened(relative):
            pass
    timeout = ctx.settings.search_timeout
    try:
        with anyio.fail_after(timeout):  # rg is killed on the way out (see _run)
            if paths == []:  # the index: no file holds the query's literals
                warnings = []
            else:
                warnings = await _run(ctx, arguments, ctx.workspace.root, collector)
    except TimeoutError:
        raise ToolError(
            f"the search took longer than {timeout:g} s and was stopped",
            hint="narrow it with path or glob; the operator sets FAST_GENAI_SEARCH_TIMEOUT",
        ) from None
    hits, dropped, linked = await anyio.to_thread.run_sync(
        verified_hits, ctx.workspace, collector.sorted_groups()
    )
    for hit in hits:  # names that are not UTF-8 in their one escaped form (\xHH)
        if not hit.path.isascii():
            hit.__dict__["path"] = shown_name(hit.path)
    if dropped:
        warnings.append(
            f"{dropped} hits left out: their file changed or was swapped during the search"
        )
    if linked:
        warnings.append(
            f"{linked} hits left out: their files have several hard links and are not read "
            "(the operator can allow them with FAST_GENAI_ALLOW_HARDLINKED_FILES=true)"
        )
    warnings = _fit_warnings(warnings, collector)
    return SearchCodeResult.model_construct(
        query=query,
        regex=regex,
        case_sensitive=case_sensitive,
        path=shown_name(relative),
        glob=globs,
        hits=hits,
        files_with_hits=len({hit.path for hit in hits}) if dropped else collector.files_with_hits,
        truncated=collector.more,
        limit=limit,
        warnings=warnings,
    )


def _fixed_bytes(query: str, relative: str, globs: list[str]) -> int:
    """An upper bound of the JSON of a result's fields besides its hits (6 bytes a character
    at worst, as ``\\uXXXX``); warnings get what the hits leave (:func:`_fit_warnings`)."""
    return 6 * (len(query) + len(relative) + sum(len(glob) + 1 for glob in globs)) + 400


def _fit_warnings(warnings: list[str], collector: _Collector) -> list[str]:
    """The warnings that fit in what the hits left of the budget, then how many were left out."""
    if collector.budget is None:
        return warnings
    kept: list[str] = []
    for n, warning in enumerate(warnings):
        note = f"… and {len(warnings) - n} more warnings"
        if not collector.take_more(json_size(_dumps(warning)), reserve=len(note) + 12):
            kept.append(note)
            break
        kept.append(warning)
    return kept


def _checked_globs(globs: list[str]) -> list[str]:
    if len(globs) > MAX_GLOBS:
        raise InvalidArgument(f"at most {MAX_GLOBS} globs may be given")
    for glob in globs:
        if not glob.strip() or glob.strip() == "!":
            raise InvalidArgument(f"glob {glob!r} has no pattern")
        if "\x00" in glob or "\n" in glob:
            raise InvalidArgument(f"glob {glob!r} may not contain NUL or newline characters")
    return list(globs)


def _rg_arguments(
    query: str,
    *,
    target: str,
    regex: bool,
    case_sensitive: bool | None,
    globs: list[str],
    context_lines: int,
    exclude_secrets: bool,
    paths: list[str] | None = None,
) -> list[str]:
    """rg's arguments; every value is attached with ``=`` so none can pass for a flag.
    ``paths`` (``./``-relative files) replace ``target`` when given: the index's candidates."""
    arguments = ["--json", *FILTER_FLAGS]
    if case_sensitive is None:
        arguments.append("--smart-case")
    else:
        arguments.append("--case-sensitive" if case_sensitive else "--ignore-case")
    if not regex:
        arguments.append("--fixed-strings")
    if context_lines:
        arguments.append(f"--context={context_lines}")
    arguments.extend(f"--glob={glob}" for glob in globs)
    if exclude_secrets:  # after the caller's globs, so these win
        arguments.extend(secret_exclude_flags())
    arguments.append(f"--regexp={query}")
    arguments.append("--")
    if paths is not None:
        arguments.extend(paths)
    else:
        arguments.append("." if target == "." else "./" + target)
    return arguments


async def _run(
    ctx: ToolContext, arguments: list[str], cwd: Path, collector: _Collector
) -> list[str]:
    """Run rg, feed its output to ``collector``; the warnings, or an error for a failed search."""
    try:
        process = await asyncio.create_subprocess_exec(
            rg_binary(),
            *arguments,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=READ_CHUNK,  # the stream buffers up to twice this before pausing rg's pipe
        )
    except OSError as exc:
        raise ToolError(f"ripgrep could not be started: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None
    stderr_task = asyncio.create_task(_read_capped(process.stderr, STDERR_KEEP))
    try:
        await _consume(ctx, process.stdout, collector)
        if collector.done:
            _stop(process)
        returncode = await process.wait()
        stderr = await stderr_task
    finally:
        if process.returncode is None:  # cancelled, or failed while reading: no rg left behind
            _stop(process)
            with anyio.CancelScope(shield=True):
                await process.wait()
        if not stderr_task.done():
            stderr_task.cancel()
    message = stderr.decode("utf-8", "replace").strip()
    if collector.done or returncode in (0, 1) or (returncode == 2 and collector.saw_summary):
        return _warnings(message, ctx)
    if returncode == 2:
        raise InvalidArgument(f"ripgrep refused the search: {_clean(message)}")
    raise ToolError(f"ripgrep failed (exit status {returncode}): {_clean(message)}")


def _stop(process: asyncio.subprocess.Process) -> None:
    """Kill rg. On POSIX by its pid: ``Process.kill`` first polls the child, which reaps it if
    it has just exited, and asyncio's child watcher then logs "Unknown child process"."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if sys.platform == "win32":
            process.kill()
        else:
            os.kill(process.pid, signal.SIGKILL)


async def _consume(ctx: ToolContext, stdout: asyncio.StreamReader, collector: _Collector) -> None:
    """Parse rg's JSON lines as they arrive, until the end or until the collector is done."""
    pending = bytearray()
    next_progress = PROGRESS_EVERY
    while True:
        chunk = await stdout.read(READ_CHUNK)
        if not chunk:
            break
        cut = chunk.rfind(b"\n")  # only in the new bytes: a huge line is not rescanned
        if cut < 0:
            pending += chunk
            continue
        pending += chunk[:cut]
        block = bytes(pending)
        pending = bytearray(chunk[cut + 1 :])
        with _gc_paused():
            collector.feed(block.split(b"\n"))
        if collector.done:
            return
        if collector.count >= next_progress:
            await ctx.progress(collector.count, None, f"{collector.count} hits so far")
            next_progress = collector.count + PROGRESS_EVERY
    if pending:
        collector.feed(bytes(pending).split(b"\n"))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during one synchronous parse step.

    A step allocates thousands of long-lived objects (hits); with the collector on, each few
    hundred trigger a collection that walks them again. Pausing for a step (no ``await`` inside,
    so no other task runs meanwhile) does one collection afterwards instead of dozens.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _read_capped(stream: asyncio.StreamReader, keep: int) -> bytes:
    """Read a stream to its end (so rg never blocks on it), keeping the first ``keep`` bytes."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
    return bytes(kept)


def _clean(message: str) -> str:
    lines = [line.removeprefix("rg: ").rstrip() for line in message.splitlines()]
    return "\n".join(line for line in lines if line) or "no message"


def _warnings(message: str, ctx: ToolContext) -> list[str]:
    lines = [line for line in _clean(message).splitlines() if line != "no message"]
    lines = [line for line in lines if not line.startswith("Running with --debug")]
    # rg walks by name: a line naming a path that is not (now) beneath the root may name what
    # it saw through a directory swapped for a symlink. Such names are not shown, only counted.
    shown = [line for line in lines if _names_a_path_inside(line, ctx)]
    if len(shown) < len(lines):
        lines = [
            *shown,
            f"{len(lines) - len(shown)} files could not be read: they changed or were swapped "
            "during the search",
        ]
    if len(lines) > MAX_WARNINGS:
        lines = [*lines[:MAX_WARNINGS], f"… and {len(lines) - MAX_WARNINGS} more"]
    return lines


def _names_a_path_inside(line: str, ctx: ToolContext) -> bool:
    """Whether an rg message names no path, or one that is beneath the workspace root."""
    path, sep, _ = line.partition(": ")
    if not sep or (not path.startswith(("./", "/")) and "/" not in path):
        return True  # not "<path>: <error>"
    relative = path.removeprefix("./")
    try:
        return beneath.lstat_beneath(ctx.workspace.fd, relative) is not None
    except (ToolError, OSError):
        return False


def _text(value: dict[str, str]) -> tuple[str, bytes | None]:
    """An rg JSON ``{"text": ...}`` or ``{"bytes": base64}`` value, and its raw bytes if given."""
    text = value.get("text")
    if text is not None:
        return text, None
    raw = base64.b64decode(value.get("bytes", ""))
    return raw.decode("utf-8", "replace"), raw


def _strip_eol(text: str) -> str:
    if text[-1:] == "\n":
        return text[:-2] if text[-2:] == "\r\n" else text[:-1]
    return text


def _short(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + "…"


_HIT_NUMBERS = ("line", "column", "end_column", "text_column")
_HIT_FIXED_BYTES = len(_dumps(dict.fromkeys(SearchHit.model_fields, "")).replace('""', "")) + 4
"""The JSON of a hit less its values: keys, commas, braces, and the two lists' brackets."""
_HIT_FIELDS = set(SearchHit.model_fields)
"""Shared by every hit as its set of explicitly set fields (all of them; never shrinks)."""


def _hit(values: dict[str, Any]) -> SearchHit:
    """``SearchHit.model_construct(**values)`` without its per-field loop (the hot path).

    Every field is given and trusted, so this sets what ``model_construct`` sets; a test checks
    that the result equals a validated ``SearchHit``.
    """
    hit = SearchHit.__new__(SearchHit)
    _set = object.__setattr__
    _set(hit, "__dict__", values)
    _set(hit, "__pydantic_fields_set__", _HIT_FIELDS)
    _set(hit, "__pydantic_extra__", None)
    _set(hit, "__pydantic_private__", None)
    return hit


class _Collector:
    """Turns rg's JSON messages into hits with their context, stopping at the limit.

    Messages arrive grouped by file, lines in order. A hit's context before is the lines seen
    just before it; its context after is filled in as later lines of the same file arrive. Once
    the limit is reached, reading goes on only until one more hit shows that the result is
    truncated and the last hit's context after is complete.
    """

    def __init__(
        self, *, limit: int, context: int, allow_secrets: bool, max_bytes: int | None = None
    ) -> None:
        self.limit = limit
        self.budget = ResultBudget(max_bytes) if max_bytes is not None else None
        """Bytes of JSON the hits may take (the result's other fields already counted)."""
        self.context = context
        self.allow_secrets = allow_secrets
        self.count = 0
        self.full = False
        """The limit is reached."""
        self.more = False
        """A hit beyond the limit was seen, so the result is truncated."""
        self.done = False
        """Nothing more is needed (truncation known, context complete): rg can be stopped."""
        self.saw_summary = False
        self._groups: list[tuple[str, list[SearchHit], list[Spot]]] = []
        self._key: str | None = None
        self._hits: list[SearchHit] | None = None
        self._spots: list[Spot] = []
        """Where rg saw each hit of the current file, for the check of the file on bytes."""
        self._relative = ""
        self._recent: deque[tuple[int, str]] = deque(maxlen=max(context, 1))
        self._waiting: list[tuple[int, list[str]]] = []
        self._sized_path = ""
        self._path_bytes = 2
        self._unsized: list[dict[str, Any]] = []
        """Hits taken on their upper bound whose exact size is not yet spent (no context only)."""
        self._slack = self.budget.left if self.budget is not None else 0
        """The budget left less the upper bounds of the unsized hits."""
        self._reserved: dict[int, int] = {}
        """Bytes held for a waiting hit's context after (by ``id`` of its list), worst case;
        what its lines do not use is given back when they are in."""

    @property
    def files_with_hits(self) -> int:
        return sum(1 for _, hits, _ in self._groups if hits)

    def sorted_groups(self) -> list[tuple[str, list[SearchHit], list[Spot] | None]]:
        """The files with hits in path order: each with its hits and, without context lines,
        where rg saw them (see :func:`tools.files.search_verify.verified_hits`)."""
        groups = sorted((group for group in self._groups if group[1]), key=lambda g: g[0])
        if not self.context:
            return list(groups)
        for _, hits, _ in groups:  # context after was gathered in lists as later lines arrived
            for hit in hits:
                hit.__dict__["context_after"] = tuple(hit.__dict__["context_after"])
        return [(relative, hits, None) for relative, hits, _ in groups]

    def sorted_hits(self) -> list[SearchHit]:
        return [hit for _, hits, _ in self.sorted_groups() for hit in hits]

    def feed(self, lines: list[bytes]) -> None:
        """Take rg JSON lines (UTF-8: rg gives bytes that are not as base64); stops early once
        ``done``."""
        match = self._match
        for line in lines:
            # rg writes "type" first for these four; any other line is decoded in full
            if line.startswith(_MATCH):
                match(from_json(line)["data"])
            elif line.startswith(_CONTEXT):
                self._context(from_json(line)["data"])
            elif line.startswith(_BEGIN):
                continue
            elif line.startswith(_END):
                self._end()
            elif line:
                self._message(_decode(line.decode("utf-8", "replace"))[0])
            if self.done:
                return

    def _message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "match":
            self._match(message["data"])
        elif kind == "context":
            self._context(message["data"])
        elif kind == "end":
            self._end()
        elif kind == "summary":
            self.saw_summary = True

    def _end(self) -> None:
        """A file ended: the context of its hits is complete."""
        for _, after in self._waiting:
            self._refund(after)
        self._waiting.clear()
        if self.full and self.more:
            self.done = True

    def _enter(self, path: dict[str, str]) -> bool:
        """Switch to the file of a message; whether its lines are wanted."""
        key = path.get("text") or path.get("bytes", "")
        if key == self._key:
            return self._hits is not None
        self._key = key
        self._recent.clear()
        self._waiting.clear()
        text, raw = _text(path)
        # the real name (undecodable bytes as surrogates) so the hit can be checked on disk
        relative = (os.fsdecode(raw) if raw is not None else text).removeprefix("./")
        self._relative = relative
        if not self.allow_secrets and is_secret_path(relative):
            self._hits = None
            return False
        self._hits = []
        self._spots = []
        self._groups.append((relative, self._hits, self._spots))
        return True

    def _seen(self, number: int, text: str) -> None:
        """A line of the current file: it belongs to the context after of waiting hits."""
        if self._waiting:
            for last, after in self._waiting:
                if number <= last:
                    after.append(text)
                if last <= number:
                    self._refund(after)
            self._waiting = [entry for entry in self._waiting if entry[0] > number]
            if self.full and not self._waiting:
                self.done = self.more
        self._recent.append((number, text))

    def _hit_bytes(self, values: dict[str, Any]) -> int:
        """The hit's JSON size (as ``_dumps`` would write it, counted without writing it); its
        context after is not known yet: held at its worst case."""
        path = values["path"]
        if path != self._sized_path:
            self._sized_path, self._path_bytes = path, string_bytes(path)
        size = _HIT_FIXED_BYTES + self._path_bytes + string_bytes(values["text"])
        size += sum(len(str(values[key])) for key in _HIT_NUMBERS)
        before = values["context_before"]
        if before:
            size += sum(string_bytes(line) + 1 for line in before) - 1
        if self.context:
            size += self._worst_after()
        return size

    def _take(self, values: dict[str, Any]) -> bool:
        """Spend a hit's size from the budget; whether it fit.

        Without context a hit is first taken on an upper bound of its size (6 bytes a character,
        20 digits a number), counted exactly only once the bounds no longer fit in what is left:
        a search far below its budget never counts, and the hits kept are the same."""
        assert self.budget is not None
        if not self.context:
            upper = _HIT_FIXED_BYTES + 6 * (len(values["path"]) + len(values["text"])) + 84
            if upper < self._slack:
                self._slack -= upper + 1
                self._unsized.append(values)
                return True
            self.settle()
        fits = self.budget.take(self._hit_bytes(values))
        self._slack = self.budget.left
        return fits

    def take_more(self, size: int, *, reserve: int = 0) -> bool:
        """Spend ``size`` bytes besides the hits (a warning), as ``ResultBudget.take`` would."""
        assert self.budget is not None
        if size + 1 + reserve <= self._slack:  # fits even if the unsized hits took their bounds
            self._slack -= size + 1
            self.budget.left -= size + 1
            return True
        self.settle()
        fits = self.budget.take(size, reserve=reserve)
        self._slack = self.budget.left
        return fits

    def settle(self) -> None:
        """Spend the exact sizes of the hits taken on their upper bound."""
        if self.budget is not None and self._unsized:
            self.budget.left -= sum(self._hit_bytes(values) + 1 for values in self._unsized)
            self._unsized.clear()
            self._slack = self.budget.left

    def _worst_after(self) -> int:
        return self.context * (MAX_LINE_CHARS * 6 + 12)  # \uXXXX: 6 bytes a character

    def _refund(self, after: list[str]) -> None:
        """A hit's context after is complete: give back what its reservation did not use."""
        reserved = self._reserved.pop(id(after), None)
        if reserved is not None and self.budget is not None:
            used = json_size(_dumps(after)) - 2  # counted in the hit as "[]" already
            self.budget.left += reserved - used

    def _context(self, data: dict[str, Any]) -> None:
        if self._enter(data["path"]):
            self._seen(data["line_number"], _short(_strip_eol(_text(data["lines"])[0])))

    def _match(self, data: dict[str, Any]) -> None:
        path = data["path"]
        if (path.get("text") != self._key or self._hits is None) and not self._enter(path):
            return
        number: int = data["line_number"]
        lines = data["lines"]
        full = lines.get("text")
        raw: bytes | None = None
        if full is None:
            full, raw = _text(lines)
        text = _strip_eol(full)
        if self.full:
            self.more = True  # a hit beyond the limit: the result is truncated
            self._seen(number, _short(text))
            self.done = not self._waiting
            return
        submatches = data["submatches"]
        if submatches:
            first_match = submatches[0]
            start, end = first_match["start"], first_match["end"]
        else:
            start = end = 0
        if not text.isascii():  # rg gives byte offsets; columns count characters
            line_bytes = raw if raw is not None else text.encode("utf-8", "surrogatepass")
            start = len(line_bytes[:start].decode("utf-8", "replace"))
            end = len(line_bytes[:end].decode("utf-8", "replace"))
        first = 0
        shown = text
        if len(text) > MAX_LINE_CHARS:
            if end > MAX_LINE_CHARS:
                first = max(0, min(start - MAX_LINE_CHARS // 5, len(text) - MAX_LINE_CHARS))
            shown = text[first : first + MAX_LINE_CHARS]
            if first + MAX_LINE_CHARS < len(text):
                shown += "…"
        before: tuple[str, ...] = ()
        after: list[str] | tuple[str, ...] = ()
        if self.context:
            lowest = number - self.context
            before = tuple(line for n, line in self._recent if n >= lowest)
            self._seen(number, _short(text))
            after = []  # filled as the next lines arrive; a tuple in sorted_hits
            self._waiting.append((number + self.context, after))
        values = {
            "path": self._relative,
            "line": number,
            "column": start + 1,
            "end_column": end + 1,
            "text": shown,
            "text_column": first + 1,
            "context_before": before,
            "context_after": after,
        }
        if self.budget is not None and not self._take(values):
            self.full = self.more = True  # this hit is beyond the budget: truncated
            if self.context:
                self._waiting.pop()  # its own context after is not needed
            self.done = not self._waiting
            return
        if self.context and self.budget is not None:
            self._reserved[id(after)] = self._worst_after()
        hit = _hit(values)
        assert self._hits is not None
        self._hits.append(hit)
        if not self.context:
            line_bytes = raw if raw is not None else full.encode()
            self._spots.append((number, data["absolute_offset"], line_bytes))
        self.count += 1
        if self.count >= self.limit:
            self.full = True
