"""``build_agent``: the pydantic-ai agent over the tool registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent.deps import AgentDeps
from agent.instructions import ASKING_INSTRUCTIONS, INSTRUCTIONS, workspace_instructions
from agent.model import build_model, model_settings
from agent.questions import ask_user_tool
from agent.settings import AgentSettings
from agent.toolset import registry_tools

if TYPE_CHECKING:
    from pydantic_ai import Agent, DeferredToolRequests
    from pydantic_ai.capabilities import AbstractCapability
    from pydantic_ai.models import Model

    from agent.mcp_config import McpServerConfig
    from tools.spec import ToolSpec


def build_agent(
    settings: AgentSettings,
    *,
    model: Model | str | None = None,
    tools: Sequence[ToolSpec] | None = None,
    can_ask: bool = False,
    capabilities: Sequence[AbstractCapability[AgentDeps]] = (),
    mcp_servers: Sequence[McpServerConfig] | None = None,
) -> Agent[AgentDeps, str | DeferredToolRequests]:
    """An agent whose tools are the registry's (or ``tools``), on ``model`` or the configured one.

    Its output is the answer text, or ``DeferredToolRequests`` when it wants to run a write tool:
    resume with ``deferred_tool_results`` holding the user's decisions (see ``agent.run``).
    With ``can_ask`` the model also gets ``ask_user`` (``agent.questions``): a question to the user
    ends the run with ``DeferredToolRequests`` too, to be resumed with the answer. Only surfaces
    that can put a question to someone and resume pass it.
    Raises ``MissingModelKey`` (naming the setting) when the model needs a key that is not set.
    The tools of the user's MCP servers (``mcp_servers``, else the settings') come next to the
    registry's, named ``<server>_<tool>`` (``agent.mcp_sources``); those not read-only need
    approval like write tools.
    ``capabilities`` are added to the agent (the web server's durability, for example), after
    the history budget (``agent.history_budget``) that keeps every request under
    ``history_budget``.
    """
    from pydantic_ai import Agent, DeferredToolRequests

    from tools.registry import TOOLS

    resolved = model if model is not None and not isinstance(model, str) else None
    if resolved is None:
        resolved = build_model(settings, model if isinstance(model, str) else None)
    agent_tools = registry_tools(TOOLS if tools is None else tools, retries=settings.tool_retries)
    instructions: list[Any] = [INSTRUCTIONS, workspace_instructions]
    if can_ask:
        agent_tools.append(ask_user_tool())
        instructions.append(ASKING_INSTRUCTIONS)
    from agent.history_budget import HistoryBudget
    from agent.mcp_sources import mcp_toolsets

    budget = HistoryBudget(history_budget(settings, resolved))
    return Agent(
        resolved,
        output_type=[str, DeferredToolRequests],
        deps_type=AgentDeps,
        name="fast-genai",
        instructions=instructions,
        tools=agent_tools,
        model_settings=model_settings(settings, resolved),
        retries={"tools": settings.tool_retries, "output": 1},
        capabilities=[budget, *capabilities],
        toolsets=mcp_toolsets(settings.mcp_servers if mcp_servers is None else mcp_servers),
    )


DEFAULT_CONTEXT_WINDOW = 1_048_576
"""Tokens of context when the model's profile does not say (current Gemini models' window)."""


def history_budget(settings: AgentSettings, model: Model) -> int:
    """Most tokens of history one request sends: the setting, else a fraction of the window."""
    if settings.history_budget_tokens is not None:
        return settings.history_budget_tokens
    window = getattr(model.profile, "context_window", None) or DEFAULT_CONTEXT_WINDOW
    return max(500, int(window * settings.history_budget_fraction))
