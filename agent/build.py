"""``build_agent``: the pydantic-ai agent over the tool registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent.deps import AgentDeps
from agent.instructions import INSTRUCTIONS, workspace_instructions
from agent.model import build_model, model_settings
from agent.settings import AgentSettings
from agent.toolset import registry_tools

if TYPE_CHECKING:
    from pydantic_ai import Agent, DeferredToolRequests
    from pydantic_ai.capabilities import AbstractCapability
    from pydantic_ai.models import Model

    from tools.spec import ToolSpec


def build_agent(
    settings: AgentSettings,
    *,
    model: Model | str | None = None,
    tools: Sequence[ToolSpec] | None = None,
    capabilities: Sequence[AbstractCapability[AgentDeps]] = (),
) -> Agent[AgentDeps, str | DeferredToolRequests]:
    """An agent whose tools are the registry's (or ``tools``), on ``model`` or the configured one.

    Its output is the answer text, or ``DeferredToolRequests`` when it wants to run a write tool:
    resume with ``deferred_tool_results`` holding the user's decisions (see ``agent.run``).
    Raises ``MissingModelKey`` (naming the setting) when the model needs a key that is not set.
    ``capabilities`` are added to the agent (the web server's durability, for example).
    """
    from pydantic_ai import Agent, DeferredToolRequests

    from tools.registry import TOOLS

    resolved = model if model is not None and not isinstance(model, str) else None
    if resolved is None:
        resolved = build_model(settings, model if isinstance(model, str) else None)
    return Agent(
        resolved,
        output_type=[str, DeferredToolRequests],
        deps_type=AgentDeps,
        name="fast-genai",
        instructions=[INSTRUCTIONS, workspace_instructions],
        tools=registry_tools(TOOLS if tools is None else tools, retries=settings.tool_retries),
        model_settings=model_settings(settings, resolved),
        retries={"tools": settings.tool_retries, "output": 1},
        capabilities=list(capabilities) or None,
    )
