"""``fast-genai mcp install-config``: the server entry each MCP client needs, with absolute paths.

Clients start a stdio server with their own environment (Claude Desktop does not read the
shell's ``PATH``), so the entry names the absolute path of the ``fast-genai`` that is running this
command (``.venv/bin/fast-genai`` of a clone, or an installed one) and an absolute workspace: no
``uv``, no ``PATH`` lookup, no working directory assumed.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tools.errors import InvalidArgument, NotFound

ClientName = Literal["claude-desktop", "claude-code", "cursor", "vscode"]
CLIENTS: tuple[ClientName, ...] = ("claude-desktop", "claude-code", "cursor", "vscode")


def executable() -> Path:
    """The ``fast-genai`` script of the running installation (beside its Python)."""
    beside = Path(sys.executable).with_name("fast-genai.exe" if os.name == "nt" else "fast-genai")
    if beside.is_file():
        return beside.absolute()
    invoked = Path(sys.argv[0])
    if invoked.name.startswith("fast-genai") and invoked.is_file():
        return invoked.absolute()
    raise NotFound(
        f"cannot find the fast-genai command beside {sys.executable}",
        hint="run this command with the fast-genai you want clients to start "
        "(for a clone: .venv/bin/fast-genai mcp install-config)",
    )


@dataclass(frozen=True)
class ServerEntry:
    """One stdio server: the command and its arguments."""

    name: str
    command: str
    args: list[str]

    def as_json(self, *, typed: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"command": self.command, "args": self.args, "env": {}}
        return {"type": "stdio", **entry} if typed else entry


def server_entry(
    workspace: Path,
    *,
    name: str = "fast-genai",
    read_only: bool = False,
    tools: str | None = None,
    toolsets: str | None = None,
) -> ServerEntry:
    if not workspace.is_dir():
        raise NotFound(f"the workspace {str(workspace)!r} is not a directory")
    args = ["mcp", "--workspace", str(workspace.resolve())]
    if read_only:
        args.append("--read-only")
    if tools:
        args += ["--tools", tools]
    if toolsets:
        args += ["--toolsets", toolsets]
    return ServerEntry(name=name, command=str(executable()), args=args)


def document(client: ClientName, entry: ServerEntry) -> dict[str, Any]:
    """The client's configuration document holding just this server."""
    if client == "vscode":
        return {"servers": {entry.name: entry.as_json(typed=True)}}
    return {"mcpServers": {entry.name: entry.as_json(typed=client == "claude-code")}}


def default_path(client: ClientName, workspace: Path) -> Path:
    """Where the client reads its configuration (the project's file for project-scoped ones)."""
    home = Path.home()
    if client == "claude-desktop":
        if sys.platform == "darwin":
            return home / "Library/Application Support/Claude/claude_desktop_config.json"
        if os.name == "nt":
            return Path(os.environ.get("APPDATA", home)) / "Claude/claude_desktop_config.json"
        return (
            Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
            / "Claude/claude_desktop_config.json"
        )
    if client == "cursor":
        return home / ".cursor/mcp.json"
    if client == "vscode":
        return workspace.resolve() / ".vscode/mcp.json"
    return workspace.resolve() / ".mcp.json"


def merged(path: Path, addition: dict[str, Any]) -> dict[str, Any]:
    """``path``'s JSON with the server of ``addition`` added or replaced, the rest kept."""
    try:
        current: Any = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidArgument(
            f"{path} is not a JSON file this command can edit ({exc})",
            hint="fix or move it, or print the snippet (without --write) and paste it in",
        ) from None
    if not isinstance(current, dict):
        raise InvalidArgument(f"{path} does not hold a JSON object")
    for key, servers in addition.items():
        existing = current.get(key, {})
        if not isinstance(existing, dict):
            raise InvalidArgument(f"{path}: {key!r} is not a JSON object")
        current[key] = {**existing, **servers}
    return current


def write(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` atomically (a new file, then renamed over the old)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".fast-genai-tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def claude_code_command(entry: ServerEntry) -> str:
    """The ``claude mcp add`` line that registers the same server."""
    import shlex

    return shlex.join(["claude", "mcp", "add", entry.name, "--", entry.command, *entry.args])
