"""`fast-genai --help` stays fast: heavy libraries load lazily (checked by imports, not time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "pydantic_ai",
    "google.genai",
    "mcp",
    "fastapi",
    "sqlmodel",
    "sqlalchemy",
    "github",
    "notion_client",
    "jira",
    "tree_sitter",
    "httpx",
    "pydantic_settings",
    "uvicorn",
)

PROBE = """
import json, sys
from cli.main import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print("\\nMODULES=" + json.dumps(sorted(sys.modules)))
"""


def _modules_after(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    line = done.stdout.rsplit("MODULES=", 1)[1]
    return set(json.loads(line))


def test_help_imports_no_heavy_library() -> None:
    for argv in (["--help"], ["tools", "--help"], ["config", "--help"]):
        loaded = _modules_after(*argv)
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
        assert not heavy, f"`fast-genai {' '.join(argv)}` imports {heavy[:8]}"


def test_help_loads_no_rich() -> None:
    """typer's plain help: rich (and the Markdown parser its help pulls in) is not imported."""
    loaded = _modules_after("--help")
    assert not {m for m in loaded if m.split(".")[0] in ("rich", "markdown_it")}


def test_one_tool_call_imports_only_that_tool(tmp_path: Path) -> None:
    loaded = _modules_after(
        "tools", "call", "parse_link", "text=none", "--workspace", str(tmp_path), "--json"
    )
    assert "tools.integrations.parse_link" in loaded
    others = {"tools.code.code_outline", "tools.files.search_code", "tools.files.list_files"}
    assert not others & loaded
    assert not {m for m in loaded if m.split(".")[0] in ("rich", "tree_sitter")}


def test_trivial_tool_call_imports_no_heavy_library(tmp_path: Path) -> None:
    """A trivial ``tools call`` loads none of the agent, MCP, web, storage or pool libraries."""
    loaded = _modules_after(
        "tools", "call", "parse_link", "text=none", "--workspace", str(tmp_path), "--json"
    )
    heavy = {m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY}
    heavy -= {"pydantic_settings"} | {m for m in heavy if m.startswith("pydantic_settings.")}
    assert not heavy, sorted(heavy)[:8]
    assert not {m for m in loaded if m.split(".")[0] in ("multiprocessing", "pathspec")}
