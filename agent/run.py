"""Running the agent: limits, streaming to a callback, and one clear error that keeps the messages.

``run_agent`` is the one entry point the CLI and other surfaces use. It streams when given
``on_event`` (model text deltas, tool calls and results arrive as pydantic-ai events), applies the
usage limits from the settings, and turns every failure (rate limit or server error after retries,
timeout, garbled reply, usage limit, refused key) into a ``RunFailed`` subclass whose
``messages`` hold the conversation up to the failure, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from agent.deps import AgentDeps
from agent.errors import ModelUnavailable, RunFailed, UsageLimitReached
from agent.settings import AgentSettings

if TYPE_CHECKING:
    from pydantic_ai import Agent, AgentRunResult, DeferredToolRequests, DeferredToolResults
    from pydantic_ai.messages import AgentStreamEvent, ModelMessage
    from pydantic_ai.usage import UsageLimits

EventHandler = Callable[["AgentStreamEvent"], Awaitable[None]]


def usage_limits(settings: AgentSettings) -> UsageLimits:
    from pydantic_ai.usage import UsageLimits

    return UsageLimits(
        request_limit=settings.request_limit,
        tool_calls_limit=settings.tool_calls_limit,
        total_tokens_limit=settings.total_tokens_limit,
    )


async def run_agent(
    agent: Agent[AgentDeps, str | DeferredToolRequests],
    prompt: str | None,
    *,
    deps: AgentDeps,
    settings: AgentSettings,
    message_history: Sequence[ModelMessage] | None = None,
    deferred_tool_results: DeferredToolResults | None = None,
    on_event: EventHandler | None = None,
) -> AgentRunResult[str | DeferredToolRequests]:
    """Run once: the answer, or ``DeferredToolRequests`` waiting for approvals.

    With ``on_event`` the model's answer is streamed and every event is passed on as it arrives.
    Raises ``RunFailed`` (``ModelUnavailable``, ``UsageLimitReached``) with the messages so far.
    """
    from google.genai.errors import UnknownApiResponseError
    from pydantic_ai import AgentRunResultEvent, capture_run_messages
    from pydantic_ai.exceptions import AgentRunError, UserError

    failures = (AgentRunError, UnknownApiResponseError)

    limits = usage_limits(settings)
    history = list(message_history) if message_history is not None else None
    if on_event is None:
        with capture_run_messages() as captured:
            try:
                return await agent.run(
                    prompt,
                    deps=deps,
                    message_history=history,
                    deferred_tool_results=deferred_tool_results,
                    usage_limits=limits,
                )
            except failures as exc:
                failure = run_failure(exc, settings)
                if failure is None:
                    raise
                failure.messages = list(captured) or list(history or [])
                raise failure from exc

    async with agent.run_stream_events(
        prompt,
        deps=deps,
        message_history=history,
        deferred_tool_results=deferred_tool_results,
        usage_limits=limits,
    ) as events:
        try:
            async for event in events:
                if isinstance(event, AgentRunResultEvent):
                    return event.result
                await on_event(event)
        except failures as exc:
            failure = run_failure(exc, settings)
            if failure is None:
                raise
            try:
                failure.messages = events.all_messages()
            except UserError:  # the run never started
                failure.messages = list(history or [])
            raise failure from exc
    raise RunFailed("the run ended without a result")  # pragma: no cover - pydantic-ai contract


def run_failure(exc: BaseException, settings: AgentSettings) -> RunFailed | None:
    """The ``RunFailed`` for an exception a run raised, or ``None`` when it is not a run failure."""
    from google.genai.errors import UnknownApiResponseError
    from pydantic_ai.exceptions import (
        ModelAPIError,
        ModelAuthenticationError,
        ModelConnectionError,
        ModelHTTPError,
        ModelRateLimitError,
        ModelRequestTimeout,
        ModelTimeoutError,
        RunCancelled,
        UnexpectedModelBehavior,
        UsageLimitExceeded,
    )

    if isinstance(exc, RunCancelled):
        return None

    retries = f"after {settings.max_retries} retries" if settings.max_retries else "(retries off)"
    if isinstance(exc, UsageLimitExceeded):
        return UsageLimitReached(
            f"the run stopped at a usage limit: {exc}",
            hint="raise request_limit, tool_calls_limit or total_tokens_limit to allow more",
        )
    if isinstance(exc, ModelRequestTimeout):
        return ModelUnavailable(
            f"the model did not finish answering within request_timeout "
            f"({settings.request_timeout:g} s)",
            hint="try again, or raise FAST_GENAI_REQUEST_TIMEOUT",
        )
    if isinstance(exc, ModelTimeoutError):
        return ModelUnavailable(
            f"the model endpoint stopped sending within read_timeout ({settings.read_timeout:g} s)",
            hint="try again, or raise FAST_GENAI_READ_TIMEOUT",
        )
    if isinstance(exc, ModelAuthenticationError):
        return ModelUnavailable(
            f"the model endpoint refused the API key: {_detail(exc)}",
            hint="check GEMINI_API_KEY",
        )
    if isinstance(exc, ModelRateLimitError):
        return ModelUnavailable(
            f"the model is rate-limited {retries}: {_detail(exc)}",
            hint="wait a little and try again",
            retry_after=exc.retry_after,
        )
    if isinstance(exc, ModelHTTPError):
        return ModelUnavailable(
            f"the model endpoint failed with HTTP {exc.status_code} {retries}: {_detail(exc)}",
            retry_after=exc.retry_after,
        )
    if isinstance(exc, ModelConnectionError):
        return ModelUnavailable(f"could not reach the model endpoint {retries}: {exc.message}")
    if isinstance(exc, ModelAPIError | UnknownApiResponseError):
        detail = _shorten(getattr(exc, "message", str(exc)))
        return ModelUnavailable(
            f"the model endpoint sent a reply that could not be read: {detail}",
            hint="try again",
        )
    if isinstance(exc, UnexpectedModelBehavior):
        return RunFailed(f"the model did not follow the protocol: {exc}")
    return None


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _detail(exc: Any) -> str:
    """The endpoint's own message from an error body, else the exception text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return str(getattr(exc, "message", exc))
