"""Settings of the web server: database, secret key, workspaces, CORS, limits.

The secret key signs login tokens. When ``FAST_GENAI_SECRET_KEY`` is not set, one is generated on
first start and kept in ``<data_dir>/secret_key`` (mode 0600), so a restart keeps everyone logged
in. Deleting that file (or changing the setting) logs every user out.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from tools.private_files import private_dir
from tools.settings import AppSettings, ToolSettings, env

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret
RATE_LIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster")


def normalise_database_url(url: str) -> str:
    """An async SQLAlchemy URL: ``postgresql://`` gets asyncpg, ``sqlite://`` gets aiosqlite."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


def default_database_url() -> str:
    """SQLite file fast-genai.db in the data dir."""
    data_dir = ToolSettings().data_dir
    return f"sqlite+aiosqlite:///{data_dir / 'fast-genai.db'}"


def _parse_workspaces(value: object) -> object:
    """``name=path,name2=path2`` (or a bare path, named "default") into a mapping."""
    if not isinstance(value, str):
        return value
    result: dict[str, str] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, path = item.partition("=")
        if not sep:
            name, path = "default", item
        result[name.strip()] = path.strip()
    return result


class WebSettings(AppSettings):
    """What the web server needs beyond the tools' settings."""

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias=env("DATABASE_URL", "FAST_GENAI_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; postgresql:// URLs use asyncpg, sqlite:// aiosqlite.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs login tokens; generated into the data dir on first start if unset.",
    )
    workspaces: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"default": "."},  # the current directory, as "default"
        description="Named workspace roots, as name=path,name2=path2; the first is the default.",
    )
    workspace_readers: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="Who may use a workspace, as name=email1|email2; unlisted: every active user.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS (comma-separated)."
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body accepted, in bytes."
    )
    registration: Literal["open", "invite", "closed"] = Field(
        default="open",
        description="Who may register: open (anyone; fine for a single-user machine), invite "
        "(a code from `fast-genai users invite`), closed (only `fast-genai users create`).",
    )
    max_header_bytes: int = Field(
        default=16_384,
        ge=1024,
        description="Largest request line plus headers accepted, in bytes (431 beyond).",
    )
    jwt_lifetime_seconds: int = Field(
        default=7 * 24 * 3600, ge=60, description="How long a login (JWT) token is valid, seconds."
    )
    public_url: str | None = Field(
        default=None,
        description="The server's public base URL (for example https://genai.example.com): the "
        "OAuth issuer, and the resource `/mcp` tokens are bound to. Unset: the URL a request "
        "came in on, which OAuth accepts only on loopback (http://127.0.0.1:8000).",
    )
    oauth_access_token_seconds: int = Field(
        default=3600, ge=60, description="How long an OAuth access token (MCP clients) is valid."
    )
    oauth_refresh_token_days: int = Field(
        default=30,
        ge=1,
        description="How long an OAuth refresh token is valid, days; each refresh replaces it.",
    )
    sse_ping_seconds: float = Field(
        default=15.0, gt=0, description="Keep-alive comment interval on streamed answers, seconds."
    )
    run_timeout_seconds: float = Field(
        default=600.0, gt=0, description="A chat run still going after this long is cancelled."
    )
    approval_timeout_seconds: float = Field(
        default=86400.0,
        gt=0,
        description="How long a run waits for a decision on a write (or an answer) it paused on; "
        "after that the held call expires and the conversation is free again.",
    )
    shared_credentials: bool = Field(
        default=False,
        description="Let every user's tools use the server's own GITHUB_TOKEN, NOTION_TOKEN, "
        "Jira settings (otherwise each user brings their own).",
    )
    model: str | None = Field(
        default=None, description="Model name for chat and runs; the agent's default when unset."
    )
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Former secret keys (comma-separated), still accepted to decrypt stored "
        "integration credentials until `fast-genai integrations rekey` re-encrypts them.",
    )
    rate_limit: str = Field(
        default="20/minute",
        description="Chat messages and runs one user may start, as COUNT/PERIOD (for example "
        "'20/minute', '100/hour'; several separated by ';'); empty for no limit.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// (one process) or "
        "redis://HOST:PORT/DB (shared by several server instances).",
    )
    executor_id: str | None = Field(
        default=None,
        description="This instance's id for the run engine (DBOS): a restarted instance resumes "
        "the runs of its id. Default: the host name and port (`serve`), else the host name.",
    )
    # 20 + 50 app connections and the run engine's 20 fit one instance in PostgreSQL's default
    # max_connections (100, 3 reserved); 200 concurrent streams on 2 busy cores queue for them
    # longer than 30 s, hence the timeout (tests/web/test_db_faults_concurrency.py).
    db_pool_size: int = Field(
        default=20, ge=1, description="Connections kept open to a PostgreSQL database."
    )
    db_max_overflow: int = Field(
        default=50, ge=0, description="Extra PostgreSQL connections opened under load."
    )
    db_pool_timeout: float = Field(
        default=120.0, gt=0, description="Seconds a request waits for a free connection."
    )
    daily_token_quota: int = Field(
        default=0,
        ge=0,
        description="Model tokens (input + output) one user may use per UTC day; 0 = unlimited.",
    )
    # telemetry (web/telemetry): off unless set; nothing is imported while off
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=env("OTEL_EXPORTER_OTLP_ENDPOINT", "otlp_endpoint"),
        description="OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): when set, traces "
        "of requests, runs, model requests and tool calls are exported there.",
    )
    telemetry_content: bool = Field(
        default=False,
        description="Include prompts, answers and tool arguments and results in traces "
        "(default: only names, timings, token counts and errors).",
    )
    metrics: bool = Field(
        default=False,
        description="Serve Prometheus metrics at /metrics (requests, runs, tool calls, tokens, "
        "active streams).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics requires; unset: only loopback clients may scrape it.",
    )

    @field_validator("database_url", mode="after")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("public_url", mode="after")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"public_url must be an http(s) URL without a query, not {value!r}")
        return value.strip().rstrip("/")

    @field_validator("workspaces", "workspace_readers", mode="before")
    @classmethod
    def _split_mapping(cls, value: object) -> object:
        return _parse_workspaces(value)

    @field_validator("cors_origins", "previous_secret_keys", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("rate_limit", mode="after")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    f"not a rate limit: {value!r} (write COUNT/PERIOD, e.g. 20/minute)"
                ) from None
        return value.strip()

    @field_validator("rate_limit_storage", mode="after")
    @classmethod
    def _check_storage(cls, value: str) -> str:
        scheme = value.removeprefix("async+").split("://", 1)[0]
        if "://" not in value or scheme not in RATE_LIMIT_SCHEMES:
            raise ValueError(
                f"not a rate-limit storage: {value!r} (use memory:// or redis://HOST:PORT/DB)"
            )
        return value

    def pool(self) -> dict[str, float]:
        """Connection-pool options of a PostgreSQL engine."""
        return {
            "pool_size": self.db_pool_size,
            "max_overflow": self.db_max_overflow,
            "pool_timeout": self.db_pool_timeout,
        }

    def resolved_secret(self, data_dir: Path | None = None) -> str:
        """The secret key: the setting, or the persisted generated one (created if missing)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        folder = data_dir or ToolSettings().data_dir
        path = folder / SECRET_FILE_NAME
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        private_dir(folder)
        secret = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret)
        return secret
