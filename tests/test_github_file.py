"""create_github_file through the real PyGithub client against a stateful local GitHub fake."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.github import FakeGitHub, blob_sha
from tools.context import ToolContext
from tools.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    MissingCredential,
    NotFound,
    UpstreamError,
)
from tools.integrations.github_file import create_github_file
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_repo("octo/hello", default_branch="trunk")
    with fake.running():
        yield fake


@pytest.fixture
def gh_ctx(workspace: Path, github: FakeGitHub) -> ToolContext:
    settings = ToolSettings(
        github_api_url=github.base_url, github_token=github.token, upstream_backoff=0.01
    )
    return ToolContext.local(str(workspace), settings=settings)


async def test_creates_on_the_default_branch(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    result = await create_github_file(gh_ctx, "octo/hello", "docs/a.md", "# A\n", "Add a")
    assert result.action == "created"
    assert result.branch == "trunk"
    assert result.html_url == "https://github.com/octo/hello/blob/trunk/docs/a.md"
    assert result.commit_sha and len(result.commit_sha) == 40
    assert github.repos["octo/hello"].branches["trunk"]["docs/a.md"] == b"# A\n"
    put = github.writes()[0]
    assert put.method == "PUT" and put.path == "/repos/octo/hello/contents/docs/a.md"
    assert put.json == {"message": "Add a", "content": base64.b64encode(b"# A\n").decode()}


async def test_accepts_a_github_url_and_takes_its_branch(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.repos["octo/hello"].branches["dev"] = {}
    result = await create_github_file(
        gh_ctx, "https://github.com/octo/hello/tree/dev/docs", "x.txt", "x", "Add x"
    )
    assert result.branch == "dev"
    assert github.repos["octo/hello"].branches["dev"]["x.txt"] == b"x"
    assert github.writes()[0].json["branch"] == "dev"


async def test_existing_file_is_refused_with_its_sha(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.repos["octo/hello"].branches["trunk"]["a.md"] = b"old"
    with pytest.raises(AlreadyExists) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "new", "Change")
    assert blob_sha(b"old") in str(caught.value)
    assert "update=true" in str(caught.value)
    assert github.writes() == []


async def test_update_uses_the_current_sha(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    github.repos["octo/hello"].branches["trunk"]["a.md"] = b"old"
    result = await create_github_file(gh_ctx, "octo/hello", "a.md", "new", "Change", update=True)
    assert result.action == "updated"
    assert github.writes()[0].json["sha"] == blob_sha(b"old")
    assert github.repos["octo/hello"].branches["trunk"]["a.md"] == b"new"


async def test_update_reports_a_conflict_when_the_sha_changed(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.repos["octo/hello"].branches["trunk"]["a.md"] = b"old"

    def someone_else_writes() -> None:  # between our read of the sha and our write
        github.repos["octo/hello"].branches["trunk"]["a.md"] = b"changed by someone else"

    github.after_read = someone_else_writes
    with pytest.raises(Conflict) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "new", "Change", update=True)
    assert "changed while it was being updated" in str(caught.value)
    assert github.repos["octo/hello"].branches["trunk"]["a.md"] == b"changed by someone else"


async def test_dry_run_sends_nothing(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    result = await create_github_file(
        gh_ctx, "octo/hello", "/docs/a.md", "hi", "Add", branch="dev", dry_run=True
    )
    assert github.requests == []
    assert result.dry_run and result.request is not None
    assert result.request["method"] == "PUT"
    assert result.request["url"] == f"{github.base_url}/repos/octo/hello/contents/docs/a.md"
    assert result.request["json"] == {"message": "Add", "content": "aGk=", "branch": "dev"}


async def test_retry_of_the_same_call_creates_one_file(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    first = await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    again = await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert len(github.writes()) == 1
    assert not first.deduplicated
    assert again.deduplicated and again.recorded_at is not None
    assert again.commit_sha == first.commit_sha
    assert (gh_ctx.settings.data_dir / "writes.sqlite").is_file()


async def test_rate_limit_is_retried_after_retry_after(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.fail_next(
        429, {"message": "API rate limit exceeded"}, headers={"Retry-After": "0"}, times=2
    )
    result = await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert result.action == "created"
    assert [r.method for r in github.requests[:3]] == ["GET", "GET", "GET"]


async def test_rate_limit_reported_after_the_last_try(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.fail_next(
        403,
        {"message": "API rate limit exceeded for user"},
        headers={"X-RateLimit-Remaining": "0"},
        times=10,
    )
    with pytest.raises(UpstreamError) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert caught.value.upstream_status == 429
    assert "rate limit" in str(caught.value) and "gave up after 4 tries" in str(caught.value)
    assert len(github.requests) == 4


async def test_server_error_page_does_not_reach_the_user(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    github.fail_next(502, "<html><body><h1>Unicorn!</h1></body></html>", times=10)
    with pytest.raises(UpstreamError) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    message = str(caught.value)
    assert "502" in message and "<html" not in message and "Unicorn" not in message


async def test_bad_token_names_the_setting(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    github.token = "another"
    with pytest.raises(UpstreamError) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert caught.value.upstream_status == 401
    assert "GITHUB_TOKEN" in str(caught.value) and "Bad credentials" in str(caught.value)


async def test_missing_permission_is_named(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    github.repos["octo/hello"].read_only = True
    with pytest.raises(UpstreamError) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert caught.value.upstream_status == 403
    assert "contents=write" in str(caught.value) and "GITHUB_TOKEN" in str(caught.value)


async def test_unknown_repository_is_not_found(gh_ctx: ToolContext) -> None:
    with pytest.raises(NotFound) as caught:
        await create_github_file(gh_ctx, "octo/nope", "a.md", "x", "Add")
    assert "octo/nope" in str(caught.value)


async def test_missing_token(ctx: ToolContext) -> None:
    with pytest.raises(MissingCredential) as caught:
        await create_github_file(ctx, "octo/hello", "a.md", "x", "Add")
    assert "GITHUB_TOKEN" in str(caught.value)


@pytest.mark.parametrize("repo", ["octo", "https://gitlab.com/a/b", "a b/c"])
async def test_bad_repository_argument(gh_ctx: ToolContext, repo: str) -> None:
    with pytest.raises(InvalidArgument):
        await create_github_file(gh_ctx, repo, "a.md", "x", "Add")


@pytest.mark.parametrize("path", ["", "/", "a/../b", "a//b"])
async def test_bad_path_argument(gh_ctx: ToolContext, path: str) -> None:
    with pytest.raises(InvalidArgument):
        await create_github_file(gh_ctx, "octo/hello", path, "x", "Add")


async def test_file_created_by_someone_else_meanwhile(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    def someone_else_creates() -> None:  # between our "not found" and our write
        github.repos["octo/hello"].branches["trunk"]["a.md"] = b"theirs"

    github.after_read = someone_else_creates
    with pytest.raises(Conflict) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "mine", "Add")
    assert "appeared" in str(caught.value) and "update=true" in str(caught.value)
    assert github.repos["octo/hello"].branches["trunk"]["a.md"] == b"theirs"


async def test_rate_limit_reset_far_away_is_reported_not_waited(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    reset = str(int(time.time()) + 3600)
    github.fail_next(
        403,
        {"message": "API rate limit exceeded for user ID 1."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    with pytest.raises(UpstreamError) as caught:
        await create_github_file(gh_ctx, "octo/hello", "a.md", "x", "Add")
    assert len(github.requests) == 1
    assert caught.value.retry_after is not None and caught.value.retry_after > 3500
    assert "retry after" in str(caught.value)
