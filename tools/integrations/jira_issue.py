"""``create_jira_issue``: an issue in a Jira project, Cloud or Server/Data Center.

The ``jira`` client runs in a worker thread with its own retries off. The deployment decides the
REST version: Jira Cloud (``serverInfo.deploymentType == "Cloud"``) gets REST v3 with the
description in Atlassian Document Format and assignees by account id; Server/Data Center gets
REST v2 with wiki markup and assignees by user name. The issue type and components are checked
against the project first, so a wrong name fails with the list of valid ones and nothing created.

Credentials: ``JIRA_URL`` plus ``JIRA_USERNAME`` and ``JIRA_API_TOKEN`` (Cloud, basic auth), or
``JIRA_PERSONAL_TOKEN`` (Server/Data Center, bearer token).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

import anyio.to_thread
from pydantic import Field

from tools.context import Credentials, ToolContext
from tools.egress.policy import EgressPolicy, policy_for
from tools.errors import InvalidArgument, MissingCredential, NotFound, ToolError
from tools.integrations.jira_markup import adf_size, markdown_to_adf, markdown_to_wiki
from tools.integrations.parse_link import parse_url
from tools.integrations.retry import RetryPolicy, with_retries
from tools.integrations.upstream_errors import JIRA, clean_detail, upstream_error
from tools.integrations.write_once import NO_CREDENTIAL, UNCHECKED, WriteOutcome, write_once

if TYPE_CHECKING:
    from jira import JIRA as JiraClient  # noqa: N811
    from jira.exceptions import JIRAError

MAX_DESCRIPTION = 32_767
"""Jira's limit on a text field such as the description."""
_PROJECT = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ISSUE = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_FIELD_ID = re.compile(r"^(customfield_\d+|[a-z][A-Za-z]*)$")
_RESERVED = frozenset({"project", "summary", "issuetype", "description"})
_ACCOUNT_ID = re.compile(r"^([0-9a-f]{24}|\d+:[0-9a-f-]{36}|[0-9a-zA-Z-]+:[0-9a-f-]{8,})$")


class JiraIssueResult(WriteOutcome):
    project: str
    issue_type: str
    key: str | None = None
    id: str | None = None
    url: str | None = Field(default=None, description="The issue's browse URL.")
    api_version: Literal["2", "3"] | None = Field(
        default=None, description="REST version used: 3 (Cloud, ADF) or 2 (Server, wiki markup)."
    )


@dataclass(frozen=True)
class _Request:
    project: str
    summary: str
    description: str
    issue_type: str
    labels: list[str]
    components: list[str]
    priority: str | None
    assignee: str | None
    parent: str | None
    extra: dict[str, Any]


