"""Markdown to the two description formats of Jira: wiki markup (REST v2) and ADF (REST v3).

Both walk the same markdown-it tree. Jira has no task lists: ``- [ ]``/``- [x]`` items become list
items starting with ☐/☑. Headings h1-h6, emphasis, code, strikethrough, links, nested lists,
quotes, code blocks with language, rules and tables map directly where the enclosing block can
hold them; what it cannot hold is downgraded (see the ADF section and ``_wiki_block``), never
dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tools.integrations.markdown_tree import Span, parse_markdown, spans, task_state

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

_WIKI_SPECIAL = re.compile(r"([\\{}\[\]*_|!^~+])")
_ON_ITEM_LINE = ("heading", "hr", "blockquote")
"""Blocks that, opening a list item, are downgraded to text and so go on the item's own line."""
_WIKI_BREAK = "\\\\ "
"""Wiki markup's forced line break, for hard breaks where a newline would end a list item or row."""


# --- wiki markup (REST v2) ---------------------------------------------------------------------
#
# Wiki markup is line based and its macros do not nest: a ``{quote}`` inside a ``{quote}`` ends
# the outer one, and a heading, rule, quote or table line inside a list ends the list. So a quote
# in a quote is flattened into it; in a list item a heading becomes bold text, a quote its
# content, a rule RULE_TEXT, and a table moves to just after the top-level block. Hard breaks in
# list items and table cells are ``\\``.


def markdown_to_wiki(markdown: str) -> str:
    blocks: list[str] = []
    for node in parse_markdown(markdown).children:
        moved: list[str] = []
        blocks.append(_wiki_block(node, "", in_quote=False, moved=moved))
        blocks.extend(moved)
    return "\n\n".join(b for b in blocks if b).strip()


def _wiki_inline(items: list[Span], line_break: str = "\n") -> str:
    out = []
    for span in items:
        if span.code:
            text = "{{" + span.text.replace("}}", "} }") + "}}"
        else:
            text = _WIKI_SPECIAL.sub(r"\\\1", span.text)
            if span.strike:
                text = f"-{text}-"
            if span.italic:
                text = f"_{text}_"
            if span.bold:
                text = f"*{text}*"
        if span.href:
            text = f"[{text}|{span.href}]"
        out.append(text.replace("\n", line_break))
    return "".join(out)


def _wiki_blocks(
    nodes: list[SyntaxTreeNode], list_prefix: str, in_quote: bool, moved: list[str]
) -> list[str]:
    return [_wiki_block(node, list_prefix, in_quote, moved) for node in nodes]


def _wiki_block(node: SyntaxTreeNode, list_prefix: str, in_quote: bool, moved: list[str]) -> str:
    """``node`` as wiki markup; ``moved`` collects what goes after the top-level block."""
    kind = node.type
    in_list = bool(list_prefix)
    if kind == "heading":
        text = spans(_inline(node))
        if in_list:
            return _wiki_inline(_bold(text), _WIKI_BREAK)
        return f"{node.tag}. {_wiki_inline(text)}"
    if kind == "paragraph":
        return _wiki_inline(spans(_inline(node)), _WIKI_BREAK if in_list else "\n")
    if kind in ("bullet_list", "ordered_list"):
        prefix = list_prefix + ("*" if kind == "bullet_list" else "#")
        lines = []
        for item in node.children:
            text, rest = _lead(item.children)
            checked, text = task_state(text)
            mark = "" if checked is None else ("☑ " if checked else "☐ ")
            line = f"{prefix} {mark}{_wiki_inline(text, _WIKI_BREAK)}"
            blocks = [b for b in _wiki_blocks(rest, prefix, in_quote, moved) if b]
            if not text and rest and rest[0].type in _ON_ITEM_LINE and blocks:
                first, _, blocks[0] = blocks[0].partition("\n")  # a downgraded lead block
                line += first
            lines.append(line)
            lines.extend(b for b in blocks if b)
        return "\n".join(lines)
    if kind == "blockquote":
        if in_quote or in_list:  # flattened; a blank line would end the list
            blocks = _wiki_blocks(node.children, list_prefix, True, moved)
            return ("\n" if in_list else "\n\n").join(b for b in blocks if b)
        inner = "\n\n".join(b for b in _wiki_blocks(node.children, "", True, moved) if b)
        return "{quote}\n" + inner + "\n{quote}" if inner or not node.children else ""
    if kind in ("fence", "code_block"):
        language = (node.info.split() or [""])[0] if kind == "fence" else ""
        opener = "{code:" + language + "}" if language else "{code}"
        return opener + "\n" + node.content.removesuffix("\n") + "\n{code}"
    if kind == "hr":
        return RULE_TEXT if in_list else "----"
    if kind == "table":
        table = _wiki_table(node)
        if in_list:
            moved.append(table)
            return ""
        return table
    if kind == "html_block":
        return "{noformat}\n" + node.content.strip() + "\n{noformat}"
    return "\n\n".join(_wiki_blocks(node.children, list_prefix, in_quote, moved))


def _wiki_table(node: SyntaxTreeNode) -> str:
    rows = []
    for section in node.children:
        sep = "||" if section.type == "thead" else "|"
        for tr in section.children:
            cells = [_wiki_inline(spans(_inline(c)), _WIKI_BREAK) or " " for c in tr.children]
            rows.append(sep + sep.join(cells) + sep)
    return "\n".join(rows)


