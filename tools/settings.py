"""Settings of the tools layer, and the shared configuration sources of every package.

Every package has one settings object; all of them read, in this order: explicit arguments,
environment variables, a ``.env`` file in the current directory, the TOML config file that
``fast-genai config set`` writes, then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "fast-genai"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def config_path() -> Path:
    """Where the TOML config file lives (``FAST_GENAI_CONFIG`` overrides it)."""
    explicit = os.environ.get("FAST_GENAI_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return _xdg("XDG_CONFIG_HOME", ".config") / APP_NAME / "config.toml"


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/fast-genai (~/.local/share/fast-genai)."""
    return _xdg("XDG_DATA_HOME", ".local/share") / APP_NAME


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/fast-genai (~/.cache/fast-genai)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / APP_NAME


def env(*names: str) -> AliasChoices:
    """Accept ecosystem variable names (``GITHUB_TOKEN``) as well as the field's own name."""
    return AliasChoices(*names)


class AppSettings(BaseSettings):
    """Base of every package's settings: env, ``.env`` and the TOML config file."""

    model_config: ClassVar[SettingsConfigDict] = SettingsConfigDict(
        env_prefix="FAST_GENAI_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_path())
        return (init_settings, env_settings, dotenv_settings, toml, file_secret_settings)


class ToolSettings(AppSettings):
    """What the tools need: limits, folders, service URLs and locally configured credentials."""

    allow_secret_files: bool = Field(
        default=False,
        description="Let tools read and list secret-looking files (.env, keys, .netrc).",
    )
    allow_hardlinked_files: bool = Field(
        default=False,
        description="Let tools read files that have more than one hard link (pnpm and uv "
        "stores hard-link into node_modules and .venv; such a link may also point at a file "
        "outside the workspace or at a secret).",
    )
    allow_git_writes: bool = Field(
        default=False,
        description="Let create_file write under .git/ (hooks there run on the next commit).",
    )
    max_read_bytes: int = Field(
        default=2_000_000, ge=1, description="Largest file read_file returns whole, in bytes."
    )
    max_read_lines: int = Field(
        default=2_000, ge=1, description="Most lines one read_file call returns."
    )
    max_results: int = Field(
        default=1_000, ge=1, description="Default cap on list_files and search_code results."
    )
    max_result_bytes: int = Field(
        default=512_000,
        ge=1_000,
        description="Most bytes of JSON one tree-wide result (list_files, search_code, "
        "code_outline of a directory) may hold; a bigger answer is cut, marked truncated and "
        "says how to get the rest. Keeps memory and a model's context bounded by the answer.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where local state lives (executed-writes record, SQLite database).",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where caches live (code outlines, the MCP tool listing); never inside "
        "the workspace.",
    )
    write_dedupe_seconds: int = Field(
        default=600,
        ge=0,
        description="A write tool called again with the same arguments within this window "
        "returns the earlier result instead of writing twice.",
    )
    http_timeout: float = Field(default=30.0, gt=0, description="Timeout of calls to services.")
    search_timeout: float = Field(
        default=120.0,
        gt=0,
        description="Longest a search_code call may run; ripgrep is then stopped and killed.",
    )
    search_index: Literal["off", "on", "auto"] = Field(
        default="off",
        description="A trigram index for repeated search_code calls (cache folder, kept "
        "fresh from modification times; hits are ripgrep's own): off, on, or auto (on when "
        "the workspace has at least search_index_min_files files; its first build runs in the "
        "background and searches go without it until it is ready). `fast-genai serve` and "
        "`fast-genai mcp` use auto unless this is set.",
    )
    search_index_min_files: int = Field(
        default=20_000,
        ge=0,
        description="The number of files from which search_index=auto builds and uses the index.",
    )
    upstream_attempts: int = Field(
        default=4,
        ge=1,
        description="Tries of a GitHub, Notion or Jira call that hits a rate limit (429) or a "
        "server error (5xx), the first included.",
    )
    upstream_backoff: float = Field(
        default=1.0,
        ge=0,
        description="First wait between tries in seconds (doubled each time) when the service "
        "sends no Retry-After.",
    )
    upstream_max_wait: float = Field(
        default=60.0,
        ge=0,
        description="Longest wait before a retry; a longer Retry-After is reported, not waited.",
    )

    allowed_internal_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Hosts, IP addresses or CIDR networks (comma-separated) that requests to "
        "user-set URLs (Jira, GitHub Enterprise, Notion base URL) may reach although they are "
        "internal (loopback, private, link-local, ...); every other internal address is refused.",
    )

    @field_validator("allowed_internal_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    github_api_url: str = Field(
        default="https://api.github.com",
        validation_alias=env("GITHUB_API_URL", "github_api_url"),
        description="GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3).",
    )
    notion_api_url: str = Field(
        default="https://api.notion.com",
        validation_alias=env("NOTION_API_URL", "notion_api_url"),
        description="Notion API base URL.",
    )
    jira_url: str | None = Field(
        default=None,
        validation_alias=env("JIRA_URL", "jira_url"),
        description="Jira site URL (Cloud: https://SITE.atlassian.net; or Server/Data Center).",
    )
    github_token: SecretStr | None = Field(
        default=None,
        validation_alias=env("GITHUB_TOKEN", "github_token"),
        description="GitHub token for create_github_file (contents: write).",
    )
    notion_token: SecretStr | None = Field(
        default=None,
        validation_alias=env("NOTION_TOKEN", "notion_token"),
        description="Notion integration token for create_notion_page.",
    )
    jira_username: str | None = Field(
        default=None,
        validation_alias=env("JIRA_USERNAME", "jira_username"),
        description="Jira Cloud account e-mail (with JIRA_API_TOKEN).",
    )
    jira_api_token: SecretStr | None = Field(
        default=None,
        validation_alias=env("JIRA_API_TOKEN", "jira_api_token"),
        description="Jira Cloud API token (with JIRA_USERNAME).",
    )
    jira_personal_token: SecretStr | None = Field(
        default=None,
        validation_alias=env("JIRA_PERSONAL_TOKEN", "jira_personal_token"),
        description="Jira Server/Data Center personal access token.",
    )


def server_tool_settings(settings: ToolSettings) -> ToolSettings:
    """``settings`` as a long-running server uses them: the search index on ``auto`` unless the
    operator chose (environment, ``.env`` or config file) a value."""
    if "search_index" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"search_index": "auto"})
