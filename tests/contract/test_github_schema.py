"""Every GitHub request body create_github_file sends, validated against the operation's own
request schema in the official description (``../shared/specs/github-api.github.com.full.json``,
``PUT /repos/{owner}/{repo}/contents/{path}``) with the ``jsonschema`` package.

The bodies are the ones the tool sends to the stateful fake (tests/fakes/github.py) for a create
on the default branch and on a named branch, an update, non-ASCII and binary-looking content, and
the body a dry run shows. The description does not forbid unknown properties, so each body is also
checked to use only the properties the schema names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import specs_dir
from tests.fakes.github import FakeGitHub
from tools.context import ToolContext
from tools.integrations.github_file import create_github_file
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio
OPERATION = ("/repos/{owner}/{repo}/contents/{path}", "put")


@pytest.fixture(scope="module")
def put_contents_schema() -> dict[str, Any]:
    spec = json.loads((specs_dir() / "github-api.github.com.full.json").read_text())
    path, method = OPERATION
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema: dict[str, Any] = body["schema"]
    return schema


def problems(schema: dict[str, Any], body: Any) -> list[str]:
    from jsonschema import Draft4Validator

    found = [e.message for e in Draft4Validator(schema).iter_errors(body)]
    if isinstance(body, dict):
        found += [f"{k!r} is not in the schema" for k in body if k not in schema["properties"]]
    return found


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_repo("octo/hello", default_branch="trunk")
    with fake.running():
        yield fake


async def test_every_put_body_matches_the_description(
    workspace: Path, github: FakeGitHub, put_contents_schema: dict[str, Any]
) -> None:
    settings = ToolSettings(
        github_api_url=github.base_url, github_token=github.token, write_dedupe_seconds=0
    )
    ctx = ToolContext.local(str(workspace), settings=settings)
    github.repos["octo/hello"].branches["dev"] = {}
    await create_github_file(ctx, "octo/hello", "docs/a.md", "# A\n", "Add a")
    await create_github_file(ctx, "octo/hello", "b.md", "ünïcode ✓\n", "Add b", branch="dev")
    await create_github_file(ctx, "octo/hello", "docs/a.md", "# A2\n", "Update a", update=True)
    await create_github_file(ctx, "octo/hello", "bin.txt", "\x00\x01 raw", "Add bin")
    dry = await create_github_file(ctx, "octo/hello", "c.md", "c", "Add c", dry_run=True)
    assert dry.request is not None

    bodies = [w.json for w in github.writes() if w.method == "PUT"]
    assert (
        len(bodies) == 4 and any("sha" in b for b in bodies) and any("branch" in b for b in bodies)
    )
    bodies.append(dry.request["json"])
    assert {i: p for i, b in enumerate(bodies) if (p := problems(put_contents_schema, b))} == {}


def test_the_schema_check_can_fail(put_contents_schema: dict[str, Any]) -> None:
    assert problems(put_contents_schema, {"content": "aGk="})  # no message
    assert problems(put_contents_schema, {"message": "m", "content": "aGk=", "sha": 5})
    assert problems(put_contents_schema, {"message": "m", "content": "aGk=", "ref": "main"})
