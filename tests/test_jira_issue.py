"""create_jira_issue through the real ``jira`` client against a stateful Jira fake (v2 and v3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.jira import FakeJira
from tools.context import ToolContext
from tools.errors import InvalidArgument, MissingCredential, NotFound, UpstreamError
from tools.integrations.jira_issue import create_jira_issue
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def server_jira() -> Iterator[FakeJira]:
    fake = FakeJira(cloud=False)
    fake.add_project("OPS", components=["Backend", "Web"])
    with fake.running():
        yield fake


@pytest.fixture
def cloud_jira() -> Iterator[FakeJira]:
    fake = FakeJira(cloud=True)
    fake.add_project("ABC")
    with fake.running():
        yield fake


def context(workspace: Path, jira: FakeJira, *, cloud: bool) -> ToolContext:
    creds: dict[str, str] = (
        {"jira_username": jira.user, "jira_api_token": jira.api_token}
        if cloud
        else {"jira_personal_token": jira.personal_token}
    )
    settings = ToolSettings(jira_url=jira.base_url, upstream_backoff=0.01, **creds)  # type: ignore[arg-type]
    return ToolContext.local(str(workspace), settings=settings)


@pytest.fixture
def server_ctx(workspace: Path, server_jira: FakeJira) -> ToolContext:
    return context(workspace, server_jira, cloud=False)


@pytest.fixture
def cloud_ctx(workspace: Path, cloud_jira: FakeJira) -> ToolContext:
    return context(workspace, cloud_jira, cloud=True)


async def test_server_issue_with_wiki_description(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    result = await create_jira_issue(
        server_ctx, "OPS", "Disk full", "The **disk** is full:\n\n- `/var`\n- `/tmp`",
        issue_type="bug", labels=["infra"], components=["Backend"], priority="High",
        assignee="jdoe",
    )  # fmt: skip
    assert result.key == "OPS-1"
    assert result.url == f"{server_jira.base_url}/browse/OPS-1"
    assert result.api_version == "2"
    fields = server_jira.issues["OPS-1"]["fields"]
    assert server_jira.issues["OPS-1"]["version"] == "2"
    assert fields["description"] == "The *disk* is full:\n\n* {{/var}}\n* {{/tmp}}"
    assert fields["issuetype"] == {"id": "10002"}
    assert fields["components"] == [{"name": "Backend"}]
    assert fields["assignee"] == {"name": "jdoe"}
    assert fields["labels"] == ["infra"]
    posts = [r.path for r in server_jira.writes()]
    assert posts == ["/rest/api/2/issue"]


async def test_cloud_issue_with_adf_and_assignee_lookup(
    cloud_ctx: ToolContext, cloud_jira: FakeJira
) -> None:
    result = await create_jira_issue(
        cloud_ctx, "https://acme.atlassian.net/jira/software/projects/ABC/boards/1",
        "Add search", "# Why\n\nUsers *ask*.", assignee="ada@example.com",
        extra_fields=["Story Points=5", 'duedate="2026-12-01"'],
    )  # fmt: skip
    assert result.api_version == "3" and result.key == "ABC-1"
    stored = cloud_jira.issues["ABC-1"]
    assert stored["version"] == "3"
    fields = stored["fields"]
    assert fields["description"]["type"] == "doc"
    assert fields["description"]["content"][0] == {
        "type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "Why"}],
    }  # fmt: skip
    assert fields["assignee"] == {"accountId": "5b10ac8d82e05b22cc7d4ef5"}
    assert fields["customfield_10016"] == 5
    assert fields["duedate"] == "2026-12-01"


async def test_ambiguous_assignee_is_refused(cloud_ctx: ToolContext, cloud_jira: FakeJira) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await create_jira_issue(cloud_ctx, "ABC", "x", assignee="Ada")
    assert "Ada Lovelace" in str(caught.value) and "Ada Byron" in str(caught.value)
    assert cloud_jira.writes() == []


async def test_unknown_issue_type_lists_the_valid_ones(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await create_jira_issue(server_ctx, "OPS", "x", issue_type="Epic")
    assert "Bug, Sub-task, Task" in str(caught.value)
    assert server_jira.writes() == []


async def test_unknown_component_lists_the_valid_ones(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await create_jira_issue(server_ctx, "OPS", "x", components=["Mobile"])
    assert "'Mobile'" in str(caught.value) and "Backend, Web" in str(caught.value)
    assert server_jira.writes() == []


async def test_sub_task_needs_a_parent(server_ctx: ToolContext) -> None:
    with pytest.raises(InvalidArgument, match="parent"):
        await create_jira_issue(server_ctx, "OPS", "x", issue_type="Sub-task")


async def test_sub_task_under_a_parent_url(server_ctx: ToolContext, server_jira: FakeJira) -> None:
    first = await create_jira_issue(server_ctx, "OPS", "parent")
    child = await create_jira_issue(
        server_ctx, "OPS", "child", issue_type="Sub-task",
        parent=f"{server_jira.base_url}/browse/{first.key}",
    )  # fmt: skip
    assert server_jira.issues[child.key or ""]["fields"]["parent"] == {"key": "OPS-1"}


async def test_jira_field_errors_are_explained(server_ctx: ToolContext) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await create_jira_issue(server_ctx, "OPS", "x", priority="Urgent")
    assert "priority" in str(caught.value) and "Highest" in str(caught.value)


async def test_unknown_project(server_ctx: ToolContext) -> None:
    with pytest.raises(NotFound) as caught:
        await create_jira_issue(server_ctx, "NOPE", "x")
    assert "NOPE" in str(caught.value)


async def test_dry_run_sends_nothing(server_ctx: ToolContext, server_jira: FakeJira) -> None:
    result = await create_jira_issue(
        server_ctx, "ops", "Check", "**bold**", labels=["a"], dry_run=True
    )
    assert server_jira.requests == []
    assert result.request == {
        "method": "POST",
        "url": f"{server_jira.base_url}/rest/api/2/issue",
        "json": {"fields": {
            "project": {"key": "OPS"}, "summary": "Check", "issuetype": {"name": "Task"},
            "description": "*bold*", "labels": ["a"],
        }},
    }  # fmt: skip


async def test_retry_of_the_same_call_creates_one_issue(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    first = await create_jira_issue(server_ctx, "OPS", "Once", "text")
    again = await create_jira_issue(server_ctx, "OPS", "Once", "text")
    assert len(server_jira.created()) == 1
    assert again.deduplicated and again.key == first.key == "OPS-1"


async def test_rate_limit_is_retried(server_ctx: ToolContext, server_jira: FakeJira) -> None:
    server_jira.fail_next(429, {"errorMessages": ["Rate limit exceeded."]},
                          headers={"Retry-After": "0"}, times=2)  # fmt: skip
    result = await create_jira_issue(server_ctx, "OPS", "x")
    assert result.key == "OPS-1"


async def test_server_error_page_is_reported_cleanly(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    server_jira.fail_next(503, "<html><title>Maintenance</title></html>", times=10)
    with pytest.raises(UpstreamError) as caught:
        await create_jira_issue(server_ctx, "OPS", "x")
    assert caught.value.upstream_status == 503
    assert "<html" not in str(caught.value) and "gave up after 4 tries" in str(caught.value)


async def test_bad_credentials_name_the_settings(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    server_jira.personal_token = "rotated"
    with pytest.raises(UpstreamError) as caught:
        await create_jira_issue(server_ctx, "OPS", "x")
    assert caught.value.upstream_status == 401
    assert "JIRA_PERSONAL_TOKEN" in str(caught.value) and "<html" not in str(caught.value)


async def test_missing_credentials(ctx: ToolContext) -> None:
    with pytest.raises(MissingCredential, match="JIRA_URL"):
        await create_jira_issue(ctx, "OPS", "x")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"project": "not a key"}, "project key"),
        ({"labels": ["two words"]}, "spaces"),
        ({"extra_fields": ["novalue"]}, "field=value"),
        ({"extra_fields": ["summary=x"]}, "own parameter"),
        ({"parent": "nope"}, "issue key"),
    ],
)
async def test_bad_arguments(
    server_ctx: ToolContext, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"project": "OPS", "summary": "x", **kwargs}
    with pytest.raises(InvalidArgument, match=message):
        await create_jira_issue(server_ctx, **arguments)  # type: ignore[arg-type]


async def test_description_too_long_for_jira(
    server_ctx: ToolContext, server_jira: FakeJira
) -> None:
    with pytest.raises(InvalidArgument, match="32,767"):
        await create_jira_issue(server_ctx, "OPS", "x", "word " * 8000)
    assert server_jira.writes() == []


async def test_adf_description_too_long_for_jira_cloud(
    cloud_ctx: ToolContext, cloud_jira: FakeJira
) -> None:
    # 6,000 short bold words are 30,000 characters of Markdown but far more as ADF JSON
    markdown = " ".join(f"**w{i % 10}** x" for i in range(3000))
    assert len(markdown) < 32_767
    with pytest.raises(InvalidArgument, match=r"as Atlassian Document Format.*32,767"):
        await create_jira_issue(cloud_ctx, "ABC", "x", markdown)
    assert cloud_jira.writes() == []


async def test_adf_description_near_the_limit_is_sent(cloud_ctx: ToolContext) -> None:
    from tools.integrations.jira_markup import adf_size, markdown_to_adf

    text = "word " * 6000
    assert 30_000 < adf_size(markdown_to_adf(text)) <= 32_767
    result = await create_jira_issue(cloud_ctx, "ABC", "x", text)
    assert result.key
