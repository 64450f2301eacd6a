"""`fast-genai --help` stays fast: heavy libraries load lazily (checked by imports, not time)."""

from __future__ import annotations

import json
import subprocess
import sys

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
