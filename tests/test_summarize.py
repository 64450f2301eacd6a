"""``summarize``: structural summaries without a model, and with a model at the wire (the real
GoogleModel against the fake Gemini), staying within the token budget on big inputs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.model import build_model
from agent.settings import AgentSettings
from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply
from tools.code.identifiers import scan
from tools.code.outline_model import FileOutline, Symbol
from tools.code.repo_map import build_repo_map, estimate_tokens
from tools.code.summarize import summarize
from tools.code.summary_file import chunk_plan, spread
from tools.context import ToolContext
from tools.errors import BinaryFile, UpstreamError
from tools.registry import get_tool

pytestmark = pytest.mark.anyio

SUMMARY = {
    "purpose": "A tiny calculator.",
    "key_parts": [{"name": "add", "location": "calc.py:1", "role": "Adds two numbers."}],
    "risks": ["calc.py:5: TODO handle overflow"],
}


def answer(request: RecordedRequest) -> Reply:
    """The fake model: a typed summary when asked for one, else a short note."""
    if "final_result" in request.tool_names:
        return Reply.calls(("final_result", SUMMARY))
    return Reply.text("This part defines helpers; see the numbered lines.")


@pytest.fixture
async def model_ctx(ctx: ToolContext, gemini: FakeGemini) -> AsyncIterator[ToolContext]:
    """``ctx`` with a Gemini summary model on the fake (its HTTP client closed afterwards)."""
    settings = AgentSettings(
        gemini_api_key="test-key", gemini_base_url=gemini.base_url, max_retries=0
    )
    async with build_model(settings) as model:
        ctx.summary_model = model
        gemini.responder = answer
        yield ctx


CALC = '''"""A tiny calculator."""


def add(a, b):
    """Add two numbers."""
    # TODO: handle overflow
    return a + b


class Calculator:
    """Keeps a running total."""

    def push(self, value):
        self.total = add(self.total, value)
'''


async def test_structural_file_summary_says_no_model_was_used(
    ctx: ToolContext, workspace: Path
) -> None:
    (workspace / "calc.py").write_text(CALC)
    result = await summarize(ctx, "calc.py")
    assert not result.model_used and result.method == "structural"
    assert "no model was used" in result.purpose and "no model" in (result.note or "")
    assert "A tiny calculator." in result.purpose
    assert {part.name for part in result.key_parts} == {"add", "Calculator"}
    assert any(part.location == "calc.py:4" for part in result.key_parts)
    assert result.risks == ["calc.py:6: # TODO: handle overflow"]
    assert result.languages == {"python": 1} and result.tokens_sent == 0


async def test_structural_directory_summary_ranks_the_used_definitions(
    ctx: ToolContext, workspace: Path
) -> None:
    (workspace / "core.py").write_text(
        "class StorageEngine:\n    '''Stores rows.'''\n\n\ndef helper_unused():\n    pass\n"
    )
    for i in range(3):
        (workspace / f"user{i}.py").write_text(
            f"from core import StorageEngine\n\n\ndef use{i}():\n    return StorageEngine()\n"
        )
    (workspace / "notes.txt").write_text("not code\n")
    result = await summarize(ctx, ".")
    assert result.kind == "directory" and result.method == "structural"
    assert result.files == 5 and result.languages == {"python": 4}
    assert result.key_parts[0].name == "StorageEngine"
    assert result.key_parts[0].location == "core.py:1"
    assert "core.py" in result.purpose  # the most central file


async def test_small_file_is_sent_whole(
    model_ctx: ToolContext, workspace: Path, gemini: FakeGemini
) -> None:
    (workspace / "calc.py").write_text(CALC)
    result = await summarize(model_ctx, "calc.py", focus="overflow")
    assert result.model_used and result.method == "whole"
    assert result.purpose == "A tiny calculator."
    assert result.key_parts[0].location == "calc.py:1"
    assert result.model == "gemini-3.8-flash"
    [request] = gemini.requests
    assert "return a + b" in request.user_text and "Focus on: overflow" in request.user_text
    assert request.text_tokens <= result.budget_tokens
    assert result.model_requests == 1


async def test_a_file_over_a_megabyte_is_map_reduced_within_the_budget(
    model_ctx: ToolContext, workspace: Path, gemini: FakeGemini
) -> None:
    blocks = []
    for i in range(4_000):
        blocks.append(
            f"def function_{i}(value):\n"
            f'    """Compute step {i} of the pipeline."""\n'
            f"    return value * {i} + len(str(value)) - {i % 7}  # arithmetic\n\n"
        )
    text = "".join(blocks)
    text += "x" * max(0, 1_100_000 - len(text))  # over a megabyte: beyond code_outline's cap
    (workspace / "big.py").write_text(text)
    assert (workspace / "big.py").stat().st_size > 1_000_000
    progress: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    model_ctx.progress = on_progress
    budget = 8_000
    result = await summarize(model_ctx, "big.py", budget_tokens=budget)
    assert result.method == "map_reduce" and result.model_used
    sent = sum(request.text_tokens for request in gemini.requests)
    assert sent <= budget, f"{sent} tokens sent for a budget of {budget}"
    assert estimate_tokens(text) > 30 * budget, "the naive request would be far larger"
    assert all(request.text_tokens < budget for request in gemini.requests)
    final = gemini.requests[-1]
    assert "final_result" in final.tool_names
    assert "Outline:" in final.user_text and "def function_0(value)" in final.user_text
    notes = gemini.requests[:-1]
    assert len(notes) >= 1 and "lines 1-" in notes[0].user_text
    assert any("part" in message for message in progress)
    assert result.tokens_sent >= sent * 0.8, "the result reports what was sent"


def make_tree(root: Path, count: int) -> None:
    """``count`` Python modules in 20 packages; every module uses ``CoreRegistry``."""
    (root / "core").mkdir()
    (root / "core" / "registry.py").write_text(
        "class CoreRegistry:\n    '''The registry everything uses.'''\n\n"
        "    def register(self, item):\n        return item\n"
    )
    for i in range(count - 1):
        package = root / f"pkg{i % 20}"
        package.mkdir(exist_ok=True)
        (package / f"mod{i}.py").write_text(
            f"from core.registry import CoreRegistry\n\n\n"
            f"class Handler{i}:\n    '''Handles case {i}.'''\n\n"
            f"    def handle(self, registry: CoreRegistry) -> int:\n"
            f"        return registry.register({i})\n\n\n"
            f"def helper_{i}(x):\n    return Handler{(i + 1) % (count - 1)}().handle(x)\n"
        )


async def test_two_thousand_file_directory_stays_within_the_budget(
    model_ctx: ToolContext, workspace: Path, gemini: FakeGemini
) -> None:
    make_tree(workspace, 2_000)
    budget = 6_000
    result = await summarize(model_ctx, ".", budget_tokens=budget)
    assert result.method == "repo_map" and result.files == 2_000
    [request] = gemini.requests
    assert request.text_tokens <= budget, f"{request.text_tokens} > {budget}"
    assert "core/registry.py:" in request.user_text
    assert "class CoreRegistry" in request.user_text
    assert "Repo map" in request.user_text and "of 5999 definitions" in request.user_text
    assert result.note is not None and "highest-ranked" in result.note


async def test_model_failure_is_an_upstream_error(
    model_ctx: ToolContext, workspace: Path, gemini: FakeGemini
) -> None:
    (workspace / "calc.py").write_text(CALC)
    gemini.responder = None
    gemini.script(Reply.error(500, "boom"))
    with pytest.raises(UpstreamError) as caught:
        await summarize(model_ctx, "calc.py")
    assert caught.value.service == "model" and "summary model failed" in str(caught.value)


async def test_summarize_is_registered_as_a_long_running_model_tool() -> None:
    spec = get_tool("summarize")
    assert spec.credential == "model" and spec.long_running and not spec.writes
    schema = spec.parameters_schema()
    assert set(schema["properties"]) == {"path", "focus", "budget_tokens"}
    assert "$ref" not in str(schema)


def symbol(name: str, line: int, doc: str | None = None) -> Symbol:
    return Symbol(
        kind="function",
        name=name,
        start_line=line,
        end_line=line + 1,
        signature=f"def {name}()",
        doc=doc,
    )


def test_repo_map_ranks_by_use_and_respects_the_budget() -> None:
    outlines = [
        FileOutline(
            path="lib.py",
            language="python",
            supported=True,
            symbols=(symbol("popular_function", 1), symbol("lonely_function", 5)),
        ),
        *[
            FileOutline(
                path=f"app{i}.py",
                language="python",
                supported=True,
                symbols=(symbol(f"main_entry_{i}", 1),),
            )
            for i in range(10)
        ],
    ]
    refs = {f"app{i}.py": scan(b"popular_function() popular_function()") for i in range(10)}
    refs["lib.py"] = scan(b"")
    full = build_repo_map(outlines, refs, budget_tokens=10_000)
    assert full.ranked[0].symbol.name == "popular_function"
    assert full.symbols_shown == full.symbols_total == 12
    small = build_repo_map(outlines, refs, budget_tokens=15)
    assert small.tokens <= 15 and small.symbols_shown >= 1
    assert "popular_function" in small.text
    focused = build_repo_map(outlines, refs, budget_tokens=15, focus="main_entry_7")
    assert "main_entry_7" in focused.text


def test_chunk_plan_and_spread_use_the_budget() -> None:
    count, size = chunk_plan(10_000, 500)
    assert count * (size + 500) <= 10_000 and count >= 5
    assert chunk_plan(600, 500) == (0, 0)
    assert chunk_plan(900, 500) == (1, 400)
    assert spread(10, 3) == [0, 4, 9] or spread(10, 3) == [0, 5, 9]
    assert spread(3, 8) == [0, 1, 2] and spread(5, 0) == []


async def test_empty_directory_and_binary_file(ctx: ToolContext, workspace: Path) -> None:
    (workspace / "empty").mkdir()
    result = await summarize(ctx, "empty")
    assert result.files == 0 and result.key_parts == [] and "no model was used" in result.purpose
    (workspace / "blob.bin").write_bytes(b"\x00\x01binary" * 100)
    with pytest.raises(BinaryFile):
        await summarize(ctx, "blob.bin")
