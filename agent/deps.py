"""What one agent run receives: the tool context (workspace, credentials, summary model)."""

from __future__ import annotations

from dataclasses import dataclass

from tools.context import ToolContext


@dataclass
class AgentDeps:
    """The dependencies of a run; every tool call gets ``tools`` as its context."""

    tools: ToolContext
