"""One file's outline from its tree-sitter parse tree, as a JSON-ready dict.

The work is a single query run (in C) per file plus a little Python per definition; nothing
walks the whole tree in Python. The result is plain data so worker processes can return it
cheaply and the cache can store it as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from tools.beneath import read_real_path
from tools.code.languages import load_language
from tools.code.outline_rules import CONTAINER_KINDS, RULES, OutlineRules, Pattern
from tools.errors import ToolError

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query

OUTLINE_FORMAT_VERSION = "4"
"""Bump when the outline's content or shape changes: it is part of every cache key."""

MAX_OUTLINE_BYTES = 1_000_000
"""Larger files are not parsed (generated code, bundles); they get a reason instead."""

MAX_SIGNATURE_CHARS = 240
MAX_DOC_CHARS = 240
MAX_IMPORT_CHARS = 240
_BINARY_SNIFF_BYTES = 8192
MINIFIED_MIN_BYTES = 20_000
"""Files at least this big are checked for the line lengths of minified or generated code."""
MINIFIED_LINE_CHARS = 5_000
"""A file holding a line at least this long (bytes) is taken for minified or generated code
(bundles, source maps, data tables): not outlined. Hand-written code has no such lines; the
parse of one costs more than whole files of code and its symbols help no reader."""
MINIFIED_MEAN_LINE = 300
"""Or whose lines are this long on average (bytes): code packed onto few lines."""

_COMMENT_MARKS = re.compile(r"^\s*(?:/\*+|\*+/|\*|///?!?|#+|--)\s?")
_XML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_STRING_PREFIX = re.compile(r"^[rRbBuUfF]{0,2}(\"\"\"|'''|\"|')")


@dataclass(frozen=True)
class _Compiled:
    parser: Parser
    query: Query
    patterns: tuple[Pattern, ...]
    rules: OutlineRules


@cache
def _compiled(language: str) -> _Compiled:
    from tree_sitter import Parser, Query

    rules = RULES[language]
    grammar = load_language(language)
    source = "\n".join(pattern.query for pattern in rules.patterns)
    query = Query(grammar, source)
    if query.pattern_count != len(rules.patterns):  # pragma: no cover - a rules typo
        raise RuntimeError(f"{language}: each outline pattern must be one query pattern")
    return _Compiled(Parser(grammar), query, rules.patterns, rules)


def outline_source(source: bytes, language: str) -> dict[str, Any]:
    """The outline of ``source``: ``{"language", "supported", "reason", "imports", "symbols"}``."""
    from tree_sitter import QueryCursor

    compiled = _compiled(language)
    tree = compiled.parser.parse(source)
    collector = _Collector(source, compiled.rules)
    for index, captures in QueryCursor(compiled.query).matches(tree.root_node):
        collector.add(index, compiled.patterns[index], captures)
    return {
        "language": language,
        "supported": True,
        "reason": None,
        "imports": collector.imports,
        "symbols": collector.symbols(),
    }


def outline_file(
    path: str, language: str, max_bytes: int = MAX_OUTLINE_BYTES, links: int | None = None
) -> tuple[str, bool]:
    """The outline of the file at ``path`` as compact JSON (no ``path`` key: callers add it),
    and whether it may be cached (a read error may not last). A file with more than ``links``
    hard links (the count the walk checked) is not read."""
    try:  # a real path the workspace checked: opened without following symlinks, never blocking
        source = read_real_path(path, max_bytes + 1, max_links=links)
    except OSError as exc:
        data = unsupported(language, f"cannot be read: {exc.strerror or exc}")
        return _dumps(data), False
    except ToolError as exc:  # not a regular file (any more), or a symlink appeared on the path
        return _dumps(unsupported(language, f"not read: {exc.message}")), False
    return _dumps(outline_bytes(source, language, max_bytes)), True


def outline_jobs(jobs: list[tuple[str, str, int, int]]) -> list[tuple[str, bool]]:
    """:func:`outline_file` over ``(path, language, max_bytes, links)`` jobs: one pool task."""
    return [outline_file(*job) for job in jobs]


def outline_bytes(source: bytes, language: str, max_bytes: int) -> dict[str, Any]:
    """The outline of a file's bytes, or the reason it is not outlined (too large, binary)."""
    if len(source) > max_bytes:
        return unsupported(language, f"larger than {max_bytes:,} bytes; not outlined")
    if b"\x00" in source[:_BINARY_SNIFF_BYTES]:
        return unsupported(language, "looks binary (NUL bytes); not outlined")
    if len(source) >= MINIFIED_MIN_BYTES and _looks_minified(source):
        return unsupported(language, "looks minified or generated (very long lines); not outlined")
    return outline_source(source, language)


def _looks_minified(source: bytes) -> bool:
    """Whether a file's lines are those of minified or generated code (see the limits)."""
    lines = source.count(b"\n") + 1
    if len(source) / lines >= MINIFIED_MEAN_LINE:
        return True
    start = 0
    while (end := source.find(b"\n", start)) >= 0:
        if end - start >= MINIFIED_LINE_CHARS:
            return True
        start = end + 1
    return len(source) - start >= MINIFIED_LINE_CHARS


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def unsupported(language: str | None, reason: str) -> dict[str, Any]:
    return {
        "language": language,
        "supported": False,
        "reason": reason,
        "imports": [],
        "symbols": [],
    }


@dataclass
class _Def:
    node: Node
    kind: str
    name: str
    owner: str | None
    """An explicit owner from the match (Go receiver, C++ ``A::`` qualifier)."""
    scope_only: bool
    pattern: int


