"""create_notion_page through the real notion-client AsyncClient against a stateful Notion fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.notion import FakeNotion
from tools.context import ToolContext
from tools.errors import InvalidArgument, MissingCredential, NotFound, UpstreamError
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parent / "data" / "markdown"


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    fake = FakeNotion()
    with fake.running():
        yield fake


@pytest.fixture
def n_ctx(workspace: Path, notion: FakeNotion) -> ToolContext:
    settings = ToolSettings(
        notion_api_url=notion.base_url, notion_token=notion.token, upstream_backoff=0.01
    )
    return ToolContext.local(str(workspace), settings=settings)


async def test_page_under_a_page_url(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    url = f"https://www.notion.so/acme/Team-notes-{parent.replace('-', '')}?pvs=4"
    result = await create_notion_page(n_ctx, url, "Weekly", "Hello **there**", icon="📝")
    assert result.parent_type == "page"
    assert result.url and result.page_id and result.url.endswith(result.page_id.replace("-", ""))
    page = notion.nodes[result.page_id]
    assert page.body["parent"] == {"page_id": parent}
    assert page.body["properties"]["title"]["title"][0]["text"]["content"] == "Weekly"
    assert page.body["icon"] == {"type": "emoji", "emoji": "📝"}
    assert notion.tree(result.page_id) == [("paragraph", "Hello there", [])]
    assert all(r.headers["notion-version"] == "2025-09-03" for r in notion.requests)


async def test_every_construct_arrives_whole(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    markdown = (DATA / "every_construct.md").read_text()
    result = await create_notion_page(n_ctx, parent, "README", markdown)
    tree = notion.tree(result.page_id or "")
    assert [t[0] for t in tree][:3] == ["heading_1", "paragraph", "heading_2"]
    features = tree[7]
    assert features == (
        "bulleted_list_item", "Read files", [
            ("bulleted_list_item", "with line numbers", [
                ("bulleted_list_item", "and size caps", [
                    ("bulleted_list_item", "even four levels deep", []),
                ]),
            ]),
        ],
    )  # fmt: skip
    table = next(t for t in tree if t[0] == "table")
    assert [row[0] for row in table[2]] == ["table_row"] * 3
    # deeper levels needed follow-up requests under the right blocks
    assert result.requests > 1
    # 18 top-level blocks + a code block in a step + 3 nested bullets + a quote paragraph + 3 rows
    assert result.blocks == 26

    def count(nodes: list) -> int:  # type: ignore[type-arg]
        return sum(1 + count(n[2]) for n in nodes)

    assert count(tree) == 26


async def test_three_hundred_blocks_in_order(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    markdown = "\n\n".join(f"Paragraph {i}." for i in range(300))
    result = await create_notion_page(n_ctx, parent, "Long", markdown)
    tree = notion.tree(result.page_id or "")
    assert [t[1] for t in tree] == [f"Paragraph {i}." for i in range(300)]
    writes = notion.writes()
    assert [w.method for w in writes] == ["POST", "PATCH", "PATCH"]
    assert [len(w.json["children"]) for w in writes] == [100, 100, 100]


async def test_a_long_paragraph_and_a_big_table(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    paragraph = "x" * 5000
    rows = "\n".join(f"| {i} | row {i} |" for i in range(150))
    markdown = f"{paragraph}\n\n| n | name |\n|---|---|\n{rows}\n"
    result = await create_notion_page(n_ctx, parent, "Big", markdown)
    tree = notion.tree(result.page_id or "")
    assert tree[0] == ("paragraph", paragraph, [])
    assert tree[1][0] == "table" and len(tree[1][2]) == 151


async def test_database_parent_uses_its_title_property(
    n_ctx: ToolContext, notion: FakeNotion
) -> None:
    database, source = notion.add_database(title_property="Task name")
    url = (
        f"https://www.notion.so/acme/{database.replace('-', '')}?v=0123456789abcdef0123456789abcdef"
    )
    result = await create_notion_page(n_ctx, url, "Ship it", "- [ ] tests")
    assert result.parent_type == "database"
    page = notion.nodes[result.page_id or ""]
    assert page.body["parent"] == {"type": "data_source_id", "data_source_id": source}
    assert list(page.body["properties"]) == ["Task name"]
    assert notion.tree(result.page_id or "") == [("to_do", "tests", [])]


async def test_raw_database_id_is_recognised(n_ctx: ToolContext, notion: FakeNotion) -> None:
    database, source = notion.add_database(title_property="Name")
    result = await create_notion_page(n_ctx, database.replace("-", ""), "Row", "")
    assert result.parent_type == "database"
    assert notion.nodes[result.page_id or ""].body["parent"]["data_source_id"] == source


async def test_dry_run_sends_nothing(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    markdown = "\n\n".join(f"P{i}" for i in range(150))
    result = await create_notion_page(n_ctx, parent, "T", markdown, dry_run=True)
    assert notion.requests == []
    assert result.request is not None and result.request["method"] == "POST"
    body = result.request["json"]
    assert body["parent"] == {"page_id": parent}
    assert len(body["children"]) == 100
    assert any("50 more blocks" in note for note in result.notes)


async def test_retry_of_the_same_call_creates_one_page(
    n_ctx: ToolContext, notion: FakeNotion
) -> None:
    parent = notion.add_page()
    first = await create_notion_page(n_ctx, parent, "Once", "text")
    again = await create_notion_page(n_ctx, parent, "Once", "text")
    assert len(notion.pages()) == 1
    assert again.deduplicated and again.page_id == first.page_id


async def test_rate_limit_is_retried(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    limited = {"object": "error", "status": 429, "code": "rate_limited", "message": "Slow down."}
    notion.fail_next(429, limited, headers={"Retry-After": "0"}, times=2)
    result = await create_notion_page(n_ctx, parent, "After wait", "x")
    assert result.page_id in notion.nodes
    assert len(notion.pages()) == 1


async def test_unknown_parent_is_not_found(n_ctx: ToolContext) -> None:
    with pytest.raises(NotFound) as caught:
        await create_notion_page(n_ctx, "0" * 32, "T", "x")
    assert "share the parent with the integration" in str(caught.value)


async def test_bad_token_names_the_setting(n_ctx: ToolContext, notion: FakeNotion) -> None:
    parent = notion.add_page()
    notion.token = "other"
    with pytest.raises(UpstreamError) as caught:
        await create_notion_page(n_ctx, parent, "T", "x")
    assert caught.value.upstream_status == 401 and "NOTION_TOKEN" in str(caught.value)


async def test_missing_token(ctx: ToolContext) -> None:
    with pytest.raises(MissingCredential) as caught:
        await create_notion_page(ctx, "0" * 32, "T", "x")
    assert "NOTION_TOKEN" in str(caught.value)


@pytest.mark.parametrize("parent", ["not-an-id", "https://example.com/page", "abc123"])
async def test_bad_parent(n_ctx: ToolContext, parent: str) -> None:
    with pytest.raises(InvalidArgument):
        await create_notion_page(n_ctx, parent, "T", "x")


async def test_bad_icon(n_ctx: ToolContext) -> None:
    with pytest.raises(InvalidArgument):
        await create_notion_page(n_ctx, "0" * 32, "T", "x", icon="smile")
    with pytest.raises(InvalidArgument, match="icon URL is 2,020 characters"):
        await create_notion_page(n_ctx, "0" * 32, "T", "x", icon="https://e.com/" + "i" * 2006)


async def test_a_title_beyond_notion_limits_is_refused(n_ctx: ToolContext) -> None:
    with pytest.raises(InvalidArgument, match="title is 200,001 characters"):
        await create_notion_page(n_ctx, "0" * 32, "t" * 200_001, "x", dry_run=True)


async def test_a_table_in_a_list_item_and_a_long_nested_list(
    n_ctx: ToolContext, notion: FakeNotion
) -> None:
    parent = notion.add_page()
    nested = "\n".join(f"  - sub {i}" for i in range(150))
    markdown = f"- with a table\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n\n- long\n{nested}\n"
    result = await create_notion_page(n_ctx, parent, "Nested", markdown)
    tree = notion.tree(result.page_id or "")
    first, second = tree
    assert first[:2] == ("bulleted_list_item", "with a table")
    assert [(t[0], len(t[2])) for t in first[2]] == [("table", 2)]
    assert second[1] == "long"
    assert [t[1] for t in second[2]] == [f"sub {i}" for i in range(150)]


async def test_long_links_and_big_documents_stay_within_the_request_limits(
    n_ctx: ToolContext, notion: FakeNotion
) -> None:
    parent = notion.add_page()
    long_url = "https://example.com/search?q=" + "x" * 2100
    items = "\n".join(
        f"- item {i}\n" + "\n".join(f"  - sub {j}" for j in range(40)) for i in range(30)
    )
    big = "\n\n".join("é" * 20_000 for _ in range(30))
    markdown = f"[a long link]({long_url})\n\n{items}\n\n{big}\n"
    result = await create_notion_page(n_ctx, parent, "Limits", markdown)
    assert result.complete and result.blocks_written == result.blocks
    tree = notion.tree(result.page_id or "")
    assert tree[0] == ("paragraph", f"a long link ({long_url})", [])
    assert [t[1] for t in tree[1:31]] == [f"item {i}" for i in range(30)]
    assert all([c[1] for c in t[2]] == [f"sub {j}" for j in range(40)] for t in tree[1:31])
    assert "".join(t[1] for t in tree[31:]) == "é" * 600_000
    assert count_tree(tree) == result.blocks
    assert len(notion.writes()) > 3  # the fake refuses >1,000 blocks or >500 KB in one request


def count_tree(tree: list[tuple[str, str, list[Any]]]) -> int:
    return sum(1 + count_tree(children) for _, _, children in tree)


async def test_a_page_that_cannot_be_completed_says_what_was_written(
    n_ctx: ToolContext, notion: FakeNotion
) -> None:
    parent = notion.add_page()
    notion.appends_left = 1
    markdown = "\n\n".join(f"Paragraph {i}." for i in range(350))
    result = await create_notion_page(n_ctx, parent, "Half", markdown)
    assert not result.complete
    assert result.blocks == 350 and result.blocks_written == 200
    assert result.page_id and result.url
    assert result.error and "Notion" in result.error
    assert "holds only 200 of 350 blocks" in result.notes[0]
    assert len(notion.tree(result.page_id)) == 200
    again = await create_notion_page(n_ctx, parent, "Half", markdown)
    assert again.deduplicated and not again.complete  # no second half-written page
    assert len(notion.pages()) == 1


@pytest.fixture
def two_sources(notion: FakeNotion) -> tuple[str, str, str]:
    database, tasks = notion.add_database(title_property="Task name")
    notion.source_info[tasks]["name"] = "Tasks"
    bugs = notion.add_data_source(database, "Bugs", title_property="Bug")
    return database, tasks, bugs


async def test_a_database_with_several_data_sources_needs_one_named(
    n_ctx: ToolContext, notion: FakeNotion, two_sources: tuple[str, str, str]
) -> None:
    database, tasks, bugs = two_sources
    with pytest.raises(InvalidArgument, match="has 2 data sources") as caught:
        await create_notion_page(n_ctx, database, "Crash", "x")
    assert f"'Tasks' ({tasks})" in str(caught.value) and f"'Bugs' ({bugs})" in str(caught.value)
    assert "data_source" in str(caught.value.hint)
    with pytest.raises(InvalidArgument, match="none is 'Features'"):
        await create_notion_page(n_ctx, database, "Crash", "x", data_source="Features")
    assert notion.writes() == []


async def test_data_source_by_name_or_id(
    n_ctx: ToolContext, notion: FakeNotion, two_sources: tuple[str, str, str]
) -> None:
    database, tasks, bugs = two_sources
    by_name = await create_notion_page(n_ctx, database, "Crash", "boom", data_source="bugs")
    page = notion.nodes[by_name.page_id or ""]
    assert page.body["parent"] == {"type": "data_source_id", "data_source_id": bugs}
    assert list(page.body["properties"]) == ["Bug"]
    assert by_name.parent_type == "database"
    by_id = await create_notion_page(
        n_ctx, database, "Plan", "", data_source=tasks.replace("-", "").upper()
    )
    assert notion.nodes[by_id.page_id or ""].body["parent"]["data_source_id"] == tasks


@pytest.mark.parametrize("form", ["raw", "dashed", "collection"])
async def test_a_data_source_is_a_parent(
    n_ctx: ToolContext, notion: FakeNotion, two_sources: tuple[str, str, str], form: str
) -> None:
    _, _, bugs = two_sources
    parent = {"raw": bugs.replace("-", ""), "dashed": bugs, "collection": f"collection://{bugs}"}
    result = await create_notion_page(n_ctx, parent[form], "Crash", "boom")
    assert result.parent_type == "data_source"
    page = notion.nodes[result.page_id or ""]
    assert page.body["parent"] == {"type": "data_source_id", "data_source_id": bugs}
    assert list(page.body["properties"]) == ["Bug"]


async def test_data_source_that_does_not_match_the_parent_is_refused(
    n_ctx: ToolContext, notion: FakeNotion, two_sources: tuple[str, str, str]
) -> None:
    _, _, bugs = two_sources
    with pytest.raises(InvalidArgument, match="not 'Tasks'"):
        await create_notion_page(n_ctx, f"collection://{bugs}", "x", "", data_source="Tasks")
    with pytest.raises(InvalidArgument, match="is a page"):
        await create_notion_page(n_ctx, notion.add_page(), "x", "", data_source="Tasks")
    assert notion.writes() == []


async def test_dry_run_names_the_data_source(n_ctx: ToolContext, notion: FakeNotion) -> None:
    url = "https://www.notion.so/acme/" + "a" * 32 + "?v=" + "b" * 32
    result = await create_notion_page(n_ctx, url, "T", "", data_source="Bugs", dry_run=True)
    assert result.request is not None
    parent = result.request["json"]["parent"]
    assert parent["data_source_id"].startswith("<data source 'Bugs' of database")
    source = await create_notion_page(n_ctx, "collection://" + "c" * 32, "T", "", dry_run=True)
    assert source.request is not None
    assert source.request["json"]["parent"]["data_source_id"] == notion_dashed("c" * 32)
    assert notion.requests == []


def notion_dashed(raw: str) -> str:
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def test_the_cli_says_when_a_page_is_incomplete() -> None:
    from rich.console import Console

    from cli.views import notion_page
    from tools.integrations.notion_page import NotionPageResult

    console = Console(record=True, width=120)
    result = NotionPageResult(
        parent_id="p", blocks=350, blocks_written=200, complete=False, error="boom", url="u"
    )
    notion_page(console, result)
    assert "wrote only 200 of 350 blocks: boom" in console.export_text()
