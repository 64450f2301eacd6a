"""What the app keeps for its lifetime (``app.state.web``), and the dependency that returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from tools.settings import ToolSettings
from tools.spec import ToolSpec
from web.db import Database
from web.settings import WebSettings
from web.workspaces import Workspaces


@dataclass
class WebState:
    settings: WebSettings
    tool_settings: ToolSettings
    db: Database
    workspaces: Workspaces
    tools: dict[str, ToolSpec]
    agent: Any = None
    """The pydantic-ai agent for chat and runs; built on first use when ``None``."""
    agent_problem: str | None = None
    """Why there is no agent (for example no model key), told at start-up and on each chat."""
    extra: dict[str, Any] = field(default_factory=dict)


def get_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


StateDep = Annotated[WebState, Depends(get_state)]
