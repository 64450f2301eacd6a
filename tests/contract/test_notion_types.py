"""Every Notion request body the tool builds, type-checked against the official SDK's request
types: ``CreatePageParameters`` and ``AppendBlockChildrenParameters`` of ``@notionhq/client``
(pinned in tests/contract/package.json), with ``tsc --strict``.

The bodies are the ones create_notion_page sends to the stateful fake (tests/fakes/notion.py)
for the Markdown files, the generated nested corpus, long links, documents beyond the request
limits, icons and every kind of parent (page, database, data source).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import TypeCheck
from tests.fakes.notion import FakeNotion
from tests.markdown_corpus import corpus
from tools.context import ToolContext
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = [pytest.mark.external("tsc"), pytest.mark.anyio]

DATA = Path(__file__).resolve().parents[1] / "data" / "markdown"
IMPORTS = (
    'import type { AppendBlockChildrenParameters, CreatePageParameters } from "@notionhq/client";'
)


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    fake = FakeNotion()
    with fake.running():
        yield fake


def bodies(notion: FakeNotion) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for request in notion.writes():
        if request.method == "POST" and request.path == "/v1/pages":
            out.append(("CreatePageParameters", request.json))
        elif request.method == "PATCH" and request.path.endswith("/children"):
            block_id = request.path.split("/")[3]
            out.append(("AppendBlockChildrenParameters", {"block_id": block_id, **request.json}))
    return out


async def test_every_request_body_matches_the_sdk_types(
    workspace: Path, notion: FakeNotion, notion_types: TypeCheck
) -> None:
    settings = ToolSettings(
        notion_api_url=notion.base_url, notion_token=notion.token, write_dedupe_seconds=0
    )
    ctx = ToolContext.local(str(workspace), settings=settings)
    page = notion.add_page()
    database, _ = notion.add_database(title_property="Task name")
    bugs = notion.add_data_source(database, "Bugs", title_property="Bug")

    for path in sorted(DATA.glob("*.md")):
        await create_notion_page(ctx, page, path.stem, path.read_text(), icon="📝")
    # every leaf construct at depth 0 and 1 and 20 random deep mixes: every block type and
    # annotation, without the ~1,000 follow-up requests of the whole nested corpus (deeper
    # levels only repeat the same append bodies)
    shallow = [s for s in corpus() if "/" not in s.name and not s.name.startswith("random")]
    samples = shallow + [s for s in corpus() if s.name.startswith("random")][:20]
    for start in range(0, len(samples), 40):
        markdown = "\n\n---\n\n".join(s.markdown for s in samples[start : start + 40])
        await create_notion_page(ctx, page, f"corpus {start}", markdown)
    long_link = "[report](https://example.com/?q=" + "x" * 2100 + ") and [ok](mailto:a@b.c)"
    await create_notion_page(ctx, page, "Links", long_link, icon="https://example.com/i.png")
    items = "\n".join(
        f"- item {i}\n" + "\n".join(f"  - sub {j}" for j in range(40)) for i in range(30)
    )
    await create_notion_page(ctx, page, "Many blocks", items + "\n\n" + "é" * 30_000)
    await create_notion_page(ctx, database, "Row", "- [x] done", data_source="Source")
    await create_notion_page(ctx, f"collection://{bugs}", "Bug", "`boom`")

    found = bodies(notion)
    kinds = {kind for kind, _ in found}
    assert kinds == {"CreatePageParameters", "AppendBlockChildrenParameters"}
    assert len(found) > 30
    assert notion_types.errors(IMPORTS, found) == []


async def test_the_type_check_rejects_a_wrong_body(notion_types: TypeCheck) -> None:
    """The check can fail: bodies Notion's SDK does not accept are compile errors."""
    paragraph = {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": "x"}}]}}
    wrong = [
        ("CreatePageParameters", {"parent": {"page_id": "p"}, "properties": {}, "kids": []}),
        ("AppendBlockChildrenParameters", {"block_id": "b", "children": [{"type": "para"}]}),
        (
            "AppendBlockChildrenParameters",
            {"block_id": "b", "children": [{**paragraph, "paragraph": {"rich_text": "x"}}]},
        ),
        ("AppendBlockChildrenParameters", {"children": [paragraph]}),
    ]
    errors = notion_types.errors(IMPORTS, wrong)
    lines = {int(e.split("(")[1].split(",")[0]) for e in errors}
    assert lines == {2, 3, 4, 5}  # line 1 is the import: each of the four bodies fails