async def create_jira_issue(
    ctx: ToolContext,
    project: Annotated[str, Field(description="Project key (ABC) or a Jira project/issue URL.")],
    summary: Annotated[str, Field(min_length=1, max_length=255, description="One-line title.")],
    description_markdown: Annotated[
        str, Field(description="Description as Markdown; converted for the Jira version.")
    ] = "",
    issue_type: Annotated[
        str, Field(description="Issue type name as the project defines it (Task, Bug, Story).")
    ] = "Task",
    labels: Annotated[
        list[str] | None, Field(description="Labels (no spaces inside a label).")
    ] = None,
    components: Annotated[
        list[str] | None, Field(description="Component names of the project.")
    ] = None,
    priority: Annotated[str | None, Field(description="Priority name, like High.")] = None,
    assignee: Annotated[
        str | None,
        Field(description="Cloud: account id or an exact name/e-mail; Server: user name."),
    ] = None,
    parent: Annotated[
        str | None,
        Field(description="Parent issue key or URL (for sub-tasks and epics' children)."),
    ] = None,
    extra_fields: Annotated[
        list[str] | None,
        Field(
            description='More fields as "field=value": a field id (customfield_10011, duedate) '
            "or a field name (Story Points); the value is read as JSON when it parses "
            '(5, {"value": "Red"}, ["a"]) and as text otherwise.'
        ),
    ] = None,
    dry_run: Annotated[
        bool, Field(description="Validate and show the request without sending it.")
    ] = False,
) -> JiraIssueResult:
    """Create a Jira issue (Cloud or Server/Data Center) with a Markdown description.

    The issue type and components are checked against the project first; a wrong name fails with
    the valid names listed. Returns the issue key and its browse URL."""
    request = _Request(
        project=_project_key(project),
        summary=summary.strip(),
        description=description_markdown,
        issue_type=issue_type.strip(),
        labels=_labels(labels or []),
        components=[c.strip() for c in components or [] if c.strip()],
        priority=priority.strip() if priority and priority.strip() else None,
        assignee=assignee.strip() if assignee and assignee.strip() else None,
        parent=_issue_key(parent) if parent else None,
        extra=_extra_fields(extra_fields or []),
    )
    if not request.summary or "\n" in request.summary:
        raise InvalidArgument("summary must be one non-empty line")
    if dry_run:
        return _dry_run_unchecked(ctx, request)
    server, auth = _credentials(ctx.credentials, ctx.settings.jira_url)

    policy = RetryPolicy.from_settings(ctx.settings)
    timeout = ctx.settings.http_timeout
    egress = policy_for(ctx.settings)

    async def perform() -> JiraIssueResult:
        return await with_retries(
            lambda: anyio.to_thread.run_sync(_create, server, auth, timeout, request, egress),
            policy,
        )

    normalised = {
        "server": server,
        **asdict(request),
    }
    return await write_once(ctx, "create_jira_issue", normalised, perform, JiraIssueResult)


def _project_key(project: str) -> str:
    text = project.strip()
    if "://" in text:
        link = parse_url(text)
        if link is None or link.service != "jira" or not link.project_key:
            raise InvalidArgument(f"{project!r} is not a Jira project or issue URL")
        return link.project_key
    if not _PROJECT.match(text.upper()):
        raise InvalidArgument(f"{project!r} is not a Jira project key (like ABC)")
    return text.upper()


def _issue_key(value: str) -> str:
    text = value.strip()
    if "://" in text:
        link = parse_url(text)
        if link is None or link.issue_key is None:
            raise InvalidArgument(f"{value!r} is not a Jira issue URL")
        return link.issue_key
    if not _ISSUE.match(text.upper()):
        raise InvalidArgument(f"{value!r} is not a Jira issue key (like ABC-12)")
    return text.upper()


def _labels(labels: list[str]) -> list[str]:
    out = []
    for label in labels:
        label = label.strip()
        if not label:
            continue
        if any(ch.isspace() for ch in label):
            raise InvalidArgument(f"Jira labels cannot contain spaces: {label!r}")
        out.append(label)
    return out


