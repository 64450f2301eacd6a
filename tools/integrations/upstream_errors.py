"""HTTP failures of GitHub, Notion and Jira turned into clear ``ToolError``s.

Each integration extracts the status, the service's own message, the headers and a description of
what it asked for, then calls ``upstream_error``. No HTML error page or traceback reaches the user.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.errors import Conflict, InvalidArgument, NotFound, ToolError, UpstreamError
from tools.integrations.retry import parse_retry_after

_MAX_DETAIL = 500


@dataclass(frozen=True)
class Service:
    """A remote service and the setting that holds its credential."""

    name: str
    """How users call it: "GitHub"."""
    key: str
    """Short id used in ``UpstreamError.service``: "github"."""
    credential: str
    """The setting(s) that hold the credential: "GITHUB_TOKEN"."""


GITHUB = Service("GitHub", "github", "GITHUB_TOKEN")
NOTION = Service("Notion", "notion", "NOTION_TOKEN")
JIRA = Service(
    "Jira", "jira", "JIRA_USERNAME + JIRA_API_TOKEN (Cloud) or JIRA_PERSONAL_TOKEN (Server)"
)


def clean_detail(text: str | None) -> str:
    """The service's message, short, without markup; empty for HTML error pages."""
    if not text:
        return ""
    text = text.strip()
    if text.startswith("<") or "<html" in text[:200].lower():
        return ""
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def body_detail(body: Any) -> str:
    """The message in an error body: the service's own shape, or an RFC 7807 problem (which
    mock servers answer) with its validation messages."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return clean_detail(body)
    if not isinstance(body, dict):
        return ""
    if body.get("message"):
        return clean_detail(str(body["message"]))
    parts = [str(body[key]) for key in ("title",) if body.get(key)]
    problems = body.get("validation")
    if isinstance(problems, list):
        parts += [
            f"{'.'.join(map(str, p.get('location', [])))}: {p.get('message')}"
            for p in problems[:5]
            if isinstance(p, dict)
        ]
    return clean_detail("; ".join(parts))


def upstream_error(
    service: Service,
    status: int | None,
    detail: str | None,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    permission: str | None = None,
) -> ToolError:
    """The ``ToolError`` for a failed call: ``what`` names the object it was about."""
    headers = headers or {}
    message = clean_detail(detail)
    said = f": {message}" if message else ""
    retry_after = parse_retry_after(_header(headers, "Retry-After"))
    if retry_after is None and _header(headers, "X-RateLimit-Remaining") == "0":
        retry_after = _until_reset(_header(headers, "X-RateLimit-Reset"))
    if status is None:
        return UpstreamError(
            f"could not reach {service.name} while {what}{said}", service=service.key
        )
    if status == 401:
        return UpstreamError(
            f"{service.name} rejected the credential ({status}{said})",
            service=service.key,
            upstream_status=status,
            hint=f"check {service.credential}",
        )
    if status == 403 and not _rate_limited(headers, message):
        needs = f"; it needs {permission}" if permission else ""
        return UpstreamError(
            f"{service.name} refused {what} ({status}{said}){needs}",
            service=service.key,
            upstream_status=status,
            hint=f"give the credential in {service.credential} that permission",
        )
    if status in (403, 429):
        wait = f"; retry after {retry_after:.0f}s" if retry_after is not None else ""
        return UpstreamError(
            f"{service.name} rate limit reached while {what}{said}{wait}",
            service=service.key,
            upstream_status=429,
            retry_after=retry_after,
        )
    if status == 404:
        return NotFound(
            f"{service.name}: not found while {what}{said}",
            hint=f"check the name, and that the credential in {service.credential} can see it",
        )
    if status in (409, 412, 422):
        return Conflict(f"{service.name} refused {what} because of a conflict ({status}{said})")
    if 400 <= status < 500:
        return InvalidArgument(f"{service.name} rejected {what} ({status}{said})")
    return UpstreamError(
        f"{service.name} failed while {what} ({status}{said})",
        service=service.key,
        upstream_status=status,
        retry_after=retry_after,
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _until_reset(reset: str | None) -> float | None:
    """Seconds until an ``X-RateLimit-Reset`` time (epoch seconds), as GitHub sends it."""
    try:
        return max(0.0, float(reset or "") - time.time())
    except ValueError:
        return None


def _rate_limited(headers: Mapping[str, str], message: str) -> bool:
    if _header(headers, "Retry-After") is not None:
        return True
    if _header(headers, "X-RateLimit-Remaining") == "0":
        return True
    return "rate limit" in message.lower()