# --- Atlassian Document Format (REST v3) -------------------------------------------------------
#
# ADF is stricter than Markdown about what a block may hold: a quote takes only paragraphs,
# lists and code blocks, a list item the same (no heading, quote, table or rule), and a table
# sits only at the top of the document. Inside a quote or a list item ("nested") the converter
# downgrades what the enclosing node cannot hold instead of producing a document Jira rejects:
# a heading becomes a bold paragraph, a quote is flattened into the enclosing content, a rule
# becomes a paragraph of RULE_TEXT, and a table moves to just after the top-level block.

RULE_TEXT = "———"
"""A thematic break where ADF (or wiki markup) cannot hold a rule: three em dashes."""


def markdown_to_adf(markdown: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for node in parse_markdown(markdown).children:
        moved: list[dict[str, Any]] = []
        content.extend(_adf_block(node, nested=False, moved=moved))
        content.extend(moved)
    return {"type": "doc", "version": 1, "content": content}


def adf_size(doc: dict[str, Any]) -> int:
    """The length Jira counts against the description limit: the document as compact JSON."""
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


def adf_inline(items: list[Span]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for span in items:
        parts = span.text.split("\n")
        for index, part in enumerate(parts):
            if index:
                out.append({"type": "hardBreak"})
            if not part:
                continue
            marks: list[dict[str, Any]] = []
            if span.code:
                marks.append({"type": "code"})  # ADF combines code with a link only
            else:
                marks += [{"type": "strong"}] if span.bold else []
                marks += [{"type": "em"}] if span.italic else []
                marks += [{"type": "strike"}] if span.strike else []
            if span.href:
                marks.append({"type": "link", "attrs": {"href": span.href}})
            node: dict[str, Any] = {"type": "text", "text": part}
            if marks:
                node["marks"] = marks
            out.append(node)
    return out


def _paragraph(items: list[Span]) -> dict[str, Any]:
    content = adf_inline(items)
    return {"type": "paragraph", "content": content} if content else {"type": "paragraph"}


def _adf_blocks(
    nodes: list[SyntaxTreeNode], nested: bool, moved: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.extend(_adf_block(node, nested, moved))
    return out


def _adf_block(
    node: SyntaxTreeNode, nested: bool, moved: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``node`` as ADF blocks; ``moved`` collects what goes after the top-level block."""
    kind = node.type
    if kind == "heading":
        text = spans(_inline(node))
        if nested:
            return [_paragraph(_bold(text))]
        heading: dict[str, Any] = {"type": "heading", "attrs": {"level": int(node.tag[1])}}
        content = adf_inline(text)
        return [{**heading, "content": content} if content else heading]
    if kind == "paragraph":
        return [_paragraph(spans(_inline(node)))]
    if kind in ("bullet_list", "ordered_list"):
        return [_adf_list(node, moved)]
    if kind == "blockquote":
        inner = _adf_blocks(node.children, nested=True, moved=moved)
        if nested:
            return inner  # a quote holds no quote, a list item no quote: flattened
        if inner:
            return [{"type": "blockquote", "content": inner}]
        # an empty quote stays an empty quote; one whose content all moved out disappears
        return [] if node.children else [{"type": "blockquote", "content": [{"type": "paragraph"}]}]
    if kind in ("fence", "code_block"):
        code = node.content.removesuffix("\n")
        block: dict[str, Any] = {"type": "codeBlock"}
        language = (node.info.split() or [""])[0] if kind == "fence" else ""
        if language:
            block["attrs"] = {"language": language}
        if code:
            block["content"] = [{"type": "text", "text": code}]
        return [block]
    if kind == "hr":
        return [_paragraph([Span(RULE_TEXT)])] if nested else [{"type": "rule"}]
    if kind == "table":
        table = _adf_table(node)
        if nested:
            moved.append(table)
            return []
        return [table]
    if kind == "html_block":
        raw = node.content.strip()
        return [{"type": "codeBlock", "content": [{"type": "text", "text": raw}]}] if raw else []
    return _adf_blocks(node.children, nested, moved)


def _adf_list(node: SyntaxTreeNode, moved: list[dict[str, Any]]) -> dict[str, Any]:
    items = []
    for item in node.children:
        text, rest = _lead(item.children)
        checked, text = task_state(text)
        if checked is not None:
            text = [Span("☑ " if checked else "☐ "), *text]
        content = _adf_blocks(rest, nested=True, moved=moved)
        if text or not content or content[0]["type"] != "paragraph":
            content.insert(0, _paragraph(text))
        items.append({"type": "listItem", "content": content})
    if node.type == "bullet_list":
        return {"type": "bulletList", "content": items}
    ordered: dict[str, Any] = {"type": "orderedList", "content": items}
    start = node.attrs.get("start")
    if isinstance(start, int) and start != 1:
        ordered["attrs"] = {"order": start}
    return ordered


def _adf_table(node: SyntaxTreeNode) -> dict[str, Any]:
    rows = []
    for section in node.children:
        cell_type = "tableHeader" if section.type == "thead" else "tableCell"
        for tr in section.children:
            cells = [
                {"type": cell_type, "content": [_paragraph(spans(_inline(c)))]} for c in tr.children
            ]
            rows.append({"type": "tableRow", "content": cells})
    return {"type": "table", "content": rows}


def _bold(items: list[Span]) -> list[Span]:
    return [item if item.code else replace(item, bold=True) for item in items]


# --- shared ------------------------------------------------------------------------------------


def _inline(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    return next((c for c in node.children if c.type == "inline"), None)


def _lead(children: list[SyntaxTreeNode]) -> tuple[list[Span], list[SyntaxTreeNode]]:
    if children and children[0].type == "paragraph":
        return spans(_inline(children[0])), children[1:]
    return [], children