def _extra_fields(pairs: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidArgument(f'extra field {pair!r} is not "field=value"')
        if name.lower() in _RESERVED:
            raise InvalidArgument(f"{name} has its own parameter; do not pass it in extra_fields")
        try:
            fields[name] = json.loads(raw)
        except json.JSONDecodeError:
            fields[name] = raw
    return fields


def _credentials(creds: Credentials, url: str | None) -> tuple[str, dict[str, Any]]:
    server = (creds.jira_url or url or "").rstrip("/")
    if not server:
        raise MissingCredential(
            "create_jira_issue needs the Jira address", hint=creds.hint("jira", "set JIRA_URL")
        )
    if creds.jira_personal_token is not None:
        return server, {"token_auth": creds.jira_personal_token.get_secret_value()}
    if creds.jira_username and creds.jira_api_token is not None:
        return server, {
            "basic_auth": (creds.jira_username, creds.jira_api_token.get_secret_value())
        }
    raise MissingCredential(
        "create_jira_issue needs Jira credentials",
        hint=creds.hint(
            "jira", "set JIRA_USERNAME and JIRA_API_TOKEN (Cloud) or JIRA_PERSONAL_TOKEN (Server)"
        ),
    )


def _looks_cloud(server: str) -> bool:
    return (urlsplit(server).hostname or "").endswith(".atlassian.net")


def _fields(request: _Request, cloud: bool, issue_type: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "project": {"key": request.project},
        "summary": request.summary,
        "issuetype": issue_type,
    }
    if request.description.strip():
        if cloud:
            fields["description"] = markdown_to_adf(request.description)
            size = adf_size(fields["description"])
            if size > MAX_DESCRIPTION:
                raise InvalidArgument(
                    f"the description is {size:,} characters as Atlassian Document Format "
                    f"(JSON); Jira takes at most {MAX_DESCRIPTION:,}: shorten it or attach the "
                    "rest as a file"
                )
        else:
            fields["description"] = markdown_to_wiki(request.description)
            if len(fields["description"]) > MAX_DESCRIPTION:
                raise InvalidArgument(
                    f"the description is {len(fields['description']):,} characters as wiki "
                    f"markup; Jira takes at most {MAX_DESCRIPTION:,}"
                )
    if request.labels:
        fields["labels"] = request.labels
    if request.components:
        fields["components"] = [{"name": c} for c in request.components]
    if request.priority:
        fields["priority"] = {"name": request.priority}
    if request.parent:
        fields["parent"] = {"key": request.parent}
    return fields


def _dry_run_unchecked(ctx: ToolContext, request: _Request) -> JiraIssueResult:
    """The dry run, with or without credentials (it sends nothing either way)."""
    notes = [UNCHECKED.format(service="Jira")]
    try:
        server, _ = _credentials(ctx.credentials, ctx.settings.jira_url)
    except MissingCredential as exc:
        server = (ctx.credentials.jira_url or ctx.settings.jira_url or "").rstrip("/")
        server = server or "<JIRA_URL>"
        notes.append(NO_CREDENTIAL.format(hint=str(exc)))
    result = _dry_run(server, request)
    result.notes[:0] = notes
    return result


def _dry_run(server: str, request: _Request) -> JiraIssueResult:
    cloud = _looks_cloud(server)
    version = "3" if cloud else "2"
    fields = _fields(request, cloud, {"name": request.issue_type})
    if request.assignee:
        fields["assignee"] = {"accountId" if cloud else "name": request.assignee}
    fields.update(request.extra)
    notes = [
        f"REST v{version} guessed from the address; the server's deploymentType decides "
        "(Cloud: v3 with an ADF description, Server/Data Center: v2 with wiki markup)",
        "the issue type and components are checked against the project and the type is sent by id",
    ]
    if any(not _FIELD_ID.match(name) for name in request.extra):
        notes.append("extra field names are resolved to field ids")
    url = f"{server}/rest/api/{version}/issue"
    return JiraIssueResult(
        project=request.project,
        issue_type=request.issue_type,
        api_version=version,
        dry_run=True,
        request={"method": "POST", "url": url, "json": {"fields": fields}},
        notes=notes,
    )


def _create(
    server: str, auth: dict[str, Any], timeout: float, request: _Request, egress: EgressPolicy
) -> JiraIssueResult:
    from jira.exceptions import JIRAError
    from requests.exceptions import RequestException

    from tools.integrations.guarded_clients import guarded_jira

    step = f"connecting to {server}"
    try:
        client = guarded_jira(egress, server=server, max_retries=0, timeout=timeout, **auth)
        cloud = client.deploymentType == "Cloud"
        if cloud:
            client.close()  # type: ignore[no-untyped-call]
            client = guarded_jira(
                egress,
                server=server,
                options={"rest_api_version": "3"},
                get_server_info=False,
                max_retries=0,
                timeout=timeout,
                **auth,
            )
            client.deploymentType = "Cloud"
        try:
            step = f"reading project {request.project}"
            project = client.project(request.project).raw
            issue_type = _check_issue_type(project, request)
            _check_components(project, request)
            fields = _fields(request, cloud, {"id": issue_type})
            if request.assignee:
                step = f"looking up user {request.assignee}"
                fields["assignee"] = _assignee(client, request.assignee, cloud)
            if request.extra:
                step = "reading the field list"
                fields.update(_resolve_extra(client, request.extra))
            step = f"creating the issue in {request.project}"
            issue = client.create_issue(fields=fields, prefetch=False)
        finally:
            client.close()  # type: ignore[no-untyped-call]
    except JIRAError as exc:
        raise _error(exc, step, request) from None
    except RequestException as exc:
        raise upstream_error(JIRA, None, type(exc).__name__, what=step) from None
    return JiraIssueResult(
        project=request.project,
        issue_type=request.issue_type,
        key=issue.key,
        id=str(issue.id),
        url=f"{server}/browse/{issue.key}",
        api_version="3" if cloud else "2",
    )


def _check_issue_type(project: dict[str, Any], request: _Request) -> str:
    types = project.get("issueTypes") or []
    wanted = request.issue_type.lower()
    for kind in types:
        if str(kind.get("name", "")).lower() == wanted:
            if kind.get("subtask") and not request.parent:
                raise InvalidArgument(f"{kind['name']} is a sub-task type: give parent=ISSUE-KEY")
            return str(kind["id"])
    names = ", ".join(sorted(str(k.get("name")) for k in types)) or "none"
    raise InvalidArgument(
        f"project {request.project} has no issue type {request.issue_type!r}; valid: {names}"
    )


def _check_components(project: dict[str, Any], request: _Request) -> None:
    known = {str(c.get("name")) for c in project.get("components") or []}
    missing = [c for c in request.components if c not in known]
    if missing:
        valid = ", ".join(sorted(known)) or "the project has none"
        raise InvalidArgument(
            f"project {request.project} has no component {', '.join(map(repr, missing))}; "
            f"valid: {valid}"
        )


def _assignee(client: JiraClient, assignee: str, cloud: bool) -> dict[str, str]:
    if not cloud:
        return {"name": assignee}
    if _ACCOUNT_ID.match(assignee):
        return {"accountId": assignee}
    users = [u.raw for u in client.search_users(query=assignee, maxResults=20)]
    exact = [
        u
        for u in users
        if assignee.lower() in (str(u.get("displayName", "")).lower(),
                                str(u.get("emailAddress", "")).lower())
    ]  # fmt: skip
    if len(exact) != 1:
        found = ", ".join(str(u.get("displayName")) for u in users[:10]) or "nobody"
        raise InvalidArgument(
            f"assignee {assignee!r} does not name exactly one Jira user (found: {found})",
            hint="give the account id",
        )
    return {"accountId": str(exact[0]["accountId"])}


def _resolve_extra(client: JiraClient, extra: dict[str, Any]) -> dict[str, Any]:
    if all(_FIELD_ID.match(name) for name in extra):
        return extra
    by_name = {str(f.get("name", "")).lower(): str(f["id"]) for f in client.fields()}
    ids = {str(f["id"]) for f in client.fields()}
    out: dict[str, Any] = {}
    for name, value in extra.items():
        if name in ids:
            out[name] = value
        elif name.lower() in by_name:
            out[by_name[name.lower()]] = value
        else:
            raise InvalidArgument(f"Jira has no field called {name!r}")
    return out


def _error(exc: JIRAError, step: str, request: _Request) -> ToolError:
    response = exc.response
    status = exc.status_code
    headers = dict(response.headers) if response is not None else {}
    detail = _jira_messages(response.text if response is not None else "") or clean_detail(
        exc.text if isinstance(exc.text, str) else ""
    )
    if status == 404 and step.startswith("reading project"):
        return NotFound(
            f"Jira project {request.project} was not found ({detail})" if detail
            else f"Jira project {request.project} was not found",
            hint="check the key, and that the Jira user can browse the project",
        )  # fmt: skip
    if status == 400:
        return InvalidArgument(f"Jira rejected the issue: {detail or 'bad request'}")
    permission = "the Create Issues permission in the project" if status == 403 else None
    return upstream_error(JIRA, status, detail, what=step, headers=headers, permission=permission)


def _jira_messages(text: str) -> str:
    try:
        body = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return clean_detail(text)
    if not isinstance(body, dict):
        return ""
    messages = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors") or {}
    if isinstance(errors, dict):
        messages += [f"{field}: {message}" for field, message in errors.items()]
    return clean_detail("; ".join(messages))
