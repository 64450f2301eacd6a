"""What every tool call receives: the workspace, settings, credentials, shared clients.

Identity, credentials and the workspace come from here, never from a model's arguments. Each
surface builds one context per process (CLI, MCP stdio) or per request (web, MCP over HTTP).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, SecretStr

from tools.settings import ToolSettings
from tools.workspace import Workspace

if TYPE_CHECKING:
    import httpx
    from pydantic_ai.models import Model


ProgressCallback = Callable[[float, float | None, str | None], Awaitable[None]]
"""``await progress(done, total, message)``: surfaces forward it (MCP notifications, SSE, CLI)."""


@dataclass(frozen=True)
class Credentials:
    """Credentials for the integration tools; ``None`` means not configured."""

    github_token: SecretStr | None = None
    notion_token: SecretStr | None = None
    jira_url: str | None = None
    jira_username: str | None = None
    jira_api_token: SecretStr | None = None
    jira_personal_token: SecretStr | None = None
    setup: Mapping[str, str] = field(default_factory=dict, hash=False)
    """How to provide a missing credential, per service ("github", "notion", "jira"), where it
    differs from the local settings (the web server names its integrations route)."""

    def hint(self, service: str, default: str) -> str:
        """What to tell a user whose ``service`` credential is missing."""
        return self.setup.get(service, default)

    @classmethod
    def from_settings(cls, settings: ToolSettings) -> Credentials:
        return cls(
            github_token=settings.github_token,
            notion_token=settings.notion_token,
            jira_url=settings.jira_url,
            jira_username=settings.jira_username,
            jira_api_token=settings.jira_api_token,
            jira_personal_token=settings.jira_personal_token,
        )


class WriteRecord(BaseModel):
    """One write: what was done, by whom, and where the result lives; ``completed`` is False
    for a write whose start was recorded but not its end (the process stopped mid-call)."""

    tool: str
    key: str
    actor: str | None
    result: dict[str, Any]
    created_at: datetime
    completed: bool = True


class WriteLog(Protocol):
    """Where executed writes are recorded, so a retried call is not executed twice.

    ``begin`` records a write's start (before anything is sent), ``complete`` its result,
    ``abandon`` removes the start of a write the service refused; ``find`` returns the latest
    record, a started one included. ``add`` records a finished write in one go."""

    async def find(self, tool: str, key: str, *, within_seconds: int) -> WriteRecord | None: ...

    async def add(
        self, tool: str, key: str, *, actor: str | None, result: dict[str, Any]
    ) -> None: ...

    async def begin(self, tool: str, key: str, *, actor: str | None) -> int: ...

    async def complete(self, attempt: int, result: dict[str, Any]) -> None: ...

    async def abandon(self, attempt: int) -> None: ...


async def _no_progress(done: float, total: float | None, message: str | None) -> None:
    return None


@dataclass
class ToolContext:
    """Everything a tool may use besides its own arguments."""

    workspace: Workspace
    settings: ToolSettings = field(default_factory=ToolSettings)
    credentials: Credentials = field(default_factory=Credentials)
    actor: str | None = None
    """Who is calling (a user id on the server, ``None`` locally); recorded with writes."""
    write_log: WriteLog | None = None
    http: httpx.AsyncClient | None = None
    """A shared HTTP client, when the surface keeps one."""
    summary_model: Model | None = None
    """The model ``summarize`` uses; ``None`` gives a structural summary without a model."""
    progress: ProgressCallback = _no_progress

    @classmethod
    def local(cls, root: str = ".", settings: ToolSettings | None = None) -> ToolContext:
        """A context for local use: a workspace root and credentials from the settings."""
        settings = settings or ToolSettings()
        workspace = Workspace.open(
            root,
            allow_secrets=settings.allow_secret_files,
            allow_hardlinks=settings.allow_hardlinked_files,
        )
        return cls(
            workspace=workspace,
            settings=settings,
            credentials=Credentials.from_settings(settings),
        )
