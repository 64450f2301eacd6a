"""parse_link: GitHub, Notion and Jira references from free text."""

from __future__ import annotations

import pytest

from tools.context import ToolContext
from tools.integrations.parse_link import (
    LinkRef,
    find_urls,
    notion_id_from,
    parse_link,
    parse_links,
    parse_url,
)

ID = "0123456789abcdef0123456789abcdef"
DASHED = "01234567-89ab-cdef-0123-456789abcdef"


def one(url: str) -> dict[str, object]:
    ref = parse_url(url)
    assert ref is not None, url
    return ref.model_dump(exclude_none=True, exclude={"url"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo/hello", {"kind": "repo", "owner": "octo", "repo": "hello"}),
        ("https://github.com/octo/hello.git", {"kind": "repo", "owner": "octo", "repo": "hello"}),
        (
            "https://www.github.com/octo/hello/actions",
            {"kind": "repo", "owner": "octo", "repo": "hello"},
        ),
        (
            "https://github.com/octo/hello/blob/main/src/app.py#L10-L20",
            {"kind": "blob", "owner": "octo", "repo": "hello", "ref": "main", "path": "src/app.py"},
        ),
        (
            # a ref with a slash is ambiguous: the first segment is taken as the ref
            "https://github.com/octo/hello/blob/feature/login/src/app.py",
            {
                "kind": "blob",
                "owner": "octo",
                "repo": "hello",
                "ref": "feature",
                "path": "login/src/app.py",
            },
        ),
        (
            "https://github.com/octo/hello/tree/v1.2.0",
            {"kind": "tree", "owner": "octo", "repo": "hello", "ref": "v1.2.0"},
        ),
        (
            "https://github.com/octo/hello/tree/main/docs/My%20Folder",
            {
                "kind": "tree",
                "owner": "octo",
                "repo": "hello",
                "ref": "main",
                "path": "docs/My Folder",
            },
        ),
        (
            "https://github.com/octo/hello/issues/42",
            {"kind": "issue", "owner": "octo", "repo": "hello", "number": 42},
        ),
        (
            "https://github.com/octo/hello/pull/7/files",
            {"kind": "pull_request", "owner": "octo", "repo": "hello", "number": 7},
        ),
        (
            "https://github.com/octo/hello/commit/abc123",
            {"kind": "commit", "owner": "octo", "repo": "hello", "ref": "abc123"},
        ),
        (
            "https://raw.githubusercontent.com/octo/hello/main/README.md",
            {"kind": "blob", "owner": "octo", "repo": "hello", "ref": "main", "path": "README.md"},
        ),
    ],
)
def test_github(url: str, expected: dict[str, object]) -> None:
    assert one(url) == {"service": "github", **expected}


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/octo",
        "https://github.com/settings/tokens",
        "https://github.com/orgs/x/people",
    ],
)
def test_github_pages_that_are_not_repositories(url: str) -> None:
    assert parse_url(url) is None


@pytest.mark.parametrize(
    ("url", "kind", "notion_id"),
    [
        (f"https://www.notion.so/acme/Roadmap-Q3-{ID}", "page", DASHED),
        (f"https://www.notion.so/acme/Roadmap-{ID}?pvs=4", "page", DASHED),
        (f"https://notion.so/{ID}", "page", DASHED),
        (f"https://www.notion.so/{DASHED}", "page", DASHED),
        (f"https://acme.notion.site/Public-page-{ID}", "page", DASHED),
        (f"https://www.notion.com/acme/Doc-{ID}", "page", DASHED),
        (f"https://www.notion.so/acme/{ID}?v=fedcba9876543210fedcba9876543210", "database", DASHED),
        # a page opened as a peek from a database view: ?p= names the page
        (
            f"https://www.notion.so/acme/{ID}?v=fedcba9876543210fedcba9876543210&p=11111111222233334444555555555555&pm=s",
            "page",
            "11111111-2222-3333-4444-555555555555",
        ),
    ],
)
def test_notion(url: str, kind: str, notion_id: str) -> None:
    assert one(url) == {"service": "notion", "kind": kind, "notion_id": notion_id}


