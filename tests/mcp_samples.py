"""One successful and one failing call per registered tool, for the MCP tests through real clients.

Every tool in ``tools.registry.TOOLS`` needs an entry: a new tool without one fails
``test_every_tool_has_a_sample`` with a message saying so. ``ok`` runs on ``SAMPLE_TREE`` and
must succeed with structured content; ``None`` means the tool needs a remote service and no
credentials are configured in these tests, so its ``fail`` call (valid arguments, no
credentials) is the one that must come back as an ``isError`` result naming the setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLE_TREE: dict[str, str] = {
    "README.md": "# Sample\n\nhello world\nSee https://github.com/octo/repo/issues/3\n",
    "src/app.py": (
        '"""A tiny app."""\n\nimport os\n\n\n'
        'def add(a: int, b: int) -> int:\n    """Add two numbers."""\n    return a + b\n\n\n'
        "class Greeter:\n    def greet(self, name: str) -> str:\n"
        '        return f"hello {name}"\n'
    ),
    "notes/todo.txt": "- [ ] ship the MCP server\n",
}


def write_sample_tree(root: Path) -> None:
    for rel, text in SAMPLE_TREE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@dataclass(frozen=True)
class Sample:
    ok: dict[str, Any] | None
    """Arguments that succeed on the sample tree (``None``: needs a service's credentials)."""
    fail: dict[str, Any]
    """Arguments that fail with an ``isError`` result."""
    message: str
    """Part of the failing call's message."""


SAMPLES: dict[str, Sample] = {
    "list_files": Sample({"path": "."}, {"path": "../.."}, "outside the workspace"),
    "read_file": Sample({"path": "README.md"}, {"path": "nope.txt"}, "does not exist"),
    "search_code": Sample({"query": "hello"}, {"query": "(", "regex": True}, "search_code failed"),
    "code_outline": Sample({"path": "src/app.py"}, {"path": "nope.py"}, "does not exist"),
    "summarize": Sample({"path": "src/app.py"}, {"path": "nope.py"}, "does not exist"),
    "parse_link": Sample(
        {"text": "see https://github.com/octo/repo/issues/3"}, {}, "text: Field required"
    ),
    "create_file": Sample(
        {"path": "new/created.txt", "content": "made over MCP\n"},
        {"path": "README.md", "content": "clobber"},
        "exists",
    ),
    "create_github_file": Sample(
        None,
        {"repo": "octo/repo", "path": "docs/a.md", "content": "# A\n", "message": "Add a"},
        "needs a GitHub token (set GITHUB_TOKEN)",
    ),
    "create_notion_page": Sample(
        None,
        {
            "parent": "0123456789abcdef0123456789abcdef",
            "title": "A page",
            "content_markdown": "# Hi\n",
        },
        "needs a Notion token (set NOTION_TOKEN)",
    ),
    "create_jira_issue": Sample(
        None,
        {"project": "ABC", "summary": "A bug", "description_markdown": "It breaks."},
        "needs the Jira address (set JIRA_URL)",
    ),
}
