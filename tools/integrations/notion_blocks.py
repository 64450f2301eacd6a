"""Markdown to Notion blocks, within Notion's request limits.

Supported: headings (h4-h6 become heading_3), paragraphs with bold/italic/strikethrough/code/links,
bulleted and numbered lists (nested), to-dos (``- [ ]``/``- [x]``), quotes, code blocks with
language, dividers, tables, raw HTML as plain text.

Limits (https://developers.notion.com/reference/request-limits): a text object holds at most
2,000 characters and a rich-text array at most 100 objects (longer text is split; a paragraph
with more pieces continues in further paragraphs); a children array holds at most 100 blocks and a
request nests at most two levels. ``BlockNode`` keeps the whole tree; ``render`` sends a block
with at most one level of children, and ``notion_page`` appends the rest in follow-up requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tools.integrations.markdown_tree import Span, parse_markdown, spans, task_state

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

MAX_TEXT = 2000
MAX_RICH_TEXT = 100
MAX_CHILDREN = 100

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
    for child in node.children[:MAX_CHILDREN]:
        if child.carries_children:
            break
        inline.append(child)
    return inline


def rich_text(items: list[Span]) -> list[dict[str, Any]]:
    """Notion rich-text objects, each at most 2,000 characters."""
    out: list[dict[str, Any]] = []
    for span in items:
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


def _text_blocks(
    kind: str, items: list[Span], extra: dict[str, Any] | None = None
) -> list[BlockNode]:
    """A block of ``kind`` with the text; text beyond 100 rich-text objects continues in
    paragraphs right after it."""
    pieces = rich_text(items)
    first = {"rich_text": pieces[:MAX_RICH_TEXT], **(extra or {})}
    nodes = [BlockNode(kind, first)]
    for start in range(MAX_RICH_TEXT, len(pieces), MAX_RICH_TEXT):
        nodes.append(BlockNode("paragraph", {"rich_text": pieces[start : start + MAX_RICH_TEXT]}))
    return nodes


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
        # beyond 100 pieces (200,000 characters) the code continues in another code block
        return [
            BlockNode("code", {"rich_text": pieces[i : i + MAX_RICH_TEXT], "language": language})
            for i in range(0, max(len(pieces), 1), MAX_RICH_TEXT)
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
        cells = [rich_text(spans(_inline(cell)))[:MAX_RICH_TEXT] for cell in tr.children]
        cells += [[] for _ in range(width - len(cells))]
        children.append(BlockNode("table_row", {"cells": cells}))
    has_header = any(section.type == "thead" for section in node.children)
    body = {"table_width": width, "has_column_header": has_header, "has_row_header": False}
    return BlockNode("table", body, children, carries_children=True)
