"""The optional check of new credentials (``PUT /integrations/...?validate=true``): one cheap
authenticated call to the service, answering whom the credentials belong to.

GitHub ``GET /user``, Notion ``GET /v1/users/me``, Jira ``GET /rest/api/2/myself``. A refusal
(401/403) is the caller's mistake (422, nothing stored); an unreachable or failing service is an
upstream error (502). The request goes through the guarded transport: an internal address that
the operator has not allowed is 400 ``address_not_allowed`` and is never contacted.
"""

from __future__ import annotations

import base64
from typing import Any

from tools.egress.policy import policy_for
from tools.errors import InvalidArgument, UpstreamError
from tools.settings import ToolSettings

NOTION_VERSION = "2025-09-03"
LABELS = {"github": "GitHub", "notion": "Notion", "jira": "Jira"}


def _request(
    service: str, fields: dict[str, str], settings: ToolSettings
) -> tuple[str, dict[str, str]]:
    if service == "github":
        return settings.github_api_url.rstrip("/") + "/user", {
            "Authorization": f"Bearer {fields['token']}",
            "Accept": "application/vnd.github+json",
        }
    if service == "notion":
        return settings.notion_api_url.rstrip("/") + "/v1/users/me", {
            "Authorization": f"Bearer {fields['token']}",
            "Notion-Version": NOTION_VERSION,
        }
    if "personal_token" in fields:
        auth = f"Bearer {fields['personal_token']}"
    else:
        pair = f"{fields['username']}:{fields['api_token']}".encode()
        auth = "Basic " + base64.b64encode(pair).decode()
    return fields["url"].rstrip("/") + "/rest/api/2/myself", {
        "Authorization": auth,
        "Accept": "application/json",
    }


def _account(service: str, body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    keys = {
        "github": ("login",),
        "notion": ("name", "id"),
        "jira": ("emailAddress", "displayName", "name"),
    }
    for key in keys[service]:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


async def check(service: str, fields: dict[str, str], settings: ToolSettings) -> str | None:
    """Call the service with the credentials; the account they belong to (when it says)."""
    import httpx

    from tools.egress.httpx_guard import guarded_client

    label = LABELS[service]
    url, headers = _request(service, fields, settings)
    try:
        async with guarded_client(policy_for(settings), timeout=settings.http_timeout) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"could not reach {label} to check the credentials: {type(exc).__name__}",
            service=service,
            hint="save without ?validate=true to store them unchecked",
        ) from None
    if response.status_code in (401, 403):
        raise InvalidArgument(
            f"{label} refused these credentials ({response.status_code})",
            hint="check the token and its permissions; nothing was stored",
        )
    if response.status_code >= 300:
        raise UpstreamError(
            f"{label} answered {response.status_code} to the credentials check",
            service=service,
            upstream_status=response.status_code,
        )
    try:
        return _account(service, response.json())
    except ValueError:
        return None
