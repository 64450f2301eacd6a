"""A repo map: the definitions that matter most in a tree, ranked, trimmed to a token budget.

Like aider's repo map, but on what ``code_outline`` already has cached: definitions (tree-sitter
outlines) are the nodes' contents, and a file that uses an identifier another file defines gets
an edge to it (weighted by the square root of the use count, divided among the files defining
that name; private and very common names weigh less, names matching ``focus`` more). Files are
ranked by PageRank over those edges (personalized toward ``focus``), each file's rank is shared
out among the definitions it is referenced for, and the best definitions are rendered as
``path:`` blocks of ``line: signature  # doc`` lines until the budget is spent.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.code.identifiers import FileReferences
from tools.code.outline_model import FileOutline, Symbol

CHARS_PER_TOKEN = 4
DAMPING = 0.85
ITERATIONS = 30
COMMON_DEFINERS = 5
"""A name defined in more files than this says little about which one is meant."""
MAX_DEFINERS = 8
"""A name defined in more files than this (``main``, ``setUp``) makes no edges at all: split
that many ways (and weighted down as common) its edges would barely move a rank."""
MAX_EDGES_PER_FILE = 25
"""Only a file's strongest dependencies count (keeps the graph, and the ranking, small)."""
TOLERANCE = 1e-5
"""PageRank stops when the ranks (which sum to 1) move less than this in total."""
MAX_RANKED = 5_000
"""Definitions kept in ``RepoMap.ranked`` (far more than any budget renders)."""


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` for budgeting: one per four characters, rounded up."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass(frozen=True)
class RankedSymbol:
    path: str
    symbol: Symbol
    score: float


@dataclass(frozen=True)
class RepoMap:
    text: str
    """The rendered map (within the budget)."""
    tokens: int
    files_total: int
    files_shown: int
    symbols_total: int
    symbols_shown: int
    ranked: tuple[RankedSymbol, ...]
    """The best definitions (up to ``MAX_RANKED``), best first."""
    file_rank: Mapping[str, float]


def build_repo_map(
    outlines: Sequence[FileOutline],
    references: Mapping[str, FileReferences],
    *,
    budget_tokens: int,
    focus: str | None = None,
) -> RepoMap:
    """Rank the definitions of ``outlines`` and render the best within ``budget_tokens``."""
    files = [outline for outline in outlines if outline.supported]
    focus_terms = _terms(focus)
    ranked, file_rank = rank_symbols(files, references, focus_terms)
    text, files_shown, symbols_shown = render(ranked, budget_tokens)
    return RepoMap(
        text=text,
        tokens=estimate_tokens(text),
        files_total=len(outlines),
        files_shown=files_shown,
        symbols_total=sum(len(outline.symbols) for outline in files),
        symbols_shown=symbols_shown,
        ranked=tuple(ranked),
        file_rank=file_rank,
    )


def rank_symbols(
    files: Sequence[FileOutline],
    references: Mapping[str, FileReferences],
    focus_terms: frozenset[str] = frozenset(),
) -> tuple[list[RankedSymbol], dict[str, float]]:
    """The best definitions with their scores, best first, and the PageRank of every file."""
    definers: dict[str, list[str]] = defaultdict(list)
    for outline in files:
        for name in {symbol.name for symbol in outline.symbols}:
            definers[name].append(outline.path)

    weights = {
        name: _weight(name, len(where), focus_terms) / len(where)
        for name, where in definers.items()
        if len(where) <= MAX_DEFINERS
    }
    edges: dict[str, dict[str, float]] = {}
    uses: dict[str, list[tuple[str, float]]] = {}
    for path, refs in references.items():
        out: defaultdict[str, float] = defaultdict(float)
        used: list[tuple[str, float]] = []
        identifiers = refs.identifiers
        for name in identifiers.keys() & weights.keys():
            share = weights[name] * math.sqrt(identifiers[name])
            for target in definers[name]:
                if target != path:
                    out[target] += share
            used.append((name, share))
        if out:
            strongest = sorted(out.items(), key=lambda item: -item[1])[:MAX_EDGES_PER_FILE]
            edges[path] = dict(strongest)
            uses[path] = used

    nodes = sorted({outline.path for outline in files} | set(edges))
    personal = _personalization(nodes, files, focus_terms)
    rank = pagerank(nodes, edges, personal)

    symbol_score: defaultdict[tuple[str, str], float] = defaultdict(float)
    for path, used in uses.items():
        kept = edges[path]
        give = rank[path] / sum(kept.values())
        for name, share in used:
            for target in definers[name]:
                if target in kept:
                    symbol_score[(target, name)] += give * share

    scored: list[tuple[float, str, Symbol]] = []
    for outline in files:
        base = rank.get(outline.path, 0.0)
        for symbol in outline.symbols:
            score = symbol_score.get((outline.path, symbol.name), 0.0)
            # Unreferenced definitions keep a little of their file's rank, top-level ones more.
            floor = base * (0.02 if symbol.parent is None else 0.005)
            if symbol.doc:
                floor *= 1.5
            # Definitions named in the focus come first (ranks sum to 1).
            bonus = 1.0 if symbol.name.lower() in focus_terms else 0.0
            scored.append((score + floor + bonus, outline.path, symbol))
    best = heapq.nlargest(MAX_RANKED, scored, key=lambda item: item[0])
    best.sort(key=lambda item: (-item[0], item[1], item[2].start_line))
    ranked = [RankedSymbol(path, symbol, score) for score, path, symbol in best]
    return ranked, rank


def pagerank(
    nodes: Sequence[str],
    edges: Mapping[str, Mapping[str, float]],
    personal: Mapping[str, float],
) -> dict[str, float]:
    """PageRank by power iteration; dangling nodes give their rank to ``personal``."""
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    base = [personal[node] for node in nodes]
    links: list[tuple[int, list[tuple[int, float]]]] = []
    for node, out in edges.items():
        total = sum(out.values())
        if total > 0:
            links.append((index[node], [(index[t], w / total) for t, w in out.items()]))
    linked = {source for source, _ in links}
    dangling_nodes = [i for i in range(len(nodes)) if i not in linked]
    rank = list(base)
    for _ in range(ITERATIONS):
        dangling = sum(rank[i] for i in dangling_nodes)
        scale = (1 - DAMPING) + DAMPING * dangling
        fresh = [scale * b for b in base]
        for source, targets in links:
            give = DAMPING * rank[source]
            for target, weight in targets:
                fresh[target] += give * weight
        change = sum(abs(a - b) for a, b in zip(fresh, rank, strict=True))
        rank = fresh
        if change < TOLERANCE:
            break
    return {node: rank[i] for node, i in index.items()}


def render(ranked: Sequence[RankedSymbol], budget_tokens: int) -> tuple[str, int, int]:
    """The best definitions as ``path:`` blocks (in path order) within the budget.

    Returns the text, the number of files and of definitions shown.
    """
    budget_chars = max(0, budget_tokens) * CHARS_PER_TOKEN
    chosen: dict[str, list[Symbol]] = defaultdict(list)
    used = 0
    shown = 0
    for item in ranked:
        line = symbol_line(item.symbol)
        cost = len(line) + 1 + (0 if item.path in chosen else len(item.path) + 2)
        if used + cost > budget_chars:
            if used + 40 > budget_chars:
                break
            continue
        chosen[item.path].append(item.symbol)
        used += cost
        shown += 1
    blocks = []
    for path in sorted(chosen):
        symbols = sorted(chosen[path], key=lambda symbol: symbol.start_line)
        blocks.append(path + ":\n" + "\n".join(symbol_line(symbol) for symbol in symbols))
    return "\n".join(blocks), len(chosen), shown


def symbol_line(symbol: Symbol) -> str:
    indent = "    " if symbol.parent else "  "
    line = f"{indent}{symbol.start_line}: {symbol.signature or symbol.kind + ' ' + symbol.name}"
    if symbol.doc:
        line += f"  # {symbol.doc}"
    return line


def _weight(name: str, definer_count: int, focus_terms: frozenset[str]) -> float:
    """How much a use of ``name`` says about a dependency (aider's heuristics, roughly)."""
    weight = 1.0
    if name.lower() in focus_terms:
        weight *= 10
    compound = "_" in name.strip("_") or (name != name.lower() and name != name.upper())
    if len(name) >= 8 and compound:
        weight *= 10
    elif len(name) < 5:
        weight *= 0.1
    if name.startswith("_") and not name.startswith("__"):
        weight *= 0.1
    if name.startswith("__") and name.endswith("__"):
        weight *= 0.05
    if definer_count > COMMON_DEFINERS:
        weight *= 0.1
    return weight


def _terms(focus: str | None) -> frozenset[str]:
    if not focus:
        return frozenset()
    return frozenset(word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", focus))


def _personalization(
    nodes: Sequence[str], files: Sequence[FileOutline], focus_terms: frozenset[str]
) -> dict[str, float]:
    weights = dict.fromkeys(nodes, 1.0)
    if focus_terms:
        for outline in files:
            path_words = set(re.split(r"[^a-z0-9_]+", outline.path.lower()))
            names = {symbol.name.lower() for symbol in outline.symbols}
            if focus_terms & (path_words | names):
                weights[outline.path] = 50.0
    total = sum(weights.values())
    return {node: weight / total for node, weight in weights.items()}
