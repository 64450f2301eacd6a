"""Which tree-sitter grammar outlines a file: extension -> language -> grammar wheel.

Grammars come from the official per-language wheels (``tree-sitter-python`` ...), imported on
first use so that importing this module stays cheap. Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language


@dataclass(frozen=True)
class Grammar:
    """Where a language's grammar lives: a wheel's module and its language function."""

    module: str
    function: str
    distribution: str


GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python", "language", "tree-sitter-python"),
    "javascript": Grammar("tree_sitter_javascript", "language", "tree-sitter-javascript"),
    "typescript": Grammar(
        "tree_sitter_typescript", "language_typescript", "tree-sitter-typescript"
    ),
    "tsx": Grammar("tree_sitter_typescript", "language_tsx", "tree-sitter-typescript"),
    "go": Grammar("tree_sitter_go", "language", "tree-sitter-go"),
    "rust": Grammar("tree_sitter_rust", "language", "tree-sitter-rust"),
    "java": Grammar("tree_sitter_java", "language", "tree-sitter-java"),
    "c": Grammar("tree_sitter_c", "language", "tree-sitter-c"),
    "cpp": Grammar("tree_sitter_cpp", "language", "tree-sitter-cpp"),
    "ruby": Grammar("tree_sitter_ruby", "language", "tree-sitter-ruby"),
    "c_sharp": Grammar("tree_sitter_c_sharp", "language", "tree-sitter-c-sharp"),
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
    ".h++": "cpp",
    ".ipp": "cpp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".cs": "c_sharp",
}

FILE_NAMES: dict[str, str] = {"Rakefile": "ruby", "Gemfile": "ruby"}


def language_for_path(path: str | PurePath) -> str | None:
    """The language of a file from its name, or ``None`` when no grammar covers it."""
    text = path if isinstance(path, str) else str(path)
    name = text[max(text.rfind("/"), text.rfind("\\")) + 1 :]
    by_name = FILE_NAMES.get(name)
    if by_name is not None:
        return by_name
    dot = name.rfind(".")
    if dot <= 0:
        return None
    return EXTENSIONS.get(name[dot:].lower())


def supported_languages() -> list[str]:
    return sorted(GRAMMARS)


@cache
def load_language(name: str) -> Language:
    """The tree-sitter ``Language`` for ``name`` (imported from its wheel once per process)."""
    from tree_sitter import Language

    grammar = GRAMMARS[name]
    module = importlib.import_module(grammar.module)
    return Language(getattr(module, grammar.function)())


@cache
def grammar_version(name: str) -> str:
    """The grammar wheel's and tree-sitter's versions: part of every outline cache key."""
    grammar = GRAMMARS[name]
    return f"{grammar.distribution}=={metadata.version(grammar.distribution)};" + (
        f"tree-sitter=={metadata.version('tree-sitter')}"
    )
