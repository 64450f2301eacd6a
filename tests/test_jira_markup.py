"""Markdown to Jira wiki markup (REST v2) and Atlassian Document Format (REST v3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.integrations.jira_markup import markdown_to_adf, markdown_to_wiki

DATA = Path(__file__).parent / "data" / "markdown"


def test_wiki_markup_of_every_construct() -> None:
    wiki = markdown_to_wiki((DATA / "every_construct.md").read_text())
    assert wiki.startswith(
        "h1. fast-genai\n\nA Gemini-backed agent with *typed tools*, _small modules_"
    )
    assert "{{strict}}" in wiki
    assert "[the design|https://example.com/design]" in wiki
    assert "-the old plan-" in wiki
    assert "# Install uv\n# Run the bootstrap:\n{code:bash}\nmake bootstrap\n{code}\n# Done" in wiki
    assert (
        "* Read files\n** with line numbers\n*** and size caps\n**** even four levels deep" in wiki
    )
    assert "* ☑ parse links\n* ☐ web page" in wiki
    assert "{quote}\nWrites need approval.\n\nEvery write is recorded.\n{quote}" in wiki
    assert '{code:python}\ndef hello(name: str) -> str:\n    return f"hello {name}"\n{code}' in wiki
    assert "\n----\n" in wiki
    assert "||tool||kind||\n|read\\_file|read|\n|create\\_file|*write*|" in wiki
    assert "h4. Small heading" in wiki


def test_wiki_escapes_markup_characters_in_text() -> None:
    assert markdown_to_wiki("a {b} [c] d|e and 2*3") == "a \\{b\\} \\[c\\] d\\|e and 2\\*3"


def walk(node: dict[str, Any]) -> list[str]:
    return [node["type"]] + [t for child in node.get("content", []) for t in walk(child)]


def test_adf_of_every_construct_is_a_valid_document_shape() -> None:
    doc = markdown_to_adf((DATA / "every_construct.md").read_text())
    assert doc["type"] == "doc" and doc["version"] == 1
    top = [n["type"] for n in doc["content"]]
    assert top == [
        "heading", "paragraph", "heading", "orderedList", "heading", "bulletList", "heading",
        "bulletList", "blockquote", "codeBlock", "rule", "table", "heading", "paragraph",
    ]  # fmt: skip
    types = walk(doc)
    assert {"listItem", "tableRow", "tableHeader", "tableCell", "text"} <= set(types)

    # every listItem starts with a paragraph, and no text node is empty (ADF rejects both)
    def check(node: dict[str, Any]) -> None:
        if node["type"] == "listItem":
            assert node["content"][0]["type"] == "paragraph"
        if node["type"] == "text":
            assert node["text"]
        for child in node.get("content", []):
            check(child)

    check(doc)
    intro = doc["content"][1]["content"]
    marks = {n["text"]: [m["type"] for m in n.get("marks", [])] for n in intro}
    assert marks["typed tools"] == ["strong"]
    assert marks["strict"] == ["code"]
    assert marks["the old plan"] == ["strike"]
    link = next(n for n in intro if n["text"] == "the design")
    assert link["marks"] == [{"type": "link", "attrs": {"href": "https://example.com/design"}}]
    code = doc["content"][9]
    assert code["attrs"] == {"language": "python"}
    assert doc["content"][12]["attrs"] == {"level": 4}


def test_adf_hard_breaks_and_empty_document() -> None:
    doc = markdown_to_adf("one  \ntwo")
    assert [n["type"] for n in doc["content"][0]["content"]] == ["text", "hardBreak", "text"]
    assert markdown_to_adf("") == {"type": "doc", "version": 1, "content": []}
