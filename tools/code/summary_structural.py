"""Summaries without a model: languages, sizes, main definitions, docstrings, TODOs.

What ``summarize`` answers when no model is configured; the result says that no model was used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tools.code.identifiers import FileReferences
from tools.code.outline_model import Symbol
from tools.code.repo_map import RepoMap
from tools.code.summary_source import SourceText
from tools.code.summary_types import KeyPart, SummarizeResult

MAX_KEY_PARTS = 15
MAX_RISKS = 15
NO_MODEL_NOTE = (
    "no model is configured, so this is a structural summary (no model was used); "
    "set GEMINI_API_KEY for a written one"
)


def file_structural(source: SourceText, budget_tokens: int) -> SummarizeResult:
    outline = source.outline
    top = [symbol for symbol in outline.symbols if symbol.parent is None] or list(outline.symbols)
    key_parts = [
        KeyPart(
            name=symbol.name,
            location=f"{source.relative}:{symbol.start_line}",
            role=symbol.doc or symbol.signature or symbol.kind,
        )
        for symbol in top[:MAX_KEY_PARTS]
    ]
    language = outline.language or "an unsupported language"
    head = _head_comment(source.lines)
    purpose = (
        f"Structural summary (no model was used). {source.relative}: {language}, "
        f"{len(source.lines)} lines, {source.size} bytes, {len(outline.symbols)} definitions"
        f" ({_kinds(outline.symbols)}), {len(outline.imports)} imports."
    )
    if head:
        purpose += f" It starts: {head}"
    return SummarizeResult(
        path=source.relative,
        kind="file",
        purpose=purpose,
        key_parts=key_parts,
        risks=[f"{source.relative}:{line}: {text}" for line, text in source.todos[:MAX_RISKS]],
        model_used=False,
        model=None,
        method="structural",
        note=NO_MODEL_NOTE,
        files=1,
        bytes=source.size,
        languages={outline.language: 1} if outline.language else {},
        budget_tokens=budget_tokens,
        tokens_sent=0,
        model_requests=0,
    )


def directory_structural(
    relative: str,
    repo_map: RepoMap,
    references: Mapping[str, FileReferences],
    *,
    files: int,
    size: int,
    languages: dict[str, int],
    budget_tokens: int,
) -> SummarizeResult:
    key_parts = [
        KeyPart(
            name=item.symbol.qualified_name,
            location=f"{item.path}:{item.symbol.start_line}",
            role=item.symbol.doc or item.symbol.signature or item.symbol.kind,
        )
        for item in repo_map.ranked[:MAX_KEY_PARTS]
    ]
    by_rank = sorted(references, key=lambda path: -repo_map.file_rank.get(path, 0.0))
    risks = [f"{path}:{line}: {text}" for path in by_rank for line, text in references[path].todos][
        :MAX_RISKS
    ]
    top_files = sorted(repo_map.file_rank, key=lambda p: -repo_map.file_rank[p])[:5]
    language_text = ", ".join(f"{name} {count}" for name, count in _by_count(languages))
    purpose = (
        f"Structural summary (no model was used). {relative}: {files} files, {size} bytes; "
        f"languages: {language_text or 'none supported'}; {repo_map.symbols_total} definitions. "
        f"Most central files: {', '.join(top_files) or 'none'}."
    )
    return SummarizeResult(
        path=relative,
        kind="directory",
        purpose=purpose,
        key_parts=key_parts,
        risks=risks,
        model_used=False,
        model=None,
        method="structural",
        note=NO_MODEL_NOTE,
        files=files,
        bytes=size,
        languages=languages,
        budget_tokens=budget_tokens,
        tokens_sent=0,
        model_requests=0,
    )


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _kinds(symbols: Sequence[Symbol]) -> str:
    counts: dict[str, int] = {}
    for symbol in symbols:
        counts[symbol.kind] = counts.get(symbol.kind, 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in _by_count(counts)) or "none"


def _head_comment(lines: Sequence[str]) -> str:
    """The file's leading docstring or comment, up to three lines."""
    picked: list[str] = []
    for line in lines[:40]:
        stripped = line.strip()
        if not stripped and not picked:
            continue
        if stripped.startswith(("#!", "# -*-")):
            continue
        if stripped.startswith(('"""', "'''", "#", "//", "/*", "*", "--")) or (picked and stripped):
            text = stripped.strip("\"'#/*- ").strip()
            if text:
                picked.append(text)
            if len(picked) >= 3 or (picked and stripped.endswith(('"""', "'''", "*/"))):
                break
            continue
        break
    return " ".join(picked)[:300]
