"""Markdown to Notion blocks, within Notion's request limits.

Supported: headings (h4-h6 become heading_3), paragraphs with bold/italic/strikethrough/code/links,
bulleted and numbered lists (nested), to-dos (``- [ ]``/``- [x]``), quotes, code blocks with
language, dividers, tables, raw HTML as plain text.

Limits (https://developers.notion.com/reference/request-limits): a text object holds at most
2,000 characters and a rich-text array at most 100 objects (longer text is split; a paragraph
with more pieces continues in further paragraphs); a link URL at most 2,000 characters (a longer
link becomes plain text followed by the URL in parentheses); a children array holds at most 100
blocks, a request nests at most two levels and carries at most 1,000 blocks and 500 KB.
``BlockNode`` keeps the whole tree; ``render`` sends a block with at most one level of children,
``request_chunks`` cuts a list of blocks into requests within the limits, and ``notion_page``
appends the rest in follow-up requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tools.errors import InvalidArgument
from tools.integrations.markdown_tree import Span, parse_markdown, spans, task_state

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

MAX_TEXT = 2000
MAX_RICH_TEXT = 100
MAX_CHILDREN = 100
MAX_URL = 2000
MAX_REQUEST_BLOCKS = 1000
MAX_REQUEST_BYTES = 500_000
"""Notion's payload limits: blocks in one request (at any level) and the body's size."""
MAX_BLOCK_BYTES = 100_000
"""Our cap on one block's own JSON (its text continues in the next block), so that a block with
its inline children always fits a request."""
MAX_NODE_BYTES = 400_000
"""Our cap on a block with its inline children; the rest of the children follow."""

_LANGUAGES = frozenset(
    """abap arduino bash basic c clojure coffeescript c++ c# css dart diff docker elixir elm
    erlang flow fortran f# gherkin glsl go graphql groovy haskell html java javascript json julia
    kotlin latex less lisp livescript lua makefile markdown markup matlab mermaid nix objective-c
    ocaml pascal perl php powershell prolog protobuf python r reason ruby rust sass scala scheme
    scss shell sql swift typescript verilog vhdl webassembly xml yaml""".split()  # noqa: SIM905
) | {"plain text", "vb.net", "visual basic", "java/c/c++/c#"}
_ALIASES = {
    "py": "python", "python3": "python", "js": "javascript", "jsx": "javascript",
    "ts": "typescript", "tsx": "typescript", "sh": "shell", "zsh": "shell", "console": "shell",
    "yml": "yaml", "cpp": "c++", "cxx": "c++", "h": "c", "hpp": "c++", "cs": "c#",
    "csharp": "c#", "rb": "ruby", "rs": "rust", "golang": "go", "dockerfile": "docker",
    "md": "markdown", "kt": "kotlin", "ps1": "powershell", "objc": "objective-c",
    "fsharp": "f#", "proto": "protobuf", "tex": "latex", "make": "makefile", "htm": "html",
    "wasm": "webassembly", "vb": "visual basic",
}  # fmt: skip


@dataclass
class BlockNode:
    """A block and all its children, before splitting into requests."""

    type: str
    body: dict[str, Any]
    children: list[BlockNode] = field(default_factory=list)
    carries_children: bool = False
    """Its children must be sent with it (a table and its rows)."""
    _size: int = field(default=-1, repr=False, compare=False)

    def size(self) -> int:
        """Bytes of the block's own JSON, without children."""
        if self._size < 0:
            self._size = json_size(render(self, with_children=False))
        return self._size


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def markdown_to_blocks(markdown: str) -> list[BlockNode]:
    return _blocks(parse_markdown(markdown).children)


def count_blocks(nodes: list[BlockNode]) -> int:
    return sum(1 + count_blocks(n.children) for n in nodes)


def render(node: BlockNode, *, with_children: bool) -> dict[str, Any]:
    """The block as a request object; with one level of children when ``with_children``."""
    body = dict(node.body)
    if with_children:
        inline = inline_children(node)
        if inline:
            body["children"] = [render(child, with_children=False) for child in inline]
    return {"type": node.type, node.type: body}


def inline_children(node: BlockNode) -> list[BlockNode]:
    """The children sent along with ``node``: the first 100, up to one that carries its own."""
    inline: list[BlockNode] = []
    size = node.size()
    for child in node.children[:MAX_CHILDREN]:
        size += child.size()
        if child.carries_children or (inline and size > MAX_NODE_BYTES):
            break
        inline.append(child)
    return inline


def request_blocks(node: BlockNode) -> int:
    """Blocks one request carries for ``node`` rendered with its inline children."""
    return 1 + len(inline_children(node))


def request_size(node: BlockNode) -> int:
    return node.size() + sum(child.size() for child in inline_children(node))


def request_chunks(
    nodes: list[BlockNode], budget: int = MAX_REQUEST_BYTES
) -> Iterator[list[BlockNode]]:
    """``nodes`` cut into consecutive requests: at most 100 top-level blocks, 1,000 blocks in
    all and ``budget`` bytes of blocks each (a chunk always holds at least one block)."""
    chunk: list[BlockNode] = []
    blocks = size = 0
    for node in nodes:
        more, grow = request_blocks(node), request_size(node)
        too_many = len(chunk) >= MAX_CHILDREN or blocks + more > MAX_REQUEST_BLOCKS
        if chunk and (too_many or size + grow > budget):
            yield chunk
            chunk, blocks, size = [], 0, 0
        chunk.append(node)
        blocks += more
        size += grow
    if chunk:
        yield chunk


