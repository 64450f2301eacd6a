"""Which tools a server exposes: ``--read-only``, ``--tools`` and ``--toolsets``, and the same
choice made per HTTP request (``X-MCP-Toolsets`` / ``X-MCP-Readonly`` or ``?toolsets=`` /
``?readonly=``).

A toolset is the tools' package: ``files`` (list, read, search, create a file), ``code``
(outline, summarize), ``integrations`` (links, GitHub, Notion, Jira); ``all`` means every one.
As in the GitHub MCP server, ``--toolsets`` and ``--tools`` add up (the toolsets' tools plus the
named ones), and read-only then takes the writes away. A request can only narrow what the server
serves: it never turns a hidden tool or a write of a read-only server back on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tools.errors import InvalidArgument
from tools.spec import ToolSpec

TOOLSETS: tuple[str, ...] = ("files", "code", "integrations")
ALL_TOOLSETS = "all"
TOOLSETS_HEADER = "X-MCP-Toolsets"
READONLY_HEADER = "X-MCP-Readonly"
TOOLSETS_PARAM = "toolsets"
READONLY_PARAM = "readonly"
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def toolset_of(spec: ToolSpec) -> str | None:
    """The toolset of a registry tool (``tools.<toolset>.<module>``); ``None`` for others."""
    parts = spec.func.__module__.split(".")
    if len(parts) >= 3 and parts[0] == "tools" and parts[1] in TOOLSETS:
        return parts[1]
    return None


def _names(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def parse_toolsets(value: str | Sequence[str] | None, source: str) -> frozenset[str] | None:
    """``"files,code"`` as a set; ``None`` (every toolset) for no value or ``all``."""
    if value is None:
        return None
    names = _names(value)
    if not names:
        raise InvalidArgument(f"{source} needs at least one toolset: {', '.join(TOOLSETS)}, all")
    if ALL_TOOLSETS in names:
        return None
    unknown = sorted(set(names) - set(TOOLSETS))
    if unknown:
        raise InvalidArgument(
            f"unknown toolset(s) in {source}: {', '.join(unknown)}; "
            f"toolsets: {', '.join(TOOLSETS)}, all"
        )
    return frozenset(names)


@dataclass(frozen=True)
class ToolFilter:
    """Read-only hides every write tool; ``only`` and ``toolsets`` keep the named tools and the
    tools of the named toolsets (``None`` for both: every tool)."""

    read_only: bool = False
    only: frozenset[str] | None = None
    toolsets: frozenset[str] | None = None

    @classmethod
    def parse(
        cls,
        *,
        read_only: bool = False,
        tools: str | Sequence[str] | None = None,
        toolsets: str | Sequence[str] | None = None,
    ) -> ToolFilter:
        """A filter from the command-line form (``"a,b,c"`` or a list of names)."""
        only = None
        if tools is not None:
            only = frozenset(_names(tools))
            if not only:
                raise InvalidArgument("--tools needs at least one tool name")
        return cls(read_only=read_only, only=only, toolsets=parse_toolsets(toolsets, "--toolsets"))

    def allows(self, spec: ToolSpec) -> bool:
        if self.read_only and spec.writes:
            return False
        if self.only is None and self.toolsets is None:
            return True
        named = self.only is not None and spec.name in self.only
        grouped = self.toolsets is not None and toolset_of(spec) in self.toolsets
        return named or grouped

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
        return f"tool {name!r} is not enabled on this server (--tools/--toolsets)"


def _one(
    name: str, header: str, param: str, headers: Mapping[str, str], query: Mapping[str, str]
) -> str | None:
    from_header = headers.get(header)
    from_query = query.get(param)
    if (
        from_header is not None
        and from_query is not None
        and from_header.strip() != from_query.strip()
    ):
        raise InvalidArgument(
            f"two {name} choices: {from_query!r} in the URL (?{param}=), {from_header!r} in the "
            f"{header} header",
            hint="give one, or the same in both",
        )
    return from_header if from_header is not None else from_query


def request_filter(headers: Mapping[str, str], query: Mapping[str, str]) -> ToolFilter | None:
    """What one HTTP request asks for (``None``: nothing, the server's own choice applies).

    ``headers`` must look names up case-insensitively (Starlette's ``Headers`` does).
    """
    toolsets = _one("toolsets", TOOLSETS_HEADER, TOOLSETS_PARAM, headers, query)
    readonly = _one("read-only", READONLY_HEADER, READONLY_PARAM, headers, query)
    if toolsets is None and readonly is None:
        return None
    read_only = False
    if readonly is not None:
        flag = readonly.strip().lower()
        if flag not in _TRUE + _FALSE:
            raise InvalidArgument(
                f"{READONLY_HEADER} / ?{READONLY_PARAM}= must be true or false, not {readonly!r}"
            )
        read_only = flag in _TRUE
    source = f"{TOOLSETS_HEADER} / ?{TOOLSETS_PARAM}="
    return ToolFilter(read_only=read_only, toolsets=parse_toolsets(toolsets, source))
