"""The configuration of the user's MCP servers (``mcp_servers``): pydantic only, cheap to import.

The toolsets built from it are ``agent.mcp_sources``.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

ServerName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9]{0,19}$",
        description="Short lowercase name; the server's tools are named <name>_<tool>.",
    ),
]


class McpServerConfig(BaseModel):
    """One external MCP server: ``command`` (stdio) or ``url`` (streamable HTTP)."""

    model_config = ConfigDict(extra="forbid")

    name: ServerName
    command: str | None = Field(default=None, description="Program to start (stdio).")
    args: list[str] = Field(default_factory=list, description="Its arguments.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")
    cwd: str | None = Field(default=None, description="Its working directory.")
    url: str | None = Field(default=None, description="Streamable-HTTP endpoint.")
    headers: dict[str, str] = Field(default_factory=dict, description="HTTP headers (tokens).")
    read_only: bool = Field(default=False, description="Offer only its read-only tools.")
    tools: list[str] | None = Field(default=None, description="Offer only these tools.")
    timeout: float = Field(default=30.0, gt=0, description="Seconds to start and per request.")

    @model_validator(mode="after")
    def _one_transport(self) -> Self:
        if (self.command is None) == (self.url is None):
            raise ValueError(f"MCP server {self.name!r}: give either command or url")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"MCP server {self.name!r}: url must be http(s)")
        return self

    @property
    def target(self) -> str:
        if self.url is not None:
            return self.url
        return " ".join([self.command or "", *self.args])

    def allows(self, tool: str, annotations: dict[str, Any] | None) -> bool:
        if self.tools is not None and tool not in self.tools:
            return False
        return not self.read_only or is_read_only(annotations)


def is_read_only(annotations: dict[str, Any] | None) -> bool:
    """``readOnlyHint: true`` on the tool (anything else may write)."""
    return bool(annotations and annotations.get("readOnlyHint") is True)
