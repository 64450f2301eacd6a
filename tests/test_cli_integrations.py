"""The integration tools through `fast-genai tools call`: approval, --dry-run, --yes, views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import exit_codes
from cli.main import app
from tests.fakes.github import FakeGitHub
from tests.fakes.jira import FakeJira

runner = CliRunner()


def call(workspace: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["tools", "call", *args, "-w", str(workspace)])
    return result.exit_code, result.stdout, result.stderr


ARGS = ("create_github_file", "repo=octo/hello", "path=docs/a.md", "content=# A", "message=Add a")


def test_dry_run_shows_the_request_and_sends_nothing(
    workspace: Path, github_env: FakeGitHub
) -> None:
    code, out, _ = call(workspace, *ARGS, "--dry-run")
    assert code == exit_codes.OK
    assert "dry run" in out and f"{github_env.base_url}/repos/octo/hello/contents/docs/a.md" in out
    assert github_env.requests == []


def test_a_write_needs_approval(workspace: Path, github_env: FakeGitHub) -> None:
    code, _, err = call(workspace, *ARGS)
    assert code == exit_codes.DENIED
    assert "--yes" in err
    assert github_env.requests == []


def test_yes_creates_the_file_and_a_second_call_reuses_it(
    workspace: Path, github_env: FakeGitHub
) -> None:
    code, out, _ = call(workspace, *ARGS, "--yes")
    assert code == exit_codes.OK
    assert "https://github.com/octo/hello/blob/main/docs/a.md" in out
    code, out, _ = call(workspace, *ARGS, "--yes")
    assert code == exit_codes.OK and "not repeated" in out
    assert len(github_env.writes()) == 1


def test_existing_file_is_a_tool_error(workspace: Path, github_env: FakeGitHub) -> None:
    github_env.repos["octo/hello"].branches["main"]["docs/a.md"] = b"old"
    code, _, err = call(workspace, *ARGS, "--yes")
    assert code == exit_codes.TOOL_ERROR
    assert "already exists" in err and "Traceback" not in err


def test_missing_token_is_reported(workspace: Path) -> None:
    code, _, err = call(workspace, *ARGS, "--yes")
    assert code == exit_codes.TOOL_ERROR
    assert "GITHUB_TOKEN" in err


def test_jira_dry_run_json(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeJira()
    with fake.running():
        monkeypatch.setenv("JIRA_URL", fake.base_url)
        monkeypatch.setenv("JIRA_PERSONAL_TOKEN", fake.personal_token)
        code, out, _ = call(
            workspace, "create_jira_issue", "project=OPS", "summary=Check disks",
            'labels=["ops"]', "extra_fields=[\"customfield_10016=3\"]", "--dry-run", "--json",
        )  # fmt: skip
        assert fake.requests == []
    assert code == exit_codes.OK
    result = json.loads(out)
    fields = result["request"]["json"]["fields"]
    assert fields["labels"] == ["ops"] and fields["customfield_10016"] == 3


def test_parse_link_view(workspace: Path) -> None:
    code, out, _ = call(
        workspace, "parse_link", "text=see https://github.com/octo/hello/pull/3 please"
    )
    assert code == exit_codes.OK
    assert "github" in out and "pull_request" in out and "octo/hello#3" in out
