"""Retries of calls to services: rate limits (429) and server errors (5xx), honouring Retry-After.

The client libraries' own retries are switched off (PyGithub ``retry=None``, jira
``max_retries=0``, notion-client ``retry=False``) so that one policy, set in the settings, applies
to all three and tests can make it fast and deterministic.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from tools.errors import UpstreamError
from tools.settings import ToolSettings

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff: float = 1.0
    """First wait in seconds without Retry-After; doubled for each further try."""
    max_wait: float = 60.0
    """A Retry-After longer than this is reported to the caller instead of waited for."""

    @classmethod
    def from_settings(cls, settings: ToolSettings) -> RetryPolicy:
        return cls(
            attempts=settings.upstream_attempts,
            backoff=settings.upstream_backoff,
            max_wait=settings.upstream_max_wait,
        )

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before try ``attempt + 1``, or ``None`` to give up now."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        return min(self.backoff * 2.0**attempt, self.max_wait)


def is_transient(error: UpstreamError) -> bool:
    """A rate limit, a server error, or no answer at all (connection failure)."""
    status = error.upstream_status
    return status is None or status == 429 or status >= 500


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``call``; on a transient ``UpstreamError`` wait and try again, then re-raise."""
    attempt = 0
    while True:
        try:
            return await call()
        except UpstreamError as exc:
            last = attempt + 1 >= policy.attempts
            delay = None if last or not is_transient(exc) else policy.wait(attempt, exc.retry_after)
            if delay is None:
                if is_transient(exc) and attempt > 0:
                    exc.message += f" (gave up after {attempt + 1} tries)"
                raise
            await anyio.sleep(delay)
            attempt += 1


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
