"""The presets (``agent.presets``) as MCP prompts, and workspace paths as their completions.

Each preset is a prompt with a required ``path`` (a workspace file or directory) and an optional
``focus`` (what to look at in particular); ``prompts/get`` returns exactly the text
``fast-genai ask "FOCUS" --preset NAME --path PATH`` sends to the model, as one user message.
``completion/complete`` on ``path`` (and on the ``{+path}`` of the workspace-file resource
template) suggests the entries of the directory typed so far, as ``list_files`` sees them
(.gitignore, hidden and secret files left out), directories with a trailing ``/``.
"""

from __future__ import annotations

import posixpath

import mcp_types as types
from mcp.shared.exceptions import MCPError

from agent.presets import PRESETS, preset_prompt
from tools.context import ToolContext
from tools.errors import ToolError

PATH_ARGUMENT = "path"
FOCUS_ARGUMENT = "focus"
MAX_COMPLETIONS = 100
"""The most values one completion may carry (the MCP limit)."""
SCANNED_ENTRIES = 1000
"""How many entries of the typed directory are looked at for completions."""


def listing() -> list[types.Prompt]:
    """One prompt per preset, in the presets' order."""
    return [
        types.Prompt(
            name=preset.name,
            title=preset.title,
            description=preset.task,
            arguments=[
                types.PromptArgument(
                    name=PATH_ARGUMENT,
                    description="The workspace file or directory to work on, relative to the "
                    "workspace root (completion suggests paths).",
                    required=True,
                ),
                types.PromptArgument(
                    name=FOCUS_ARGUMENT,
                    description="Optional: what to pay attention to, or other context.",
                    required=False,
                ),
            ],
        )
        for preset in PRESETS.values()
    ]


def get(params: types.GetPromptRequestParams) -> types.GetPromptResult:
    """The preset's prompt text for ``path`` (and ``focus``); bad arguments are INVALID_PARAMS."""
    preset = PRESETS.get(params.name)
    if preset is None:
        known = ", ".join(PRESETS)
        raise MCPError(
            code=types.INVALID_PARAMS, message=f"unknown prompt {params.name!r}; prompts: {known}"
        )
    arguments = params.arguments or {}
    unknown = sorted(set(arguments) - {PATH_ARGUMENT, FOCUS_ARGUMENT})
    if unknown:
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"prompt {preset.name!r} takes path and focus, not {', '.join(unknown)}",
        )
    path = arguments.get(PATH_ARGUMENT, "")
    if not path.strip():
        raise MCPError(
            code=types.INVALID_PARAMS,
            message=f"prompt {preset.name!r} needs a path: the workspace file or directory",
        )
    text = preset_prompt(preset.name, path=path, context=arguments.get(FOCUS_ARGUMENT))
    message = types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
    return types.GetPromptResult(description=preset.title, messages=[message])


async def workspace_paths(ctx: ToolContext, typed: str) -> types.Completion:
    """Entries of the directory ``typed`` is in whose names start with what follows its last
    ``/``; nothing for a directory that does not exist or is outside the workspace."""
    from tools.files.list_files import list_files

    directory, _, prefix = typed.rpartition("/")
    try:
        found = await list_files(ctx, path=directory or ".", max_depth=1, limit=SCANNED_ENTRIES)
    except ToolError:
        return types.Completion(values=[], total=0, has_more=False)
    values = [
        entry.path + ("/" if entry.kind == "dir" else "")
        for entry in found.entries
        if posixpath.basename(entry.path).startswith(prefix)
    ]
    return types.Completion(
        values=values[:MAX_COMPLETIONS],
        total=len(values),
        has_more=len(values) > MAX_COMPLETIONS or found.truncated,
    )


def completes_a_path(params: types.CompleteRequestParams) -> bool:
    """Whether the request asks for a workspace path: a preset's ``path`` or the template's."""
    if params.argument.name != PATH_ARGUMENT:
        return False
    if isinstance(params.ref, types.PromptReference):
        return params.ref.name in PRESETS
    return params.ref.uri.endswith("/{+path}")
