"""Which tools a server exposes: the ``--read-only`` and ``--tools`` switches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tools.errors import InvalidArgument
from tools.spec import ToolSpec


@dataclass(frozen=True)
class ToolFilter:
    """Read-only hides every write tool; ``only`` keeps the named tools (``None``: all)."""

    read_only: bool = False
    only: frozenset[str] | None = None

    @classmethod
    def parse(
        cls, *, read_only: bool = False, tools: str | Sequence[str] | None = None
    ) -> ToolFilter:
        """A filter from the command-line form (``"a,b,c"`` or a list of names)."""
        if tools is None:
            return cls(read_only=read_only)
        names = tools.split(",") if isinstance(tools, str) else list(tools)
        cleaned = frozenset(name.strip() for name in names if name.strip())
        if not cleaned:
            raise InvalidArgument("--tools needs at least one tool name")
        return cls(read_only=read_only, only=cleaned)

    def allows(self, spec: ToolSpec) -> bool:
        if self.read_only and spec.writes:
            return False
        return self.only is None or spec.name in self.only

    def select(self, specs: Iterable[ToolSpec]) -> dict[str, ToolSpec]:
        """The allowed tools by name, in registry order; unknown ``only`` names are refused."""
        specs = tuple(specs)
        if self.only is not None:
            unknown = sorted(self.only - {spec.name for spec in specs})
            if unknown:
                known = ", ".join(spec.name for spec in specs)
                raise InvalidArgument(
                    f"unknown tool name(s) in --tools: {', '.join(unknown)}; known tools: {known}"
                )
        return {spec.name: spec for spec in specs if self.allows(spec)}

    def refusal(self, name: str, specs: Iterable[ToolSpec]) -> str:
        """Why ``name`` cannot be called on this server."""
        spec = next((s for s in specs if s.name == name), None)
        if spec is None:
            return f"unknown tool {name!r}"
        if self.read_only and spec.writes:
            return f"tool {name!r} writes and this server runs read-only (--read-only)"
        return f"tool {name!r} is not enabled on this server (--tools)"
