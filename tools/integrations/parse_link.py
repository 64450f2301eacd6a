"""``parse_link``: GitHub, Notion and Jira links in a text, as typed references.

URLs are found in free text (Markdown links and angle brackets included) and trailing sentence
punctuation is dropped. Ambiguities are resolved the same way every time:

- GitHub ``blob``/``tree`` URLs put the ref and the path in one run of segments
  (``/blob/feature/x/src/app.py`` could be ref ``feature/x`` or ref ``feature``). Without asking
  GitHub this cannot be decided, so the first segment is the ref and the rest is the path.
- A Notion URL carries its id as the last 32 hex digits of the path (``Title-<id>``), or in
  ``?p=<id>`` (a page opened as a peek), which wins. ``?v=<view>`` marks a database view.
- A Jira link is any ``*.atlassian.net`` URL naming a project or an issue, or any host whose path
  holds ``/browse/KEY-N`` (self-hosted Jira, with a context path kept in ``site``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, Field

from tools.context import ToolContext

Service = Literal["github", "notion", "jira"]
Kind = Literal[
    "repo", "blob", "tree", "issue", "pull_request", "commit", "page", "database", "project"
]


class LinkRef(BaseModel):
    """One recognised link. Which optional fields are set depends on ``service`` and ``kind``."""

    service: Service
    kind: Kind
    url: str
    owner: str | None = None
    repo: str | None = None
    ref: str | None = Field(
        default=None, description="Branch, tag or commit; for blob/tree the first path segment."
    )
    path: str | None = None
    number: int | None = Field(default=None, description="Issue or pull request number.")
    notion_id: str | None = Field(default=None, description="Dashed lowercase UUID.")
    site: str | None = Field(
        default=None, description="Jira base URL (scheme, host and any context path)."
    )
    issue_key: str | None = None
    project_key: str | None = None


class ParsedLinks(BaseModel):
    links: list[LinkRef]
    other_urls: list[str] = Field(
        default_factory=list, description="URLs found in the text that are none of the above."
    )


_URL = re.compile(
    r"""(?:https?://|(?<![\w@./-])(?=(?:www\.)?github\.com/|(?:www\.)?notion\.so/))[^\s<>"'`]+""",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*_~'\""
_HEX32 = re.compile(r"(?<![0-9a-f])([0-9a-f]{32})$", re.IGNORECASE)
_DASHED = re.compile(
    r"(?<![0-9a-f])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)
_ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]*)$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_GITHUB_NOT_OWNERS = frozenset(
    {
        "about", "apps", "collections", "contact", "enterprise", "explore", "features",
        "login", "logout", "marketplace", "new", "notifications", "orgs", "organizations",
        "pricing", "search", "security", "settings", "signup", "sponsors", "topics",
        "trending", "users", "site", "pulls", "issues", "codespaces", "dashboard",
    }
)  # fmt: skip
_BLOB_KINDS = {"blob": "blob", "blame": "blob", "raw": "blob", "edit": "blob", "tree": "tree"}


async def parse_link(
    ctx: ToolContext,
    text: Annotated[
        str, Field(description="Text containing links (a message, a Markdown document, a URL).")
    ],
) -> ParsedLinks:
    """Find every GitHub, Notion and Jira link in a text and return typed references.

    GitHub: repositories, files and folders (ref and path; for refs with slashes the first segment
    is taken as the ref), issues, pull requests, commits. Notion: page or database ids from any
    URL form. Jira: site, issue key and project key (Cloud and self-hosted /browse/ links)."""
    return parse_links(text)


def parse_links(text: str) -> ParsedLinks:
    links: list[LinkRef] = []
    others: list[str] = []
    for url in find_urls(text):
        ref = parse_url(url)
        if ref is None:
            if url not in others:
                others.append(url)
        elif ref not in links:
            links.append(ref)
    return ParsedLinks(links=links, other_urls=others)


def find_urls(text: str) -> list[str]:
    """URLs in free text, without trailing punctuation or unbalanced closing brackets."""
    found: list[str] = []
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if "://" not in url:
            url = "https://" + url
        if urlsplit(url).netloc:
            found.append(url)
    return found


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in ")]}":
            opening = {")": "(", "]": "[", "}": "{"}[last]
            if url.count(opening) >= url.count(last):
                break
            url = url[:-1]
        else:
            break
    return url


