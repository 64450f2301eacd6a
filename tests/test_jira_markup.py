"""Markdown to Jira wiki markup (REST v2) and Atlassian Document Format (REST v3)."""

from __future__ import annotations

import itertools
import re
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


# -- what the enclosing block cannot hold is downgraded, never dropped ---------------------------


def test_adf_quote_holds_no_quote_heading_rule_or_table() -> None:
    doc = markdown_to_adf(
        "> a\n>\n> > inner\n>\n> # title\n>\n> ---\n>\n> | t |\n> |---|\n> | 1 |\n>\n> z"
    )
    quote, table = doc["content"]
    assert quote["type"] == "blockquote"
    assert [text_of(p) for p in quote["content"]] == ["a", "inner", "title", "———", "z"]
    assert {p["type"] for p in quote["content"]} == {"paragraph"}
    assert quote["content"][2]["content"][0]["marks"] == [{"type": "strong"}]
    assert table["type"] == "table"  # moved to just after the quote
    assert text_of(table) == "t1"


def test_adf_list_item_holds_no_heading_quote_rule_or_table() -> None:
    doc = markdown_to_adf(
        "1. ## step `one`\n   > said\n\n   ---\n\n   | t |\n   |---|\n   | 1 |\n2. two\n\nend"
    )
    assert [n["type"] for n in doc["content"]] == ["orderedList", "table", "paragraph"]
    first, second = doc["content"][0]["content"]
    assert [text_of(p) for p in first["content"]] == ["step one", "said", "———"]
    step = first["content"][0]["content"]
    assert step[0]["marks"] == [{"type": "strong"}]
    assert step[1]["marks"] == [{"type": "code"}]  # code cannot be bold in ADF
    assert text_of(second) == "two"


def test_adf_table_deep_in_lists_and_quotes_moves_after_the_top_block() -> None:
    doc = markdown_to_adf("> - a\n>   - | t |\n>     |---|\n>     | 1 |\n\nnext")
    assert [n["type"] for n in doc["content"]] == ["blockquote", "table", "paragraph"]
    only_table = markdown_to_adf("> | t |\n> |---|\n> | 1 |")
    assert [n["type"] for n in only_table["content"]] == ["table"]  # no empty quote left
    assert markdown_to_adf(">")["content"] == [
        {"type": "blockquote", "content": [{"type": "paragraph"}]}
    ]


def test_adf_ordered_list_keeps_its_start() -> None:
    doc = markdown_to_adf("3. c\n4. d")
    assert doc["content"][0]["attrs"] == {"order": 3}
    assert "attrs" not in markdown_to_adf("1. a")["content"][0]


def test_wiki_quote_in_quote_is_flattened() -> None:
    wiki = markdown_to_wiki("> a\n>\n> > b\n> > > c\n>\n> d")
    assert wiki == "{quote}\na\n\nb\n\nc\n\nd\n{quote}"
    assert wiki.count("{quote}") == 2


def test_wiki_list_item_holds_no_heading_quote_rule_or_table() -> None:
    wiki = markdown_to_wiki(
        "- # title\n- > said\n  > again\n-\n  ---\n- a  \n  b\n\n  | t |\n  |---|\n  | x  |\n- z"
    )
    assert wiki == "* *title*\n* said again\n* ———\n* a\\\\ b\n* z\n\n||t||\n|x|"


def text_of(node: dict[str, Any]) -> str:
    return str(node.get("text", "")) + "".join(text_of(c) for c in node.get("content", []))


def test_wiki_of_the_nested_corpus_never_nests_what_cannot_nest() -> None:
    from tests.markdown_corpus import corpus
    from tools.integrations.markdown_tree import parse_markdown

    for sample in corpus():
        wiki = markdown_to_wiki(sample.markdown)
        top_quotes = [n for n in parse_markdown(sample.markdown).children if n.type == "blockquote"]
        assert wiki.count("{quote}") <= 2 * len(top_quotes), sample.name
        lines = wiki.split("\n")
        for line, following in itertools.pairwise(lines):
            if re.match(r"[*#]+ ", line):  # inside a list: nothing that ends it
                assert not re.match(r"h[1-6]\. |----|\|", following), sample.name
        for word in sample.words:
            assert word in wiki, (sample.name, word)