def rich_text(items: list[Span]) -> list[dict[str, Any]]:
    """Notion rich-text objects, each at most 2,000 characters."""
    out: list[dict[str, Any]] = []
    for span in _with_long_links_as_text(items):
        for start in range(0, len(span.text), MAX_TEXT):
            text: dict[str, Any] = {"content": span.text[start : start + MAX_TEXT]}
            if span.href and _linkable(span.href):
                text["link"] = {"url": span.href}
            obj: dict[str, Any] = {"type": "text", "text": text}
            annotations = {
                name: True
                for name, on in (
                    ("bold", span.bold),
                    ("italic", span.italic),
                    ("strikethrough", span.strike),
                    ("code", span.code),
                )
                if on
            }
            if annotations:
                obj["annotations"] = annotations
            out.append(obj)
    return out


def code_language(info: str) -> str:
    name = (info.strip().split() or [""])[0].lower()
    name = _ALIASES.get(name, name)
    return name if name in _LANGUAGES else "plain text"


def _linkable(href: str) -> bool:
    return href.startswith(("http://", "https://", "mailto:"))


def _with_long_links_as_text(items: list[Span]) -> Iterator[Span]:
    """A link whose URL Notion would refuse (over 2,000 characters) as plain text, the URL kept
    in parentheses after it."""
    for span in items:
        if span.href and _linkable(span.href) and len(span.href) > MAX_URL:
            yield replace(span, href=None)
            yield Span(f" ({span.href})")
        else:
            yield span


def _text_blocks(
    kind: str, items: list[Span], extra: dict[str, Any] | None = None
) -> list[BlockNode]:
    """A block of ``kind`` with the text; text beyond 100 rich-text objects continues in
    paragraphs right after it."""
    groups = _piece_groups(rich_text(items))
    nodes = [BlockNode(kind, {"rich_text": groups[0], **(extra or {})})]
    nodes += [BlockNode("paragraph", {"rich_text": group}) for group in groups[1:]]
    return nodes


def _piece_groups(pieces: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rich text cut into arrays of at most 100 pieces and MAX_BLOCK_BYTES (at least one)."""
    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for piece in pieces:
        grow = json_size(piece) + 1
        if groups[-1] and (len(groups[-1]) >= MAX_RICH_TEXT or size + grow > MAX_BLOCK_BYTES):
            groups.append([])
            size = 0
        groups[-1].append(piece)
        size += grow
    return groups


def _blocks(nodes: list[SyntaxTreeNode]) -> list[BlockNode]:
    out: list[BlockNode] = []
    for node in nodes:
        out.extend(_block(node))
    return out


def _block(node: SyntaxTreeNode) -> list[BlockNode]:
    kind = node.type
    if kind == "heading":
        level = min(int(node.tag[1]), 3)
        return _text_blocks(f"heading_{level}", spans(_inline(node)))
    if kind == "paragraph":
        return _text_blocks("paragraph", spans(_inline(node)))
    if kind in ("bullet_list", "ordered_list"):
        item_type = "bulleted_list_item" if kind == "bullet_list" else "numbered_list_item"
        return [b for item in node.children for b in _list_item(item, item_type)]
    if kind == "blockquote":
        first, rest = _lead_paragraph(node.children)
        blocks = _text_blocks("quote", first)
        blocks[0].children = _blocks(rest)
        return blocks
    if kind in ("fence", "code_block"):
        pieces = rich_text([Span(node.content.removesuffix("\n"))])
        language = code_language(node.info if kind == "fence" else "")
        # beyond 100 pieces or MAX_BLOCK_BYTES the code continues in another code block
        return [
            BlockNode("code", {"rich_text": group, "language": language})
            for group in _piece_groups(pieces)
        ]
    if kind == "hr":
        return [BlockNode("divider", {})]
    if kind == "table":
        return [_table(node)]
    if kind == "html_block":
        return _text_blocks("paragraph", [Span(node.content.strip())])
    return _blocks(node.children)


def _inline(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    return next((c for c in node.children if c.type == "inline"), None)


def _lead_paragraph(
    children: list[SyntaxTreeNode],
) -> tuple[list[Span], list[SyntaxTreeNode]]:
    if children and children[0].type == "paragraph":
        return spans(_inline(children[0])), children[1:]
    return [], children


def _list_item(item: SyntaxTreeNode, item_type: str) -> list[BlockNode]:
    text, rest = _lead_paragraph(item.children)
    checked, text = task_state(text)
    if checked is not None:
        blocks = _text_blocks("to_do", text, {"checked": checked})
    else:
        blocks = _text_blocks(item_type, text)
    blocks[0].children = _blocks(rest)
    return blocks


def _table(node: SyntaxTreeNode) -> BlockNode:
    rows = [tr for section in node.children for tr in section.children if tr.type == "tr"]
    width = max((len(tr.children) for tr in rows), default=1)
    children = []
    for tr in rows:
        cells = [_cell(spans(_inline(cell))) for cell in tr.children]
        cells += [[] for _ in range(width - len(cells))]
        children.append(BlockNode("table_row", {"cells": cells}))
    has_header = any(section.type == "thead" for section in node.children)
    body = {"table_width": width, "has_column_header": has_header, "has_row_header": False}
    return BlockNode("table", body, children, carries_children=True)


def _cell(items: list[Span]) -> list[dict[str, Any]]:
    """A table cell's rich text: one array of at most 100 pieces (a cell cannot continue in
    another block), so a cell with more pieces loses its styling rather than its text."""
    pieces = rich_text(items)
    if len(pieces) <= MAX_RICH_TEXT:
        return pieces
    pieces = rich_text([Span("".join(item.text for item in items))])
    if len(pieces) > MAX_RICH_TEXT:
        raise InvalidArgument(
            f"a table cell holds {sum(len(i.text) for i in items):,} characters; Notion takes "
            f"at most {MAX_RICH_TEXT * MAX_TEXT:,} in a cell"
        )
    return pieces