def parse_url(url: str) -> LinkRef | None:
    """The reference a single URL names, or ``None`` when it is none of the three services."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host in ("github.com", "www.github.com"):
        return _github(url, _segments(parts.path))
    if host == "raw.githubusercontent.com":
        return _github_raw(url, _segments(parts.path))
    if host in ("notion.so", "www.notion.so", "notion.com", "www.notion.com") or host.endswith(
        ".notion.site"
    ):
        return _notion(url, parts.path, parse_qs(parts.query))
    return _jira(url, parts.scheme or "https", parts.netloc, parts.path, parse_qs(parts.query))


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def _github(url: str, segs: list[str]) -> LinkRef | None:
    if len(segs) < 2 or segs[0].lower() in _GITHUB_NOT_OWNERS:
        return None
    owner, repo = segs[0], segs[1].removesuffix(".git")
    base = {"service": "github", "url": url, "owner": owner, "repo": repo}
    rest = segs[2:]
    if len(rest) >= 2 and rest[0] in _BLOB_KINDS:
        path = "/".join(rest[2:]) or None
        return LinkRef.model_validate(
            {**base, "kind": _BLOB_KINDS[rest[0]], "ref": rest[1], "path": path}
        )
    if len(rest) >= 2 and rest[0] in ("issues", "pull", "pulls") and rest[1].isdigit():
        kind = "issue" if rest[0] == "issues" else "pull_request"
        return LinkRef.model_validate({**base, "kind": kind, "number": int(rest[1])})
    if len(rest) >= 2 and rest[0] == "commit":
        return LinkRef.model_validate({**base, "kind": "commit", "ref": rest[1]})
    return LinkRef.model_validate({**base, "kind": "repo"})


def _github_raw(url: str, segs: list[str]) -> LinkRef | None:
    if len(segs) < 4:
        return None
    return LinkRef(
        service="github",
        kind="blob",
        url=url,
        owner=segs[0],
        repo=segs[1],
        ref=segs[2],
        path="/".join(segs[3:]),
    )


def notion_id_from(value: str) -> str | None:
    """A dashed lowercase UUID from a raw id (dashed or not) or a ``Title-<id>`` segment."""
    match = _DASHED.search(value.strip()) or _HEX32.search(value.strip())
    if match is None:
        return None
    raw = match.group(1).replace("-", "").lower()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _notion(url: str, path: str, query: dict[str, list[str]]) -> LinkRef | None:
    peek = query.get("p", [])
    notion_id = notion_id_from(peek[0]) if peek else None
    segs = _segments(path)
    if notion_id is None and segs:
        notion_id = notion_id_from(segs[-1])
    if notion_id is None:
        return None
    kind = "database" if query.get("v") and not peek else "page"
    return LinkRef(service="notion", kind=kind, url=url, notion_id=notion_id)


def _jira(
    url: str, scheme: str, netloc: str, path: str, query: dict[str, list[str]]
) -> LinkRef | None:
    host = netloc.lower()
    segs = _segments(path)
    selected = [k for k in query.get("selectedIssue", []) if _ISSUE_KEY.match(k)]
    if "browse" in segs:
        at = segs.index("browse")
        context = "/".join(segs[:at])
        site = f"{scheme}://{host}" + (f"/{context}" if context else "")
        target = segs[at + 1] if len(segs) > at + 1 else ""
        if (issue := _ISSUE_KEY.match(target)) is not None:
            return LinkRef(
                service="jira",
                kind="issue",
                url=url,
                site=site,
                issue_key=target,
                project_key=issue.group(1),
            )
        if _PROJECT_KEY.match(target) and host.endswith(".atlassian.net"):
            return LinkRef(service="jira", kind="project", url=url, site=site, project_key=target)
        return None
    site = f"{scheme}://{host}"
    if not host.endswith(".atlassian.net"):
        if selected and any(s.lower() == "rapidboard.jspa" for s in segs):
            context = "/".join(segs[: [s.lower() for s in segs].index("rapidboard.jspa") - 1])
            site += f"/{context}" if context else ""
            return _jira_issue(url, site, selected[0])
        return None
    if selected:
        return _jira_issue(url, site, selected[0])
    if "issues" in segs:
        after = segs[segs.index("issues") + 1 :]
        if after and _ISSUE_KEY.match(after[0]):
            return _jira_issue(url, site, after[0])
    if "projects" in segs:
        after = segs[segs.index("projects") + 1 :]
        keyed = [s for s in after[1:] if _ISSUE_KEY.match(s) and s.startswith(after[0] + "-")]
        if keyed:  # a service desk queue or a project page showing one issue
            return _jira_issue(url, site, keyed[-1])
        if after and _PROJECT_KEY.match(after[0]):
            return LinkRef(service="jira", kind="project", url=url, site=site, project_key=after[0])
    return None


def _jira_issue(url: str, site: str, key: str) -> LinkRef:
    return LinkRef(
        service="jira",
        kind="issue",
        url=url,
        site=site,
        issue_key=key,
        project_key=key.rsplit("-", 1)[0],
    )
