"""Markdown parsed by markdown-it-py (CommonMark + tables + strikethrough) for the converters.

Block structure comes from markdown-it's syntax tree; inline content is flattened into ``Span``s
(text with bold/italic/code/strike/link), which the Notion, ADF and Jira wiki converters render.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


def parse_markdown(text: str) -> SyntaxTreeNode:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return SyntaxTreeNode(md.parse(text))


def spans(inline: SyntaxTreeNode | None) -> list[Span]:
    """The inline children of an ``inline`` node as merged spans."""
    if inline is None:
        return []
    out: list[Span] = []
    _walk(inline, Span(""), out)
    return _merge(out)


def _walk(node: SyntaxTreeNode, style: Span, out: list[Span]) -> None:
    for child in node.children:
        kind = child.type
        if kind == "text":
            out.append(replace(style, text=child.content))
        elif kind == "code_inline":
            out.append(replace(style, text=child.content, code=True))
        elif kind in ("softbreak", "hardbreak"):
            out.append(replace(style, text="\n" if kind == "hardbreak" else " "))
        elif kind == "strong":
            _walk(child, replace(style, bold=True), out)
        elif kind == "em":
            _walk(child, replace(style, italic=True), out)
        elif kind == "s":
            _walk(child, replace(style, strike=True), out)
        elif kind == "link":
            _walk(child, replace(style, href=str(child.attrs.get("href", ""))), out)
        elif kind == "image":
            alt = "".join(s.text for s in spans(child)) or "image"
            out.append(replace(style, text=alt, href=str(child.attrs.get("src", ""))))
        elif kind == "html_inline":
            continue  # raw HTML tags carry no text of their own
        else:
            _walk(child, style, out)


def _merge(items: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for item in items:
        if not item.text:
            continue
        if merged and replace(merged[-1], text="") == replace(item, text=""):
            merged[-1] = replace(merged[-1], text=merged[-1].text + item.text)
        else:
            merged.append(item)
    return merged


def task_state(item_spans: list[Span]) -> tuple[bool | None, list[Span]]:
    """For a list item's first paragraph: ``[ ]``/``[x]`` marker state and the rest of the text.

    CommonMark has no task lists; GitHub's extension marks them by this prefix of the item text.
    """
    if not item_spans or item_spans[0].code:
        return None, item_spans
    first = item_spans[0].text
    marker = first[:4].lower()
    if marker in ("[ ] ", "[x] ") or first.lower() in ("[ ]", "[x]"):
        rest = first[4:]
        remaining = [replace(item_spans[0], text=rest), *item_spans[1:]]
        return marker.startswith("[x"), [s for s in remaining if s.text]
    return None, item_spans


def plain(items: list[Span]) -> str:
    return "".join(s.text for s in items)
