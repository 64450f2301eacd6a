"""Contract tests: the real client libraries, driven by our tools, against Prism mocks of the
official API descriptions. Prism rejects a request that breaks the description (400/422 with an
``sl-violations`` header) and answers a valid one with the vendor's example data.

What this shows and what it cannot (see ../shared/specs/README.md): the requests our tools send
have the shape the descriptions demand. It cannot show behaviour (existing files, duplicates,
rate limits: the stateful fakes cover those). The Notion description as shipped does not model
rich-text ``annotations`` or nested ``children`` of list items, both of which real Notion accepts,
so the Notion success path uses plain paragraphs (one of 5,000 characters, split into pieces),
links and a flat list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.context import ToolContext
from tools.integrations.github_file import create_github_file
from tools.integrations.jira_issue import create_jira_issue
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = [pytest.mark.external("prism")]


def context(workspace: Path, **settings: object) -> ToolContext:
    return ToolContext.local(
        str(workspace),
        settings=ToolSettings(
            upstream_attempts=1,
            write_dedupe_seconds=0,
            allowed_internal_hosts="127.0.0.1",  # Prism listens on loopback
            **settings,  # type: ignore[arg-type]
        ),
    )


def violations(headers: object) -> list[dict[str, object]]:
    raw = dict(headers or {}).get("sl-violations") or dict(headers or {}).get("SL-Violations")  # type: ignore[call-overload]
    found = json.loads(raw) if raw else []
    return [v for v in found if v.get("location", [""])[0] == "request"]


# -- GitHub ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_github_update_file_matches_the_description(
    workspace: Path, prism_github: str
) -> None:
    ctx = context(workspace, github_api_url=prism_github, github_token="t0ken")
    # Prism's example says the file exists, so the tool reads its sha and updates it.
    result = await create_github_file(
        ctx, "octocat/Hello-World", "docs/notes/a.md", "# Notes\n", "Update notes", update=True
    )
    assert result.action == "updated"
    assert result.commit_sha and result.html_url


def test_github_create_file_matches_the_description(prism_github: str) -> None:
    from github import Auth, Github

    gh = Github(base_url=prism_github, auth=Auth.Token("t0ken"), retry=None)
    repo = gh.get_repo("octocat/Hello-World")
    created = repo.create_file("docs/new.md", "Add new", "hello", branch="main")
    assert created["commit"].sha
    gh.close()


def test_github_rejects_a_put_without_message(prism_github: str) -> None:
    from github import Auth, Github, GithubException

    gh = Github(base_url=prism_github, auth=Auth.Token("t0ken"), retry=None)
    with pytest.raises(GithubException) as caught:
        gh.requester.requestJsonAndCheck(
            "PUT", "/repos/octocat/Hello-World/contents/a.md", input={"content": "aGk="}
        )
    gh.close()
    assert caught.value.status in (400, 422)
    assert any("message" in str(v["message"]) for v in violations(caught.value.headers))


# -- Notion ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_notion_page_matches_the_description(workspace: Path, prism_notion: str) -> None:
    ctx = context(workspace, notion_api_url=prism_notion, notion_token="secret_x")
    markdown = (
        "A first paragraph with a [link](https://example.com/spec).\n\n"
        + "long " * 1000
        + "\n\n- one\n- two\n"
    )
    result = await create_notion_page(ctx, "0123456789abcdef0123456789abcdef", "Spec", markdown)
    assert result.parent_type == "page"
    assert result.blocks == 4
    # The mock answers page creation with {}: no id, no URL, said plainly.
    assert result.page_id is None and "no page id" in " ".join(result.notes)


@pytest.mark.anyio
async def test_notion_rejects_a_page_without_parent(prism_notion: str) -> None:
    import httpx
    from notion_client import AsyncClient
    from notion_client.errors import HTTPResponseError

    async with httpx.AsyncClient() as http:
        client = AsyncClient(client=http, auth="secret_x", base_url=prism_notion, retry=False)
        with pytest.raises(HTTPResponseError) as caught:
            await client.pages.create(properties={"title": {"title": []}})
    assert caught.value.status == 400
    assert any("parent" in str(v["message"]) for v in violations(caught.value.headers))


# -- Jira --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_jira_issue_matches_the_description(workspace: Path, prism_jira: str) -> None:
    ctx = context(workspace, jira_url=prism_jira, jira_personal_token="pat")
    result = await create_jira_issue(
        ctx,
        "EX",
        "Disk almost full",
        "The **disk** on `db-1` is at 91%.\n\n- clean logs\n- add a volume",
        issue_type="Bug",
        labels=["ops"],
        components=["Component 1"],
        priority="High",
    )
    # The serverInfo example names no deploymentType: a Server, REST v2, wiki markup.
    assert result.api_version == "2"
    assert result.key and result.url == f"{prism_jira}/browse/{result.key}"


def test_jira_v3_issue_with_adf_matches_the_description(prism_jira: str) -> None:
    from jira import JIRA

    from tools.integrations.jira_markup import markdown_to_adf

    client = JIRA(
        server=prism_jira,
        token_auth="pat",
        options={"rest_api_version": "3"},
        get_server_info=False,
        max_retries=0,
    )
    fields = {
        "project": {"key": "EX"},
        "summary": "ADF description",
        "issuetype": {"id": "3"},
        "description": markdown_to_adf("# Why\n\nBecause **it** matters."),
    }
    issue = client.create_issue(fields=fields, prefetch=False)
    client.close()  # type: ignore[no-untyped-call]
    assert issue.key


def test_jira_rejects_fields_that_are_not_an_object(prism_jira: str) -> None:
    from jira import JIRA
    from jira.exceptions import JIRAError

    client = JIRA(server=prism_jira, token_auth="pat", get_server_info=False, max_retries=0)
    with pytest.raises(JIRAError) as caught:
        client._session.post(
            f"{prism_jira}/rest/api/2/issue", data=json.dumps({"fields": "not an object"})
        )
    client.close()  # type: ignore[no-untyped-call]
    assert caught.value.status_code in (400, 422)
    response = caught.value.response
    assert any("fields" in str(v["location"]) for v in violations(response.headers))
