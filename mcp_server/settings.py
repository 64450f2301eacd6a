"""Settings of the MCP server's HTTP transport (standalone ``fast-genai mcp --http``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from tools.settings import AppSettings


class McpSettings(AppSettings):
    """Where the standalone HTTP server listens, and the token it accepts."""

    mcp_token: SecretStr | None = Field(
        default=None,
        description="Bearer token the standalone MCP HTTP server (fast-genai mcp --http) accepts.",
    )
    mcp_host: str = Field(
        default="127.0.0.1", description="Interface the standalone MCP HTTP server binds to."
    )
    mcp_port: int = Field(
        default=8765, ge=0, le=65535, description="Port of the standalone MCP HTTP server."
    )
    mcp_allowed_hosts: list[str] = Field(
        default=[],
        description="Extra Host header values the MCP HTTP server accepts (DNS-rebinding "
        "check), e.g. 'mcp.example.com' or 'mcp.example.com:*'; loopback names are always "
        "accepted.",
    )
    mcp_allowed_origins: list[str] = Field(
        default=[],
        description="Extra Origin header values the MCP HTTP server accepts from browsers, "
        "e.g. 'https://app.example.com'; loopback origins are always accepted.",
    )
