"""The one list of tools. The agent, the MCP server, the web API and the CLI adapt this list.

Adding a tool is one function in its own module plus one entry here. Tool modules import only
cheap things at module level (pydantic, the standard library); heavy clients load on first call.
"""

from __future__ import annotations

from tools.code.code_outline import code_outline
from tools.code.summarize import summarize
from tools.errors import NotFound
from tools.files.create_file import create_file
from tools.files.list_files import list_files
from tools.files.read_file import read_file
from tools.files.search_code import search_code
from tools.integrations.github_file import create_github_file
from tools.integrations.jira_issue import create_jira_issue
from tools.integrations.notion_page import create_notion_page
from tools.integrations.parse_link import parse_link
from tools.spec import ToolSpec

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(list_files, title="List files", idempotent=True),
    ToolSpec(read_file, title="Read a file", idempotent=True),
    ToolSpec(search_code, title="Search code", idempotent=True, long_running=True),
    ToolSpec(code_outline, title="Outline code", idempotent=True, long_running=True),
    ToolSpec(
        summarize,
        title="Summarize code",
        idempotent=True,
        credential="model",
        long_running=True,
    ),
    ToolSpec(parse_link, title="Parse links", idempotent=True),
    ToolSpec(create_file, title="Create a file", writes=True),
    ToolSpec(
        create_github_file,
        title="Create a GitHub file",
        writes=True,
        credential="github",
        open_world=True,
    ),
    ToolSpec(
        create_notion_page,
        title="Create a Notion page",
        writes=True,
        credential="notion",
        open_world=True,
        destructive=False,  # only adds: never changes or deletes what exists
    ),
    ToolSpec(
        create_jira_issue,
        title="Create a Jira issue",
        writes=True,
        credential="jira",
        open_world=True,
        destructive=False,  # only adds: never changes or deletes what exists
    ),
)

_BY_NAME = {spec.name: spec for spec in TOOLS}


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``, or ``NotFound`` listing the known names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise NotFound(f"no tool named {name!r}; known tools: {known}") from None
