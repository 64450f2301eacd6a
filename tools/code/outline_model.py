"""The outline of source files: symbols with line ranges, imports, and the directory result.

``Symbol`` is a slotted pydantic dataclass rather than a ``BaseModel``: a large directory has
tens of thousands of symbols, and a cached outline is rebuilt from JSON about twice as fast.
File outlines are immutable (frozen, tuples), so one instance can be shared between results.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

SymbolKind = Literal[
    "class",
    "interface",
    "struct",
    "enum",
    "trait",
    "type",
    "module",
    "namespace",
    "function",
    "method",
]


@dataclass(slots=True, frozen=True)
class Symbol:
    """A definition in a file."""

    kind: SymbolKind
    name: str
    start_line: int = Field(
        description="First line (1-based), including decorators, attributes and 'export'."
    )
    end_line: int = Field(description="Last line (1-based, inclusive).")
    signature: str = Field(description="The header up to the body, whitespace collapsed.")
    doc: str | None = Field(
        default=None, description="First line of the docstring or of the comment above."
    )
    parent: str | None = Field(
        default=None,
        description="Qualified name of the enclosing definition, dot-separated "
        "(a Go receiver type, a Rust impl type, a C++ 'Class::' qualifier count as parents).",
    )

    @property
    def qualified_name(self) -> str:
        return f"{self.parent}.{self.name}" if self.parent else self.name


class FileOutline(BaseModel):
    """One file's outline, or why there is none."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Path relative to the workspace root.")
    language: str | None
    supported: bool = Field(description="False when the file was not outlined; see reason.")
    reason: str | None = None
    imports: tuple[str, ...] = Field(
        default=(), description="Import statements, whitespace collapsed, in order."
    )
    symbols: tuple[Symbol, ...] = Field(default=(), description="Definitions in order.")


class CodeOutline(BaseModel):
    """Outlines of a file or of every supported file under a directory."""

    path: str = Field(description="The outlined path, relative to the workspace root.")
    files: list[FileOutline] = Field(
        description="Outlined files sorted by path (for a directory, files in no supported "
        "language are counted in files_unsupported but not listed)."
    )
    files_total: int = Field(
        description="Files considered (after .gitignore and hidden; with after, only files "
        "sorting after it)."
    )
    files_unsupported: int = Field(description="Files in no supported language.")
    truncated: bool = Field(
        description="True when more files exist than this result holds: it stopped at "
        "max_files or at the result size budget. Get the rest with after=next_after, or "
        "outline a narrower path."
    )
    cache_hits: int = Field(description="Files whose outline came from the cache unparsed.")
    next_after: str | None = Field(
        default=None,
        description="When truncated: the last file listed; call again with after set to it "
        "to continue.",
    )
