"""Workspace files as MCP resources: ``file://`` URIs inside the root, through the same sandbox.

The template is ``file://{root}/{+path}``; reading resolves the path with ``Workspace.resolve``
(symlinks, ``..``, secret files refused), opens it beneath the workspace's root descriptor like
``read_file`` does (no symlink followed, regular files only) and caps the size. A listing
offers the first files of the tree (as ``list_files`` walks it) so clients can attach them
without typing a path.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes, urlsplit

import anyio.to_thread
import mcp_types as types
from mcp.shared.exceptions import MCPError

from tools.context import ToolContext
from tools.errors import InvalidArgument, NotFound, TooLarge, ToolError
from tools.workspace import Workspace

RESOURCE_NOT_FOUND = -32002
"""The MCP error code for a resource that does not exist."""

LISTED_FILES = 200
"""How many files ``resources/list`` offers (the template reaches every other file)."""


def file_uri(path: Path) -> str:
    """A ``file://`` URI; a name that is not UTF-8 keeps its raw bytes, percent-encoded."""
    return "file://" + quote(os.fsencode(path.as_posix()))


def template(workspace: Workspace) -> types.ResourceTemplate:
    return types.ResourceTemplate(
        name="workspace-file",
        title="Workspace file",
        uri_template=file_uri(workspace.root).rstrip("/") + "/{+path}",
        description=f"A file inside the workspace root {workspace.root}, by its relative path.",
    )


async def list_files(ctx: ToolContext, limit: int = LISTED_FILES) -> list[types.Resource]:
    """The first files of the tree as ``list_files`` walks it (.gitignore, hidden, secrets)."""
    from tools.files.list_files import list_files as walk

    try:
        listing = await walk(ctx, glob="*", limit=limit)
    except ToolError as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=str(exc)) from None
    return [
        types.Resource(
            name=entry.path,  # names that are not UTF-8 in the escaped form (\xHH)
            uri=file_uri(ctx.workspace.resolve(entry.path)),
            mime_type=mimetypes.guess_type(entry.path)[0],
            size=entry.size,
        )
        for entry in listing.entries
        if entry.kind == "file"
    ]


def _path_of(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise InvalidArgument(f"{uri!r} is not a file:// URI")
    if parts.netloc not in ("", "localhost"):
        raise InvalidArgument(f"{uri!r} names host {parts.netloc!r}; only local files are served")
    return os.fsdecode(unquote_to_bytes(parts.path))  # raw bytes back, as the listing gave them


def _read(ctx: ToolContext, uri: str) -> types.TextResourceContents | types.BlobResourceContents:
    workspace = ctx.workspace
    relative = workspace.relative(workspace.resolve(_path_of(uri)))
    limit = ctx.settings.max_read_bytes
    # beneath the root descriptor, no symlink followed, regular files only, never blocking
    with workspace.opened(relative) as handle:
        size = handle.info.st_size
        if size > limit:
            raise TooLarge(f"{uri!r} is {size} bytes; resources are served up to {limit} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{uri!r} grew past {limit} bytes while it was read")
    mime = mimetypes.guess_type(relative)[0]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        blob = base64.b64encode(data).decode("ascii")
        return types.BlobResourceContents(
            uri=uri, mime_type=mime or "application/octet-stream", blob=blob
        )
    return types.TextResourceContents(uri=uri, mime_type=mime or "text/plain", text=text)


async def read(ctx: ToolContext, uri: str) -> types.ReadResourceResult:
    """One workspace file; sandbox refusals and missing files are MCP errors with a message."""
    try:
        contents = await anyio.to_thread.run_sync(_read, ctx, uri)
    except NotFound as exc:
        raise MCPError(code=RESOURCE_NOT_FOUND, message=str(exc)) from None
    except ToolError as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=str(exc)) from None
    except OSError as exc:
        raise MCPError(
            code=types.INVALID_PARAMS, message=f"{uri!r} cannot be read: {exc}"
        ) from None
    return types.ReadResourceResult(contents=[contents])
