"""``/integrations``: each user's own GitHub, Notion and Jira credentials.

``PUT`` stores them encrypted (optionally checked with the service first: ``?validate=true``),
``GET`` tells only whether each is set and since when, ``DELETE`` removes them. The values are
never returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from tools.errors import NotFound
from web.auth.users import CurrentUser
from web.integrations import credentials
from web.integrations.checks import check
from web.integrations.credentials import SERVICES, JiraBody, Service, TokenBody
from web.state import StateDep, WebState

router = APIRouter(tags=["integrations"])

Validate = Annotated[
    bool, Query(description="Check the credentials with the service before storing them.")
]


class IntegrationStatus(BaseModel):
    service: Service
    set: bool
    updated_at: datetime | None = None
    account: str | None = None
    """Whom the credentials belong to, as the service said (only after ``validate=true``)."""


def _unknown(service: str) -> NotFound:
    return NotFound(
        f"no integration named {service!r}", hint=f"known integrations: {', '.join(SERVICES)}"
    )


def _known(service: str) -> Service:
    for known in SERVICES:
        if service == known:
            return known
    raise _unknown(service)


async def _store(
    state: WebState, user: CurrentUser, service: Service, fields: dict[str, str], validate: bool
) -> IntegrationStatus:
    account = await check(service, fields, state.tool_settings) if validate else None
    box = credentials.secret_box(state)
    when = await credentials.save(state.db, box, user.id, service, fields)
    return IntegrationStatus(service=service, set=True, updated_at=when, account=account)


@router.get("/integrations")
async def list_integrations(state: StateDep, user: CurrentUser) -> list[IntegrationStatus]:
    """Whether each integration has credentials stored, and since when (never the values)."""
    stored = await credentials.stored_at(state.db, user.id)
    return [
        IntegrationStatus(service=service, set=service in stored, updated_at=stored.get(service))
        for service in SERVICES
    ]


@router.put("/integrations/github")
async def put_github(
    body: TokenBody, state: StateDep, user: CurrentUser, validate: Validate = False
) -> IntegrationStatus:
    """Store your GitHub token (contents: write on the repositories you write to)."""
    return await _store(state, user, "github", body.fields(), validate)


@router.put("/integrations/notion")
async def put_notion(
    body: TokenBody, state: StateDep, user: CurrentUser, validate: Validate = False
) -> IntegrationStatus:
    """Store your Notion integration token."""
    return await _store(state, user, "notion", body.fields(), validate)


@router.put("/integrations/jira")
async def put_jira(
    body: JiraBody, state: StateDep, user: CurrentUser, validate: Validate = False
) -> IntegrationStatus:
    """Store your Jira site and credentials: username + api_token, or personal_token."""
    return await _store(state, user, "jira", body.fields(), validate)


@router.put("/integrations/{service}", responses={404: {"description": "No such integration."}})
async def put_unknown(service: str, user: CurrentUser) -> IntegrationStatus:
    """Any other name is not an integration (the known ones have their own routes above)."""
    raise _unknown(service)


@router.delete("/integrations/{service}", status_code=204)
async def delete_integration(service: str, state: StateDep, user: CurrentUser) -> Response:
    """Remove your credentials for a service (no error when none were stored)."""
    await credentials.remove(state.db, user.id, _known(service))
    return Response(status_code=204)
