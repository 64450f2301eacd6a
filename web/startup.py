"""What ``fast-genai serve`` tells the operator at start-up: where things are, what is missing."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from web.runs.agent_runs import agent_problem
from web.state import WebState


def report(state: WebState, *, host: str, port: int) -> tuple[list[str], list[str]]:
    """``(facts, problems)``: lines to print; problems say what is missing and how to fix it."""
    url = make_url(state.settings.database_url)
    database = url.render_as_string(hide_password=True)
    facts = [
        f"API:        http://{host}:{port}/api/v1  (docs: http://{host}:{port}/docs)",
        f"MCP:        http://{host}:{port}/mcp  (clients send an access token from "
        "POST /api/v1/tokens as 'Authorization: Bearer fg_...'; ?workspace=NAME picks one)",
        f"database:   {database}",
        "workspaces: "
        + (", ".join(f"{n}={w.root}" for n, w in state.workspaces.roots.items()) or "none"),
        f"tools:      {', '.join(state.tools) or 'none'}",
    ]
    problems = list(state.workspaces.problems)
    if not state.workspaces.roots:
        problems.append(
            "no usable workspace: file tools cannot run (set FAST_GENAI_WORKSPACES=name=/path)"
        )
    problem = agent_problem(state)
    if problem is not None:
        problems.append(
            f"chat and runs are unavailable: {problem}. The server runs; direct tool calls, "
            "users and conversations work."
        )
    facts += _limits_and_credentials(state)
    if state.settings.secret_key is None:
        facts.append(
            f"secret key: generated, kept in {state.tool_settings.data_dir / 'secret_key'}"
        )
    return facts, problems


def _limits_and_credentials(state: WebState) -> list[str]:
    settings = state.settings
    storage = urlsplit(settings.rate_limit_storage)
    where = f"{storage.scheme}://{storage.hostname or ''}" + (
        f":{storage.port}" if storage.port else ""
    )
    rate = f"{settings.rate_limit} per user in {where}" if settings.rate_limit else "none"
    quota = settings.daily_token_quota
    shared = "; the server's own for services a user has not stored"
    return [
        f"limits:     rate {rate}; daily tokens {quota if quota else 'unlimited'} per user",
        "credentials: each user's own (PUT /api/v1/integrations/...)"
        + (shared if settings.shared_credentials else ""),
    ]
