"""Markdown to Notion blocks on real documents: every construct, 300 blocks, a long paragraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.integrations.notion_blocks import (
    MAX_TEXT,
    BlockNode,
    code_language,
    count_blocks,
    markdown_to_blocks,
    render,
)

DATA = Path(__file__).parent / "data" / "markdown"


def text(node: BlockNode) -> str:
    return "".join(t["text"]["content"] for t in node.body.get("rich_text", []))


def shape(nodes: list[BlockNode]) -> list[Any]:
    return [(n.type, text(n), shape(n.children)) for n in nodes]


def test_every_construct() -> None:
    nodes = markdown_to_blocks((DATA / "every_construct.md").read_text())
    assert [n.type for n in nodes] == [
        "heading_1", "paragraph", "heading_2", "numbered_list_item", "numbered_list_item",
        "numbered_list_item", "heading_2", "bulleted_list_item", "bulleted_list_item",
        "heading_3", "to_do", "to_do", "quote", "code", "divider", "table", "heading_3",
        "paragraph",
    ]  # fmt: skip
    intro = nodes[1].body["rich_text"]
    styled = {t["text"]["content"]: t.get("annotations", {}) for t in intro}
    assert styled["typed tools"] == {"bold": True}
    assert styled["small modules"] == {"italic": True}
    assert styled["strict"] == {"code": True}
    assert styled["the old plan"] == {"strikethrough": True}
    link = next(t for t in intro if t["text"]["content"] == "the design")
    assert link["text"]["link"] == {"url": "https://example.com/design"}
    # a code block inside a numbered item, with its language
    step = nodes[4]
    assert shape(step.children) == [("code", "make bootstrap", [])]
    assert step.children[0].body["language"] == "bash"
    # four levels of bullets keep their nesting
    assert shape([nodes[7]]) == [
        ("bulleted_list_item", "Read files", [
            ("bulleted_list_item", "with line numbers", [
                ("bulleted_list_item", "and size caps", [
                    ("bulleted_list_item", "even four levels deep", []),
                ]),
            ]),
        ]),
    ]  # fmt: skip
    assert [(n.body["checked"], text(n)) for n in nodes[10:12]] == [
        (True, "parse links"),
        (False, "web page"),
    ]
    assert text(nodes[12]) == "Writes need approval."
    assert shape(nodes[12].children) == [("paragraph", "Every write is recorded.", [])]
    assert nodes[13].body["language"] == "python"
    assert text(nodes[13]).startswith("def hello(name: str) -> str:\n    return")
    table = nodes[15]
    assert table.body == {"table_width": 2, "has_column_header": True, "has_row_header": False}
    assert table.carries_children
    cells = [[c[0]["text"]["content"] for c in row.body["cells"]] for row in table.children]
    assert cells == [["tool", "kind"], ["read_file", "read"], ["create_file", "write"]]
    assert table.children[2].body["cells"][1][0]["annotations"] == {"bold": True}
    assert nodes[16].type == "heading_3"  # h4 has no Notion equivalent
    assert text(nodes[17]) == "Plain paragraph with a line break inside it."


def test_render_sends_one_level_of_children() -> None:
    nodes = markdown_to_blocks("- a\n  - b\n    - c\n")
    block = render(nodes[0], with_children=True)
    child = block["bulleted_list_item"]["children"][0]
    assert child["bulleted_list_item"]["rich_text"][0]["text"]["content"] == "b"
    assert "children" not in child["bulleted_list_item"]
    assert "children" not in render(nodes[0], with_children=False)["bulleted_list_item"]


def test_a_table_inside_a_list_item_is_not_inlined() -> None:
    nodes = markdown_to_blocks("- item\n\n  | a |\n  |---|\n  | 1 |\n")
    block = render(nodes[0], with_children=True)
    assert "children" not in block["bulleted_list_item"]
    assert nodes[0].children[0].type == "table"


def test_three_hundred_blocks() -> None:
    markdown = "\n\n".join(f"Paragraph number {i}." for i in range(300))
    nodes = markdown_to_blocks(markdown)
    assert count_blocks(nodes) == 300
    assert text(nodes[299]) == "Paragraph number 299."


def test_a_five_thousand_character_paragraph_is_split_into_pieces() -> None:
    paragraph = ("word " * 1000).strip()
    nodes = markdown_to_blocks(paragraph)
    pieces = nodes[0].body["rich_text"]
    assert [len(p["text"]["content"]) for p in pieces] == [2000, 2000, 999]
    assert "".join(p["text"]["content"] for p in pieces) == paragraph
    assert all(len(p["text"]["content"]) <= MAX_TEXT for p in pieces)


def test_more_than_a_hundred_pieces_continue_in_further_paragraphs() -> None:
    markdown = " ".join(f"**b{i}** i{i}" for i in range(120))  # 240 styled pieces
    nodes = markdown_to_blocks(markdown)
    assert [n.type for n in nodes] == ["paragraph", "paragraph", "paragraph"]
    assert [len(n.body["rich_text"]) for n in nodes] == [100, 100, 40]


def test_relative_links_stay_text() -> None:
    nodes = markdown_to_blocks("[local](docs/a.md) and [web](https://x.org)")
    pieces = nodes[0].body["rich_text"]
    assert "link" not in pieces[0]["text"]
    assert pieces[2]["text"]["link"] == {"url": "https://x.org"}


def test_code_languages() -> None:
    assert code_language("py") == "python"
    assert code_language("TypeScript") == "typescript"
    assert code_language("c++ title=x") == "c++"
    assert code_language("") == "plain text"
    assert code_language("brainfuck") == "plain text"


def test_huge_code_block_continues_in_another_code_block() -> None:
    code = "x" * 250_000
    nodes = markdown_to_blocks(f"```text\n{code}\n```\n")
    assert [n.type for n in nodes] == ["code", "code"]
    assert [len(n.body["rich_text"]) for n in nodes] == [100, 25]
    assert "".join(text(n) for n in nodes) == code


def test_empty_code_block() -> None:
    nodes = markdown_to_blocks("```\n```\n")
    assert [(n.type, n.body) for n in nodes] == [
        ("code", {"rich_text": [], "language": "plain text"})
    ]
