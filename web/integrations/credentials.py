"""Users' integration credentials: the request bodies, the encrypted store, and the
``Credentials`` a user's tools run with.

Each user has at most one row per service; its ``secret`` is the Fernet token of the JSON of the
fields (``web.integrations.secret_box``). Values leave this module only inside ``Credentials`` (as
``SecretStr``), never in a response or a log line.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tools.context import Credentials
from web.db import Database
from web.integrations.secret_box import SecretBox, UndecryptableSecret
from web.models import IntegrationCredential, utcnow
from web.state import WebState

log = logging.getLogger("fast_genai.web")

Service = Literal["github", "notion", "jira"]
SERVICES: tuple[Service, ...] = get_args(Service)
ROUTE = "/api/v1/integrations"


def setup_hint(service: str) -> str:
    """How a user of the web server provides ``service`` credentials."""
    return f"store yours with PUT {ROUTE}/{service}"


class TokenBody(BaseModel):
    """GitHub or Notion: one token."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=1, max_length=4096, description="The access token.")

    def fields(self) -> dict[str, str]:
        return {"token": self.token.get_secret_value()}


class JiraBody(BaseModel):
    """Jira: the site URL and either ``username`` + ``api_token`` (Cloud) or ``personal_token``
    (Server / Data Center)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2048,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="The Jira site, e.g. https://example.atlassian.net.",
    )
    username: str | None = Field(
        default=None, min_length=1, max_length=320, description="Cloud account e-mail."
    )
    api_token: SecretStr | None = Field(
        default=None, min_length=1, max_length=4096, description="Cloud API token."
    )
    personal_token: SecretStr | None = Field(
        default=None, min_length=1, max_length=4096, description="Server personal access token."
    )

    @model_validator(mode="after")
    def _one_form(self) -> JiraBody:
        basic = self.username is not None or self.api_token is not None
        if basic and self.personal_token is not None:
            raise ValueError("give either username and api_token, or personal_token, not both")
        if basic and (self.username is None or self.api_token is None):
            raise ValueError("username and api_token go together")
        if not basic and self.personal_token is None:
            raise ValueError("give username and api_token (Cloud) or personal_token (Server)")
        return self

    def fields(self) -> dict[str, str]:
        out = {"url": self.url.rstrip("/")}
        if self.personal_token is not None:
            out["personal_token"] = self.personal_token.get_secret_value()
        else:
            assert self.username is not None and self.api_token is not None
            out["username"] = self.username
            out["api_token"] = self.api_token.get_secret_value()
        return out


def secret_box(state: WebState) -> SecretBox:
    """The app's box: the current secret key, and the previous ones for decryption."""
    box = state.extra.get("secret_box")
    if not isinstance(box, SecretBox):
        current = state.settings.resolved_secret(state.tool_settings.data_dir)
        previous = [key.get_secret_value() for key in state.settings.previous_secret_keys]
        box = state.extra["secret_box"] = SecretBox.from_secrets(current, previous)
    return box


async def save(
    db: Database, box: SecretBox, user_id: uuid.UUID, service: Service, fields: dict[str, str]
) -> datetime:
    """Store (or replace) the user's credentials for ``service``; returns when."""
    secret = box.encrypt(json.dumps(fields))
    now = utcnow()
    async with db.write() as session:
        row = (
            await session.execute(
                select(IntegrationCredential).where(
                    col(IntegrationCredential.user_id) == user_id,
                    col(IntegrationCredential.service) == service,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            row = IntegrationCredential(user_id=user_id, service=service, secret=secret)
            row.created_at = row.updated_at = now
        else:
            row.secret, row.updated_at = secret, now
        session.add(row)
    return now


async def remove(db: Database, user_id: uuid.UUID, service: Service) -> bool:
    """Delete the user's credentials for ``service``; whether there were any."""
    async with db.write() as session:
        result = await session.execute(
            delete(IntegrationCredential).where(
                col(IntegrationCredential.user_id) == user_id,
                col(IntegrationCredential.service) == service,
            )
        )
    return bool(getattr(result, "rowcount", 0))


async def stored_at(db: Database, user_id: uuid.UUID) -> dict[str, datetime]:
    """When each of the user's services was stored (services without credentials are absent)."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(col(IntegrationCredential.service), col(IntegrationCredential.updated_at)).where(
                col(IntegrationCredential.user_id) == user_id
            )
        )
        return dict(rows.tuples().all())


async def load(
    session: AsyncSession, box: SecretBox, user_id: uuid.UUID
) -> dict[str, dict[str, str]]:
    """The user's decrypted fields per service; an undecryptable row is left out (logged)."""
    rows = await session.execute(
        select(col(IntegrationCredential.service), col(IntegrationCredential.secret)).where(
            col(IntegrationCredential.user_id) == user_id
        )
    )
    stored = rows.all()
    out: dict[str, dict[str, str]] = {}
    for service, secret in stored:
        try:
            out[service] = json.loads(box.decrypt(secret))
        except UndecryptableSecret:
            log.warning(
                "the %s credentials of user %s cannot be decrypted (the secret key changed "
                "without FAST_GENAI_PREVIOUS_SECRET_KEYS); the user must store them again",
                service,
                user_id,
            )
    return out


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def credentials_for(stored: dict[str, dict[str, str]], shared: Credentials | None) -> Credentials:
    """The user's own credentials; a service they have not stored falls back to ``shared``
    (the server's, when the operator allows sharing them), service by service."""
    base = shared or Credentials()
    github, notion, jira = stored.get("github"), stored.get("notion"), stored.get("jira")
    hints: dict[str, str] = {service: setup_hint(service) for service in SERVICES}
    return Credentials(
        github_token=_secret(github.get("token")) if github else base.github_token,
        notion_token=_secret(notion.get("token")) if notion else base.notion_token,
        jira_url=jira.get("url") if jira else base.jira_url,
        jira_username=jira.get("username") if jira else base.jira_username,
        jira_api_token=_secret(jira.get("api_token")) if jira else base.jira_api_token,
        jira_personal_token=(
            _secret(jira.get("personal_token")) if jira else base.jira_personal_token
        ),
        setup=hints,
    )
