"""``create_github_file``: create, or explicitly update, a file on a branch of a GitHub repository.

PyGithub runs in a worker thread with its own retries off; ``tools.integrations.retry``
retries rate limits and server errors. The token comes from the context (``GITHUB_TOKEN``
locally), the API base URL from ``GITHUB_API_URL`` (GitHub Enterprise: ``https://HOST/api/v3``).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

import anyio.to_thread
from pydantic import Field

from tools.context import ToolContext
from tools.egress.policy import policy_for
from tools.errors import AlreadyExists, Conflict, InvalidArgument, MissingCredential, ToolError
from tools.integrations.parse_link import parse_url
from tools.integrations.retry import RetryPolicy, with_retries
from tools.integrations.upstream_errors import GITHUB, body_detail, upstream_error
from tools.integrations.write_once import NO_CREDENTIAL, UNCHECKED, WriteOutcome, write_once
from tools.settings import ToolSettings

if TYPE_CHECKING:
    from github.GithubException import GithubException

_REPO = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/([A-Za-z0-9._-]+)$")


class GithubFileResult(WriteOutcome):
    repo: str = Field(description="owner/name")
    path: str
    branch: str | None = Field(description="The branch written to (None: the default branch).")
    action: Literal["created", "updated"] | None = None
    html_url: str | None = None
    commit_sha: str | None = None
    content_sha: str | None = Field(default=None, description="Blob sha of the written file.")


async def create_github_file(
    ctx: ToolContext,
    repo: Annotated[
        str, Field(description="Repository as owner/name, or any GitHub URL inside it.")
    ],
    path: Annotated[str, Field(description="File path inside the repository, like docs/a.md.")],
    content: Annotated[str, Field(description="The complete text content of the file.")],
    message: Annotated[str, Field(min_length=1, description="The commit message.")],
    branch: Annotated[
        str | None, Field(description="Branch to commit to; default: the repository's default.")
    ] = None,
    update: Annotated[
        bool, Field(description="Replace the file if it exists (otherwise that is an error).")
    ] = False,
    dry_run: Annotated[
        bool, Field(description="Validate and show the request without sending it.")
    ] = False,
) -> GithubFileResult:
    """Create a file (or, with update=true, replace one) on a branch of a GitHub repository.

    Refuses to overwrite an existing file unless update is true; then it uses the file's current
    blob sha and reports a conflict if the file changed in between. Returns the file's URL and
    the commit sha."""
    owner, name, link_branch = _repository(repo)
    branch = branch or link_branch
    file_path = _file_path(path)
    token = ctx.credentials.github_token
    base_url = ctx.settings.github_api_url.rstrip("/")
    body: dict[str, Any] = {
        "message": message,
        "content": base64.b64encode(content.encode()).decode(),
    }
    if branch:
        body["branch"] = branch
    full = f"{owner}/{name}"
    if dry_run:
        notes = [UNCHECKED.format(service="GitHub")]
        if token is None:
            notes.append(
                NO_CREDENTIAL.format(hint=ctx.credentials.hint("github", "set GITHUB_TOKEN"))
            )
        if not branch:
            notes.append("GitHub creates the file on the default branch")
        if update:
            body["sha"] = "<the file's current blob sha, read first; omitted if it is new>"
            notes.append("the current sha is read right before writing")
        request = {
            "method": "PUT",
            "url": f"{base_url}/repos/{full}/contents/{quote(file_path)}",
            "json": body,
        }
        return GithubFileResult(
            repo=full, path=file_path, branch=branch, dry_run=True, request=request, notes=notes
        )
    if token is None:
        raise MissingCredential(
            "create_github_file needs a GitHub token",
            hint=ctx.credentials.hint("github", "set GITHUB_TOKEN"),
        )

    def run() -> GithubFileResult:
        return _write(base_url, token.get_secret_value(), ctx.settings,
                      full, file_path, content, message, branch, update)  # fmt: skip

    async def perform() -> GithubFileResult:
        return await with_retries(
            lambda: anyio.to_thread.run_sync(run), RetryPolicy.from_settings(ctx.settings)
        )

    normalised = {
        "repo": full.lower(),
        "path": file_path,
        "content": content,
        "message": message,
        "branch": branch,
        "update": update,
        "api": base_url,
    }
    return await write_once(ctx, "create_github_file", normalised, perform, GithubFileResult)


def _repository(repo: str) -> tuple[str, str, str | None]:
    text = repo.strip().removesuffix(".git")
    match = _REPO.match(text)
    if match:
        return match.group(1), match.group(2), None
    link = parse_url(text if "://" in text else f"https://{text}")
    if link is not None and link.service == "github" and link.owner and link.repo:
        return link.owner, link.repo, link.ref if link.kind in ("blob", "tree") else None
    raise InvalidArgument(
        f"{repo!r} is not a GitHub repository", hint="give owner/name or a github.com URL"
    )


def _file_path(path: str) -> str:
    clean = path.strip().strip("/")
    parts = clean.split("/")
    if not clean or any(p in ("", ".", "..") for p in parts) or "\x00" in clean:
        raise InvalidArgument(f"{path!r} is not a valid file path in a repository")
    return clean


def _write(
    base_url: str,
    token: str,
    settings: ToolSettings,
    full: str,
    path: str,
    content: str,
    message: str,
    branch: str | None,
    update: bool,
) -> GithubFileResult:
    from github import Auth, Github, GithubException
    from requests.exceptions import RequestException

    from tools.integrations.guarded_clients import guard_github

    gh = Github(
        base_url=base_url,
        auth=Auth.Token(token),
        timeout=max(1, round(settings.http_timeout)),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    guard_github(gh, policy_for(settings))
    step = f"reading repository {full}"
    try:
        repository = gh.get_repo(full)
        ref = branch or repository.default_branch
        step = f"reading {path} on {full}@{ref}"
        existing = _existing(repository, path, ref)
        if existing is not None and not update:
            raise AlreadyExists(
                f"{path} already exists in {full} on {ref} (blob sha {existing})",
                hint="pass update=true to replace it",
            )
        step = f"writing {path} to {full}@{ref}"
        kwargs: dict[str, Any] = {"branch": branch} if branch else {}
        if existing is None:
            result = repository.create_file(path, message, content, **kwargs)
        else:
            result = repository.update_file(path, message, content, existing, **kwargs)
    except GithubException as exc:
        raise _error(exc, step, path, full) from None
    except RequestException as exc:
        raise upstream_error(GITHUB, None, type(exc).__name__, what=step) from None
    finally:
        gh.close()
    written = result["content"]
    return GithubFileResult(
        repo=full,
        path=path,
        branch=ref,
        action="created" if existing is None else "updated",
        html_url=getattr(written, "html_url", None),
        commit_sha=result["commit"].sha,
        content_sha=getattr(written, "sha", None),
    )


def _existing(repository: Any, path: str, ref: str) -> str | None:
    """The blob sha of ``path`` on ``ref``, or ``None`` when there is no such file."""
    from github import GithubException

    try:
        found = repository.get_contents(path, ref=ref)
    except GithubException as exc:
        if exc.status == 404:
            return None
        raise
    if isinstance(found, list):
        raise Conflict(f"{path} is a directory in the repository, not a file")
    return str(found.sha)


def _error(exc: GithubException, step: str, path: str, full: str) -> ToolError:
    data = exc.data if isinstance(exc.data, dict) else {}
    detail = body_detail(data) or str(exc.message or "")
    headers = {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
    if exc.status == 409 and step.startswith("writing"):
        return Conflict(
            f"{path} in {full} changed while it was being updated ({detail or 'sha mismatch'})",
            hint="call again to update on top of the new version",
        )
    if exc.status == 422 and step.startswith("writing") and '"sha"' in detail:
        return Conflict(
            f"{path} appeared in {full} while it was being created",
            hint="call again with update=true to replace it",
        )
    permission = headers.get("x-accepted-github-permissions") or (
        f"scope {headers['x-accepted-oauth-scopes']}" if headers.get("x-accepted-oauth-scopes")
        else None
    )  # fmt: skip
    return upstream_error(
        GITHUB, exc.status, detail, what=step, headers=headers, permission=permission
    )
