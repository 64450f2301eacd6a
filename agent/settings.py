"""Settings of the agent: which model, its key and endpoint, limits per run, retries, timeouts."""

from __future__ import annotations

from pydantic import Field, SecretStr

from agent.mcp_config import McpServerConfig
from tools.settings import AppSettings, env

DEFAULT_MODEL = "google:gemini-3.8-flash"
"""A current Gemini Flash model, as pydantic-ai names it."""


class AgentSettings(AppSettings):
    """What the agent needs: the model and how to call it, and the limits of one run."""

    model: str = Field(
        default=DEFAULT_MODEL,
        description="Any pydantic-ai model name (provider:model); Gemini through `google:` "
        "is the default and the tested path.",
    )
    summary_model: str | None = Field(
        default=None,
        description="Model the summarize tool uses; the agent's model when unset.",
    )
    gemini_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=env("GEMINI_API_KEY", "GOOGLE_API_KEY", "gemini_api_key"),
        description="Gemini API key (GEMINI_API_KEY, or GOOGLE_API_KEY).",
    )
    gemini_base_url: str | None = Field(
        default=None,
        validation_alias=env("GOOGLE_GEMINI_BASE_URL", "gemini_base_url"),
        description="Gemini API endpoint, for gateways and tests (GOOGLE_GEMINI_BASE_URL).",
    )
    history_budget_tokens: int | None = Field(
        default=None,
        ge=500,
        description="Most tokens of conversation one model request sends (old tool results are "
        "stubbed, then old turns summarized); default: history_budget_fraction of the model's "
        "context window.",
    )
    history_budget_fraction: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="The history budget as a fraction of the model's context window, when "
        "history_budget_tokens is unset.",
    )
    mcp_servers: list[McpServerConfig] = Field(
        default_factory=list,
        description="The user's MCP servers whose tools the agent may use (name, command/args/"
        "env or url/headers, read_only, tools); FAST_GENAI_MCP_SERVERS takes a JSON list.",
    )
    request_limit: int = Field(
        default=30, ge=1, description="Most model requests in one run (one instruction)."
    )
    tool_calls_limit: int = Field(default=60, ge=0, description="Most tool calls in one run.")
    total_tokens_limit: int | None = Field(
        default=2_000_000, ge=1, description="Most tokens (input + output) in one run."
    )
    tool_retries: int = Field(
        default=2,
        ge=0,
        description="How often the model may correct a tool call that failed on its arguments.",
    )
    max_retries: int = Field(
        default=4,
        ge=0,
        description="Retries of a model request that failed with 408, 429 or 5xx, or could "
        "not connect.",
    )
    retry_initial_delay: float = Field(
        default=1.0, gt=0, description="First backoff delay, in seconds, doubled per retry."
    )
    retry_max_delay: float = Field(
        default=30.0, gt=0, description="Longest backoff delay between retries, in seconds."
    )
    retry_max_wait: float = Field(
        default=120.0,
        gt=0,
        description="Longest wait a Retry-After header may ask for, in seconds.",
    )
    read_timeout: float = Field(
        default=120.0,
        gt=0,
        description="Longest wait for the model's next bytes (also per streamed chunk), seconds.",
    )
    request_timeout: float = Field(
        default=600.0,
        gt=0,
        description="Deadline of one model request, retries and the whole stream included, "
        "in seconds.",
    )