def test_notion_url_without_an_id() -> None:
    assert parse_url("https://www.notion.so/pricing") is None
    # 40 hex characters (a git sha) are not a Notion id
    assert notion_id_from("a" * 40) is None
    assert notion_id_from(ID.upper()) == DASHED


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://acme.atlassian.net/browse/ABC-123",
            {
                "kind": "issue",
                "site": "https://acme.atlassian.net",
                "issue_key": "ABC-123",
                "project_key": "ABC",
            },
        ),
        (
            "https://acme.atlassian.net/browse/ABC",
            {"kind": "project", "site": "https://acme.atlassian.net", "project_key": "ABC"},
        ),
        (
            "https://acme.atlassian.net/jira/software/projects/ABC/boards/1",
            {"kind": "project", "site": "https://acme.atlassian.net", "project_key": "ABC"},
        ),
        (
            "https://acme.atlassian.net/jira/software/c/projects/ABC/boards/1?selectedIssue=ABC-9",
            {
                "kind": "issue",
                "site": "https://acme.atlassian.net",
                "issue_key": "ABC-9",
                "project_key": "ABC",
            },
        ),
        (
            "https://acme.atlassian.net/jira/software/projects/ABC/issues/ABC-4",
            {
                "kind": "issue",
                "site": "https://acme.atlassian.net",
                "issue_key": "ABC-4",
                "project_key": "ABC",
            },
        ),
        (
            "https://acme.atlassian.net/jira/servicedesk/projects/SD/queues/custom/1/SD-12",
            {
                "kind": "issue",
                "site": "https://acme.atlassian.net",
                "issue_key": "SD-12",
                "project_key": "SD",
            },
        ),
        (
            "https://jira.example.com/browse/OPS_2-42",
            {
                "kind": "issue",
                "site": "https://jira.example.com",
                "issue_key": "OPS_2-42",
                "project_key": "OPS_2",
            },
        ),
        (
            "https://tools.example.com/jira/browse/OPS-1",
            {
                "kind": "issue",
                "site": "https://tools.example.com/jira",
                "issue_key": "OPS-1",
                "project_key": "OPS",
            },
        ),
        (
            "https://jira.example.com/secure/RapidBoard.jspa?rapidView=3&selectedIssue=OPS-7",
            {
                "kind": "issue",
                "site": "https://jira.example.com",
                "issue_key": "OPS-7",
                "project_key": "OPS",
            },
        ),
    ],
)
def test_jira(url: str, expected: dict[str, object]) -> None:
    assert one(url) == {"service": "jira", **expected}


def test_self_hosted_hosts_need_an_issue_path() -> None:
    assert parse_url("https://example.com/browse/notakey") is None
    assert parse_url("https://example.com/projects/ABC") is None


def test_urls_in_text_lose_trailing_punctuation() -> None:
    text = (
        "See https://github.com/octo/hello/pull/7. Also (https://acme.atlassian.net/browse/ABC-1), "
        "<https://github.com/octo/hello/issues/3>; "
        "[docs](https://github.com/octo/hello/blob/main/docs/a.md) and "
        "https://en.wikipedia.org/wiki/Python_(programming_language)!"
    )
    assert find_urls(text) == [
        "https://github.com/octo/hello/pull/7",
        "https://acme.atlassian.net/browse/ABC-1",
        "https://github.com/octo/hello/issues/3",
        "https://github.com/octo/hello/blob/main/docs/a.md",
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
    ]


def test_text_with_all_three_services_and_others() -> None:
    text = f"""Fix github.com/octo/hello/issues/5, spec at
    https://www.notion.so/acme/Spec-{ID}, tracked as https://acme.atlassian.net/browse/ABC-77.
    Duplicate: https://github.com/octo/hello/issues/5 and http://example.com/x."""
    result = parse_links(text)
    assert [(link.service, link.kind) for link in result.links] == [
        ("github", "issue"),
        ("notion", "page"),
        ("jira", "issue"),
    ]
    assert result.links[0].url == "https://github.com/octo/hello/issues/5"
    assert result.other_urls == ["http://example.com/x"]


def test_no_links() -> None:
    assert parse_links("nothing here, not even www.example").links == []


@pytest.mark.anyio
async def test_the_tool(ctx: ToolContext) -> None:
    result = await parse_link(ctx, "https://acme.atlassian.net/browse/ABC-1")
    assert result.links == [
        LinkRef(
            service="jira",
            kind="issue",
            url="https://acme.atlassian.net/browse/ABC-1",
            site="https://acme.atlassian.net",
            issue_key="ABC-1",
            project_key="ABC",
        )
    ]
