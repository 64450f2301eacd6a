"""Markdown to Notion blocks on real documents: every construct, 300 blocks, a long paragraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.integrations.notion_blocks import (
    MAX_BLOCK_BYTES,
    MAX_REQUEST_BLOCKS,
    MAX_REQUEST_BYTES,
    MAX_TEXT,
    MAX_URL,
    BlockNode,
    code_language,
    count_blocks,
    json_size,
    markdown_to_blocks,
    render,
    request_chunks,
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
    # a block's own JSON stays under MAX_BLOCK_BYTES so that requests stay under 500 KB
    assert [n.type for n in nodes] == ["code", "code", "code"]
    assert [len(n.body["rich_text"]) for n in nodes] == [49, 49, 27]
    assert all(n.size() <= MAX_BLOCK_BYTES for n in nodes)
    assert "".join(text(n) for n in nodes) == code


def test_empty_code_block() -> None:
    nodes = markdown_to_blocks("```\n```\n")
    assert [(n.type, n.body) for n in nodes] == [
        ("code", {"rich_text": [], "language": "plain text"})
    ]


def test_a_link_longer_than_notion_takes_becomes_text_with_the_url() -> None:
    long_url = "https://example.com/?q=" + "a" * 2500
    ok_url = "https://example.com/?q=" + "b" * (MAX_URL - 23)
    nodes = markdown_to_blocks(f"see [the report]({long_url}) and [that]({ok_url})")
    pieces = nodes[0].body["rich_text"]
    assert all(len(p["text"].get("link", {}).get("url", "")) <= MAX_URL for p in pieces)
    assert pieces[1]["text"] == {"content": "the report"}
    assert text(nodes[0]).startswith(f"see the report ({long_url}) and that")
    assert pieces[-1]["text"]["link"] == {"url": ok_url}  # 2,000 exactly is still a link


def rendered(chunk: list[BlockNode]) -> list[dict[str, Any]]:
    return [render(n, with_children=True) for n in chunk]


def blocks_in(items: list[dict[str, Any]]) -> int:
    return sum(1 + blocks_in(b[b["type"]].get("children", [])) for b in items)


def test_requests_carry_at_most_a_thousand_blocks() -> None:
    # 30 items of 40 sub-items: 1,230 blocks, too many for one request even as 30 top-level ones
    markdown = "\n".join(
        f"- item {i}\n" + "\n".join(f"  - sub {j}" for j in range(40)) for i in range(30)
    )
    nodes = markdown_to_blocks(markdown)
    chunks = list(request_chunks(nodes))
    assert len(chunks) == 2
    assert [blocks_in(rendered(c)) for c in chunks] == [984, 246]
    assert all(blocks_in(rendered(c)) <= MAX_REQUEST_BLOCKS for c in chunks)
    assert [n for c in chunks for n in c] == nodes


def test_requests_stay_under_five_hundred_kilobytes() -> None:
    # 60 paragraphs of 20,000 characters (é: two bytes each) are 2.4 MB
    markdown = "\n\n".join("é" * 20_000 for _ in range(60))
    nodes = markdown_to_blocks(markdown)
    assert all(n.size() <= MAX_BLOCK_BYTES for n in nodes)
    chunks = list(request_chunks(nodes))
    sizes = [json_size({"children": rendered(c)}) for c in chunks]
    assert len(chunks) > 4 and max(sizes) <= MAX_REQUEST_BYTES
    assert "".join(text(n) for c in chunks for n in c) == "é" * 1_200_000


def test_a_table_cell_with_too_many_pieces_keeps_its_text() -> None:
    cell = " ".join(f"**b{i}** i{i}" for i in range(60))  # 120 styled pieces
    nodes = markdown_to_blocks(f"| h |\n|---|\n| {cell} |")
    row = nodes[0].children[1].body["cells"][0]
    assert len(row) <= 100
    assert "".join(p["text"]["content"] for p in row) == cell.replace("**", "")
