"""Markdown to the two description formats of Jira: wiki markup (REST v2) and ADF (REST v3).

Both walk the same markdown-it tree. Jira has no task lists: ``- [ ]``/``- [x]`` items become list
items starting with ☐/☑. Headings h1-h6, emphasis, code, strikethrough, links, nested lists,
quotes, code blocks with language, rules and tables map directly.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tools.integrations.markdown_tree import Span, parse_markdown, spans, task_state

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

_WIKI_SPECIAL = re.compile(r"([\\{}\[\]*_|!^~+])")


# --- wiki markup (REST v2) ---------------------------------------------------------------------


def markdown_to_wiki(markdown: str) -> str:
    blocks = _wiki_blocks(parse_markdown(markdown).children, list_prefix="")
    return "\n\n".join(b for b in blocks if b).strip()


def _wiki_inline(items: list[Span]) -> str:
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
        out.append(text)
    return "".join(out)


def _wiki_blocks(nodes: list[SyntaxTreeNode], list_prefix: str) -> list[str]:
    out: list[str] = []
    for node in nodes:
        out.append(_wiki_block(node, list_prefix))
    return out


def _wiki_block(node: SyntaxTreeNode, list_prefix: str) -> str:
    kind = node.type
    if kind == "heading":
        return f"{node.tag}. {_wiki_inline(spans(_inline(node)))}"
    if kind == "paragraph":
        return _wiki_inline(spans(_inline(node)))
    if kind in ("bullet_list", "ordered_list"):
        prefix = list_prefix + ("*" if kind == "bullet_list" else "#")
        lines = []
        for item in node.children:
            text, rest = _lead(item.children)
            checked, text = task_state(text)
            mark = "" if checked is None else ("☑ " if checked else "☐ ")
            lines.append(f"{prefix} {mark}{_wiki_inline(text)}")
            lines.extend(b for b in _wiki_blocks(rest, prefix) if b)
        return "\n".join(lines)
    if kind == "blockquote":
        inner = "\n\n".join(_wiki_blocks(node.children, ""))
        return "{quote}\n" + inner + "\n{quote}"
    if kind in ("fence", "code_block"):
        language = (node.info.split() or [""])[0] if kind == "fence" else ""
        opener = "{code:" + language + "}" if language else "{code}"
        return opener + "\n" + node.content.removesuffix("\n") + "\n{code}"
    if kind == "hr":
        return "----"
    if kind == "table":
        rows = []
        for section in node.children:
            sep = "||" if section.type == "thead" else "|"
            for tr in section.children:
                cells = [_wiki_inline(spans(_inline(c))) or " " for c in tr.children]
                rows.append(sep + sep.join(cells) + sep)
        return "\n".join(rows)
    if kind == "html_block":
        return "{noformat}\n" + node.content.strip() + "\n{noformat}"
    return "\n\n".join(_wiki_blocks(node.children, list_prefix))


# --- Atlassian Document Format (REST v3) -------------------------------------------------------


def markdown_to_adf(markdown: str) -> dict[str, Any]:
    content = _adf_blocks(parse_markdown(markdown).children)
    return {"type": "doc", "version": 1, "content": content}


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
                marks.append({"type": "code"})
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


def _adf_blocks(nodes: list[SyntaxTreeNode]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.extend(_adf_block(node))
    return out


def _adf_block(node: SyntaxTreeNode) -> list[dict[str, Any]]:
    kind = node.type
    if kind == "heading":
        level = int(node.tag[1])
        heading: dict[str, Any] = {"type": "heading", "attrs": {"level": level}}
        content = adf_inline(spans(_inline(node)))
        return [{**heading, "content": content} if content else heading]
    if kind == "paragraph":
        return [_paragraph(spans(_inline(node)))]
    if kind in ("bullet_list", "ordered_list"):
        items = []
        for item in node.children:
            text, rest = _lead(item.children)
            checked, text = task_state(text)
            if checked is not None:
                text = [Span("☑ " if checked else "☐ "), *text]
            items.append({"type": "listItem", "content": [_paragraph(text), *_adf_blocks(rest)]})
        list_type = "bulletList" if kind == "bullet_list" else "orderedList"
        return [{"type": list_type, "content": items}]
    if kind == "blockquote":
        inner = _adf_blocks(node.children) or [{"type": "paragraph"}]
        return [{"type": "blockquote", "content": inner}]
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
        return [{"type": "rule"}]
    if kind == "table":
        rows = []
        for section in node.children:
            cell_type = "tableHeader" if section.type == "thead" else "tableCell"
            for tr in section.children:
                cells = [
                    {"type": cell_type, "content": [_paragraph(spans(_inline(c)))]}
                    for c in tr.children
                ]
                rows.append({"type": "tableRow", "content": cells})
        return [{"type": "table", "content": rows}]
    if kind == "html_block":
        return [{"type": "codeBlock", "content": [{"type": "text", "text": node.content.strip()}]}]
    return _adf_blocks(node.children)


# --- shared ------------------------------------------------------------------------------------


def _inline(node: SyntaxTreeNode) -> SyntaxTreeNode | None:
    return next((c for c in node.children if c.type == "inline"), None)


def _lead(children: list[SyntaxTreeNode]) -> tuple[list[Span], list[SyntaxTreeNode]]:
    if children and children[0].type == "paragraph":
        return spans(_inline(children[0])), children[1:]
    return [], children
