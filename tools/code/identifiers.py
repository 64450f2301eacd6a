"""Identifier counts and TODO lines of source files: the references side of the repo map.

Definitions come from ``code_outline`` (tree-sitter); references are the identifiers a file
uses, counted with one regular expression over its text (comments and strings included, which
is what a ranking needs and costs far less than a second parse). Results are cached like
outlines: an SQLite file outside the workspace keyed by path, size, mtime and format version
(the same cache class, in its own folder), plus an in-process memo. Identifier strings are
interned: the same names recur in every file, so a memo of a large tree stays small.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from sys import intern

from tools.beneath import read_real_path
from tools.code.outline_batch import SourceFile
from tools.code.outline_cache import FileKey, OutlineCache
from tools.errors import ToolError

IDENTIFIERS_VERSION = "refs-2"
MAX_FILE_BYTES = 1_000_000
"""Larger files are not scanned (generated code); they reference nothing."""
MAX_TODOS_PER_FILE = 20

_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{2,}")
_TODO = re.compile(rb"(?:#|//|/\*|\*|--|;)[ \t]*(?:TODO|FIXME|XXX|HACK|BUG)\b")
"""A TODO-like marker at the start of a comment."""
_KEYWORD_TEXT = (
    "and as assert async await break class continue def del elif else except finally for "
    "from global import lambda nonlocal not pass raise return try while with yield None True "
    "False self cls const let var function new this typeof instanceof void delete switch case "
    "default throw catch extends implements interface package private protected public static "
    "final abstract struct enum impl trait pub mut use mod crate fn match loop type func chan "
    "defer go map range select include define ifdef ifndef endif pragma unsigned signed int "
    "long short char float double bool string end begin module require then elsif unless "
    "until null nil undefined"
)
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())


@dataclass(frozen=True)
class FileReferences:
    """The identifiers a file uses (with counts) and its TODO-like lines."""

    identifiers: dict[str, int]
    todos: tuple[tuple[int, str], ...]


def scan(data: bytes) -> FileReferences:
    """Identifier counts (keywords left out) and TODO lines of a file's bytes."""
    counts = Counter(_IDENTIFIER.findall(data))
    identifiers = {
        intern(name): n
        for word, n in counts.items()
        if (name := word.decode("ascii")) not in _KEYWORDS
    }
    todos: list[tuple[int, str]] = []
    for match in _TODO.finditer(data):
        if len(todos) >= MAX_TODOS_PER_FILE:
            break
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.start())
        line = data[start : end if end != -1 else len(data)]
        text = line.decode("utf-8", errors="replace").strip()[:160]
        todos.append((data.count(b"\n", 0, start) + 1, text))
    return FileReferences(identifiers, tuple(todos))


class ReferenceMemo:
    """Recently scanned files, by cache key (bounded by file count)."""

    def __init__(self, max_files: int = 20_000) -> None:
        self.max_files = max_files
        self._items: dict[FileKey, FileReferences] = {}
        self._lock = threading.Lock()

    def get(self, key: FileKey) -> FileReferences | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: FileKey, refs: FileReferences) -> None:
        with self._lock:
            if len(self._items) >= self.max_files:
                self._items.pop(next(iter(self._items)))
            self._items[key] = refs


MEMO = ReferenceMemo()

Progress = Callable[[int, int], None]


def file_references(
    sources: Sequence[tuple[str, SourceFile]],
    cache_folder: Path | None,
    *,
    progress: Progress | None = None,
    memo: ReferenceMemo | None = MEMO,
) -> dict[str, FileReferences]:
    """References of each ``(relative path, source)``: memo, else disk cache, else a scan."""
    keys = [_key(source) for _, source in sources]
    found: dict[str, FileReferences] = {}
    missing: list[int] = []
    for i, (relative, _) in enumerate(sources):
        hit = memo.get(keys[i]) if memo is not None else None
        if hit is None:
            missing.append(i)
        else:
            found[relative] = hit
    cache = OutlineCache(cache_folder) if cache_folder is not None else None
    cached = cache.get_many([keys[i] for i in missing]) if cache is not None else {}
    to_store: list[tuple[FileKey, str]] = []
    for done, i in enumerate(missing, start=1):
        relative, source = sources[i]
        blob = cached.get(keys[i].path)
        if blob is not None:
            refs = _from_json(blob)
        else:
            refs = _scan_file(source)
            to_store.append((keys[i], _to_json(refs)))
        found[relative] = refs
        if memo is not None:
            memo.put(keys[i], refs)
        if progress is not None and (done % 200 == 0 or done == len(missing)):
            progress(done, len(missing))
    if cache is not None and to_store:
        cache.put_many(to_store)
    return found


def _key(source: SourceFile) -> FileKey:
    return FileKey(source.path, source.size, source.mtime_ns, IDENTIFIERS_VERSION)


def _scan_file(source: SourceFile) -> FileReferences:
    if source.size > MAX_FILE_BYTES:
        return FileReferences({}, ())
    try:  # a real path the workspace checked: opened without following symlinks, never blocking
        data = read_real_path(source.path, MAX_FILE_BYTES, max_links=source.links)
    except (OSError, ToolError):
        return FileReferences({}, ())
    return scan(data)


def _to_json(refs: FileReferences) -> str:
    return json.dumps({"i": refs.identifiers, "t": refs.todos}, separators=(",", ":"))


def _from_json(blob: str) -> FileReferences:
    data = json.loads(blob)
    identifiers = {intern(name): count for name, count in data["i"].items()}
    return FileReferences(identifiers, tuple((int(n), str(t)) for n, t in data["t"]))
