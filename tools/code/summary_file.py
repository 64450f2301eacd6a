"""Summarizing one file: whole when it fits the budget, else map-reduce from outline + chunks.

Map-reduce never sends the whole file. The budget is split: the final request gets the file's
outline (trimmed) and one note per chunk; the chunks, evenly spaced through the file (the first
and last included), each get a small request of their own that writes a note. Every request,
and their total, stays within ``budget_tokens``.
"""

from __future__ import annotations

from tools.code.outline_model import FileOutline
from tools.code.repo_map import CHARS_PER_TOKEN, estimate_tokens, symbol_line
from tools.code.summary_llm import NOTE_MAX_TOKENS, ModelCalls, note_overhead, summary_overhead
from tools.code.summary_source import SourceText
from tools.code.summary_structural import file_structural
from tools.code.summary_types import ModelSummary, SummarizeResult
from tools.context import ToolContext

MAX_CHUNKS = 8
MAX_CHUNK_TOKENS = 3_000
TARGET_CHUNK_TOKENS = 1_200
MIN_CHUNK_TOKENS = 200
OUTLINE_SHARE = 0.35
SECTION_TOKENS = 30
"""The final prompt's section titles."""
CHUNK_HEADER_TOKENS = 40
"""A chunk prompt's first line, and its note's line range in the final prompt."""


async def summarize_file(
    ctx: ToolContext, source: SourceText, *, budget_tokens: int, focus: str | None
) -> SummarizeResult:
    model = ctx.summary_model
    if model is None:
        return file_structural(source, budget_tokens)
    calls = ModelCalls(model)
    header = _header(source, focus)
    numbered = numbered_lines(source.lines, 1)
    if summary_overhead() + estimate_tokens(header + numbered) <= budget_tokens:
        await ctx.progress(0, 1, f"summarizing {source.relative}")
        summary = await calls.summary(header + numbered)
        method = "whole"
    else:
        summary = await _map_reduce(ctx, calls, source, header, budget_tokens)
        method = "map_reduce"
    language = source.outline.language
    return SummarizeResult(
        path=source.relative,
        kind="file",
        purpose=summary.purpose,
        key_parts=summary.key_parts,
        risks=summary.risks,
        model_used=True,
        model=calls.name,
        method=method,
        note=None
        if method == "whole"
        else "summarized from the outline and sampled chunks; not every line was read",
        files=1,
        bytes=source.size,
        languages={language: 1} if language else {},
        budget_tokens=budget_tokens,
        tokens_sent=calls.tokens_sent,
        model_requests=calls.requests,
    )


async def _map_reduce(
    ctx: ToolContext, calls: ModelCalls, source: SourceText, header: str, budget: int
) -> ModelSummary:
    lines = source.lines
    reduce_fixed = summary_overhead() + estimate_tokens(header) + SECTION_TOKENS
    outline = outline_text(source.outline, max(100, int(budget * OUTLINE_SHARE)))
    remaining = budget - reduce_fixed - estimate_tokens(outline)
    count, chunk_tokens = chunk_plan(
        remaining, note_overhead() + NOTE_MAX_TOKENS + CHUNK_HEADER_TOKENS
    )
    windows = line_windows(lines, chunk_tokens * CHARS_PER_TOKEN)
    chosen = spread(len(windows), count)
    notes: list[str] = []
    for done, index in enumerate(chosen):
        await ctx.progress(done, len(chosen) + 1, f"reading part {done + 1} of {len(chosen)}")
        start, end = windows[index]
        body = numbered_lines(lines[start:end], start + 1)[: chunk_tokens * CHARS_PER_TOKEN]
        prompt = f"{source.relative}, lines {start + 1}-{end} of {len(lines)}:\n{body}"
        notes.append(f"lines {start + 1}-{end}: {await calls.note(prompt)}")
    await ctx.progress(len(chosen), len(chosen) + 1, "writing the summary")
    parts = "\n".join(notes) if notes else "(no part of the file fit the budget)"
    prompt = f"{header}Outline:\n{outline}\n\nNotes on parts of the file:\n{parts}"
    return await calls.summary(prompt)


def chunk_plan(remaining: int, per_chunk: int) -> tuple[int, int]:
    """How many chunks, of how many tokens, fit in ``remaining`` tokens.

    Chunks of about ``TARGET_CHUNK_TOKENS`` (up to ``MAX_CHUNKS``), then the leftover budget
    shared among them, up to ``MAX_CHUNK_TOKENS`` each; none if not even a small one fits.
    """
    count = min(MAX_CHUNKS, remaining // (per_chunk + TARGET_CHUNK_TOKENS))
    if count == 0:
        small = remaining - per_chunk
        return (1, small) if small >= MIN_CHUNK_TOKENS else (0, 0)
    return count, min(MAX_CHUNK_TOKENS, remaining // count - per_chunk)


def line_windows(lines: list[str], max_chars: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` line ranges of at most ``max_chars`` (numbered) each."""
    width = len(str(len(lines))) + 3
    windows: list[tuple[int, int]] = []
    start, used = 0, 0
    for index, line in enumerate(lines):
        cost = len(line) + width
        if used and used + cost > max_chars:
            windows.append((start, index))
            start, used = index, 0
        used += cost
    if start < len(lines):
        windows.append((start, len(lines)))
    return windows


def spread(total: int, count: int) -> list[int]:
    """``count`` indices evenly spread over ``range(total)``, first and last included."""
    if count <= 0 or total <= 0:
        return []
    if count >= total:
        return list(range(total))
    if count == 1:
        return [0]
    return sorted({round(i * (total - 1) / (count - 1)) for i in range(count)})


def numbered_lines(lines: list[str], first: int) -> str:
    width = len(str(first + len(lines)))
    return "\n".join(f"{n:>{width}}| {line}" for n, line in enumerate(lines, start=first))


def _header(source: SourceText, focus: str | None) -> str:
    language = source.outline.language or "unknown language"
    text = (
        f"Summarize the file {source.relative} ({language}, {len(source.lines)} lines, "
        f"{source.size} bytes)."
    )
    if focus:
        text += f" Focus on: {focus}."
    return text + "\n\n"


def outline_text(outline: FileOutline, budget_tokens: int) -> str:
    """The outline's imports and definitions as lines, cut to the budget."""
    limit = budget_tokens * CHARS_PER_TOKEN
    lines = [f"imports: {'; '.join(outline.imports)}"[:400]] if outline.imports else []
    lines += [symbol_line(symbol) for symbol in outline.symbols]
    out: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit:
            out.append(f"  ... {len(lines) - len(out)} more definitions not shown")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)
