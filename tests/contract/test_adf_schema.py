"""Every ADF document the Markdown converter produces, checked against Atlassian's own JSON schema
(``@atlaskit/adf-schema``, ``json-schema/v1/full.json``, installed by ``npm ci --prefix
tests/contract``) by Ajv.

The corpus: the Markdown files in tests/data/markdown and the generated nested corpus of
tests/markdown_corpus.py (every block construct inside every chain of quotes and list items, plus
seeded random mixes). Besides validity, no marker word of the Markdown may be missing from the
document: a downgrade may change a block's kind, never drop its text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import SchemaCheck
from tests.markdown_corpus import corpus
from tools.integrations.jira_markup import markdown_to_adf

pytestmark = [pytest.mark.external("adf-schema")]

DATA = Path(__file__).resolve().parents[1] / "data" / "markdown"
SAMPLES = list(corpus())


def texts(node: dict[str, Any]) -> str:
    own = str(node.get("text", ""))
    return " ".join([own, *(texts(child) for child in node.get("content", []))])


def test_the_generated_corpus_is_big_and_nested() -> None:
    assert len(SAMPLES) >= 200
    nested = [s for s in SAMPLES if s.name.count("/") or s.name.startswith("random")]
    assert len(nested) >= 200


def test_markdown_files_make_valid_adf(adf_schema: SchemaCheck) -> None:
    paths = sorted(DATA.glob("*.md"))
    assert paths
    results = adf_schema.errors([markdown_to_adf(p.read_text()) for p in paths])
    assert {p.name: e[-3:] for p, e in zip(paths, results, strict=True) if e} == {}


def test_every_generated_document_is_valid_adf_and_keeps_its_text(
    adf_schema: SchemaCheck,
) -> None:
    docs = [markdown_to_adf(s.markdown) for s in SAMPLES]
    results = adf_schema.errors(docs)
    invalid = {s.name: e[-3:] for s, e in zip(SAMPLES, results, strict=True) if e}
    assert invalid == {}
    lost = {}
    for sample, doc in zip(SAMPLES, docs, strict=True):
        words = texts(doc).split()
        expected = [*sample.words, "after"] if "after" in sample.markdown else list(sample.words)
        if missing := [w for w in expected if w not in words]:
            lost[sample.name] = missing
    assert lost == {}


def test_the_schema_rejects_the_shapes_adf_forbids(adf_schema: SchemaCheck) -> None:
    """The check can fail: what the converter used to produce is rejected."""
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": "x"}]}
    heading = {"type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "h"}]}
    table = {"type": "table", "content": [{"type": "tableRow", "content": []}]}
    bad = [
        {"type": "blockquote", "content": [{"type": "blockquote", "content": [paragraph]}]},
        {"type": "blockquote", "content": [heading]},
        {"type": "blockquote", "content": [table]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [paragraph, heading]}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [{"type": "rule"}]}]},
        {"type": "paragraph", "content": [{"type": "text", "text": ""}]},
    ]
    results = adf_schema.errors([{"type": "doc", "version": 1, "content": [b]} for b in bad])
    assert all(results), results


@pytest.mark.anyio
async def test_the_descriptions_create_jira_issue_sends_are_valid_adf(
    workspace: Path, adf_schema: SchemaCheck
) -> None:
    from tests.fakes.jira import FakeJira
    from tools.context import ToolContext
    from tools.integrations.jira_issue import create_jira_issue
    from tools.settings import ToolSettings

    jira = FakeJira(cloud=True)
    jira.add_project("ABC")
    with jira.running():
        settings = ToolSettings(
            jira_url=jira.base_url,
            jira_username=jira.user,
            jira_api_token=jira.api_token,  # type: ignore[arg-type]
            write_dedupe_seconds=0,
        )
        ctx = ToolContext.local(str(workspace), settings=settings)
        markdowns = [p.read_text() for p in sorted(DATA.glob("*.md"))]
        markdowns += [s.markdown for s in SAMPLES[::20]]  # every leaf in a spread of chains
        for index, markdown in enumerate(markdowns):
            await create_jira_issue(ctx, "ABC", f"issue {index}", markdown)
        sent = [w.json["fields"]["description"] for w in jira.writes() if w.method == "POST"]
    assert len(sent) == len(markdowns)
    results = adf_schema.errors(sent)
    assert {i: e[-3:] for i, e in enumerate(results) if e} == {}