class _Collector:
    """Accumulates one file's matches, then nests and renders the definitions."""

    def __init__(self, source: bytes, rules: OutlineRules) -> None:
        self.source = source
        self.rules = rules
        self.imports: list[str] = []
        self._seen_imports: set[str] = set()
        self._defs: dict[int, _Def] = {}
        self._comments: dict[int, Node] = {}
        """Comment nodes by their last row."""
        self._attrs: dict[int, int] = {}
        """Attribute first rows by their last row."""

    def add(self, index: int, pattern: Pattern, captures: dict[str, list[Node]]) -> None:
        role = pattern.role
        if role == "def" or role == "scope":
            node = captures["def"][0]
            known = self._defs.get(node.id)
            if known is not None and known.pattern < index:
                return  # a more specific pattern (listed earlier) already took it
            name = _text(captures["name"][0])
            owner_nodes = captures.get("parent")
            owner = _text(owner_nodes[0]) if owner_nodes else None
            kind = pattern.kind
            if "::" in name:  # C++ `void Shape::area()` defined outside its class
                qualifier, _, name = name.rpartition("::")
                owner = qualifier.replace("::", ".")
                if kind == "function":
                    kind = "method"
            self._defs[node.id] = _Def(node, kind, name, owner, role == "scope", index)
        elif role == "import":
            text = _collapse(_text(captures["node"][0]), MAX_IMPORT_CHARS)
            if text not in self._seen_imports:
                self._seen_imports.add(text)
                self.imports.append(text)
        elif role == "comment":
            node = captures["node"][0]
            self._comments[_last_row(node)] = node
        else:
            node = captures["node"][0]
            self._attrs[_last_row(node)] = node.start_point[0]

    def symbols(self) -> list[dict[str, Any]]:
        ordered = sorted(
            self._defs.values(), key=lambda item: (item.node.start_byte, -item.node.end_byte)
        )
        stack: list[tuple[int, str, str]] = []  # (end_byte, qualified name, kind) of containers
        out: list[dict[str, Any]] = []
        for item in ordered:
            node = item.node
            start = node.start_byte
            while stack and stack[-1][0] <= start:
                stack.pop()
            enclosing = stack[-1] if stack else None
            kind = item.kind
            parent = enclosing[1] if enclosing else None
            if item.owner is not None:
                parent = f"{parent}.{item.owner}" if parent else item.owner
            elif kind == "function" and enclosing and enclosing[2] in self.rules.method_parents:
                kind = "method"
            qualified = f"{parent}.{item.name}" if parent else item.name
            if kind in CONTAINER_KINDS:
                stack.append((node.end_byte, qualified, kind))
            if item.scope_only:
                continue
            outer = self._outer(node)
            out.append(
                {
                    "kind": kind,
                    "name": item.name,
                    "start_line": outer.start_point[0] + 1,
                    "end_line": _last_row(node) + 1,
                    "signature": self._signature(node),
                    "doc": self._docstring(node) if self.rules.docstring else self._comment(outer),
                    "parent": parent,
                }
            )
        return out

    def _outer(self, node: Node) -> Node:
        wrappers = self.rules.wrappers
        if not wrappers:
            return node
        outer = node
        parent = node.parent
        while parent is not None and parent.type in wrappers:
            outer = parent
            parent = parent.parent
        return outer

    def _body(self, node: Node) -> Node | None:
        body = node.child_by_field_name("body")
        if body is None and node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            body = value.child_by_field_name("body") if value is not None else None
        return body

    def _signature(self, node: Node) -> str:
        body = self._body(node)
        start = node.start_byte
        if body is not None and body.start_byte > start:
            end = body.start_byte
            for row in range(node.start_point[0], body.start_point[0] + 1):
                comment = self._comments.get(row)  # Ruby: `class A # note` before the body
                if comment is not None and start < comment.start_byte < end:
                    end = comment.start_byte
        else:
            newline = self.source.find(b"\n", start, node.end_byte)
            end = node.end_byte if newline < 0 else newline
        raw = self.source[start : min(end, start + 4 * MAX_SIGNATURE_CHARS)]
        text = _collapse(raw.decode("utf-8", "replace"), MAX_SIGNATURE_CHARS)
        return text.rstrip(" {:;")

    def _docstring(self, node: Node) -> str | None:
        body = node.child_by_field_name("body")
        child = body.named_child(0) if body is not None and body.named_child_count else None
        while child is not None and child.type == "comment":
            child = child.next_named_sibling
        if child is None or child.type != "expression_statement":
            return None
        if child.named_child_count != 1:
            return None
        string = child.named_child(0)
        if string is None or string.type != "string":
            return None
        text = _STRING_PREFIX.sub("", _text(string), count=1)
        return _first_line(text.rstrip("\"'"), MAX_DOC_CHARS)

    def _comment(self, outer: Node) -> str | None:
        """The first line of the comment block that ends right above ``outer``."""
        row = outer.start_point[0] - 1
        while row in self._attrs:
            row = self._attrs[row] - 1
        block: list[Node] = []
        while row in self._comments:
            comment = self._comments[row]
            block.append(comment)
            row = comment.start_point[0] - 1
        for comment in reversed(block):
            for line in _text(comment).splitlines():
                cleaned = _XML_TAG.sub("", _COMMENT_MARKS.sub("", line)).strip()
                cleaned = cleaned.removesuffix("*/").strip()
                if cleaned:
                    return cleaned[:MAX_DOC_CHARS]
        return None


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _last_row(node: Node) -> int:
    """The last row holding text of ``node`` (a trailing newline does not count)."""
    row, column = node.end_point
    return row - 1 if column == 0 and row > node.start_point[0] else row


def _collapse(text: str, limit: int) -> str:
    collapsed = " ".join(text.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def _first_line(text: str, limit: int) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped[:limit]
    return None
