"""The one list of tools. The agent, the MCP server, the web API and the CLI adapt this list.

Adding a tool is one function in its own module plus one entry here. Tool modules import only
cheap things at module level (pydantic, the standard library); heavy clients load on first call.

A tool's module is imported when the tool is first asked for: :func:`get_tool` loads one
module, ``TOOLS`` (built on first access) loads them all. A command that calls one tool (the
CLI's ``tools call``) then pays for that tool's imports only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tools.errors import NotFound
from tools.spec import ToolSpec

_ENTRIES: dict[str, tuple[str, dict[str, Any]]] = {
    "list_files": ("tools.files.list_files", {"title": "List files", "idempotent": True}),
    "read_file": ("tools.files.read_file", {"title": "Read a file", "idempotent": True}),
    "search_code": (
        "tools.files.search_code",
        {"title": "Search code", "idempotent": True, "long_running": True},
    ),
    "code_outline": (
        "tools.code.code_outline",
        {"title": "Outline code", "idempotent": True, "long_running": True},
    ),
    "summarize": (
        "tools.code.summarize",
        {
            "title": "Summarize code",
            "idempotent": True,
            "credential": "model",
            "long_running": True,
        },
    ),
    "parse_link": (
        "tools.integrations.parse_link",
        {"title": "Parse links", "idempotent": True},
    ),
    "create_file": ("tools.files.create_file", {"title": "Create a file", "writes": True}),
    "create_github_file": (
        "tools.integrations.github_file",
        {
            "title": "Create a GitHub file",
            "writes": True,
            "credential": "github",
            "open_world": True,
        },
    ),
    "create_notion_page": (
        "tools.integrations.notion_page",
        {
            "title": "Create a Notion page",
            "writes": True,
            "credential": "notion",
            "open_world": True,
            "destructive": False,  # only adds: never changes or deletes what exists
        },
    ),
    "create_jira_issue": (
        "tools.integrations.jira_issue",
        {
            "title": "Create a Jira issue",
            "writes": True,
            "credential": "jira",
            "open_world": True,
            "destructive": False,  # only adds: never changes or deletes what exists
        },
    ),
}
"""Each tool's name (its function's name in its module), module and metadata, in order."""

_LOADED: dict[str, ToolSpec] = {}

if TYPE_CHECKING:
    TOOLS: tuple[ToolSpec, ...]


def tool_names() -> tuple[str, ...]:
    """Every tool's name, in registry order, without importing any tool."""
    return tuple(_ENTRIES)


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``, or ``NotFound`` listing the known names."""
    spec = _LOADED.get(name)
    if spec is not None:
        return spec
    try:
        module, metadata = _ENTRIES[name]
    except KeyError:
        known = ", ".join(sorted(_ENTRIES))
        raise NotFound(f"no tool named {name!r}; known tools: {known}") from None
    spec = ToolSpec(getattr(importlib.import_module(module), name), **metadata)
    return _LOADED.setdefault(name, spec)


def __getattr__(attribute: str) -> Any:
    """``TOOLS``: every tool (importing every tool module once)."""
    if attribute == "TOOLS":
        tools = tuple(get_tool(name) for name in _ENTRIES)
        globals()["TOOLS"] = tools
        return tools
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
