"""Per-user limits on chat and runs: a request rate and a daily token quota.

The rate (``FAST_GENAI_RATE_LIMIT``, e.g. ``20/minute``) is counted by the ``limits`` library
in a moving window, in this process's memory or in Redis (``FAST_GENAI_RATE_LIMIT_STORAGE=
redis://...``) so several server instances share one count. The quota
(``FAST_GENAI_DAILY_TOKEN_QUOTA``) is the sum of a user's model tokens recorded in the ``usage``
table since midnight UTC. Exceeding either answers 429 with ``Retry-After``, before a run
starts. When the Redis storage cannot be reached the rate is not enforced (logged), so an outage
of the counter does not stop the service; the quota still is.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import func, select
from sqlmodel import col

from tools.errors import ToolError
from web.db import Database
from web.models import Usage, User
from web.settings import WebSettings
from web.state import WebState

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.aio.storage import Storage
    from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger("fast_genai.web")

SCOPE = "chat-and-runs"


class LimitExceeded(ToolError):
    """Too many requests, or the day's token quota is used up (429 with ``Retry-After``)."""

    code: ClassVar[str] = "rate_limited"
    status: ClassVar[int] = 429

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


def async_storage_uri(uri: str) -> str:
    """``memory://`` / ``redis://...`` as the ``limits`` async storage URI."""
    return uri if uri.startswith("async+") else f"async+{uri}"


@dataclass(frozen=True)
class RateLimiter:
    """The configured rates (none when the setting is empty) over one storage."""

    items: tuple[RateLimitItem, ...]
    storage: Storage
    strategy: MovingWindowRateLimiter
    redis_pool: Any = None
    """The Redis connections (``redis.asyncio.ConnectionPool``), closed by ``close``."""

    @classmethod
    def from_settings(cls, settings: WebSettings) -> RateLimiter:
        from limits import parse_many
        from limits.aio.storage import Storage as AsyncStorage
        from limits.aio.strategies import MovingWindowRateLimiter
        from limits.storage import storage_from_string

        uri = async_storage_uri(settings.rate_limit_storage)
        options: dict[str, Any] = {"wrap_exceptions": True}
        pool = None
        if uri.startswith("async+redis"):
            options |= {"implementation": "redispy", "key_prefix": "fast-genai"}
        if uri.startswith(("async+redis://", "async+rediss://")):
            from redis.asyncio import ConnectionPool

            pool = options["connection_pool"] = ConnectionPool.from_url(uri.removeprefix("async+"))
        storage = storage_from_string(uri, **options)
        if not isinstance(storage, AsyncStorage):  # "async+" URIs give the asyncio storages
            raise TypeError(f"not an asyncio rate-limit storage: {uri}")
        items = tuple(parse_many(settings.rate_limit)) if settings.rate_limit else ()
        strategy = MovingWindowRateLimiter(storage)
        return cls(items, storage, strategy, pool)

    async def close(self) -> None:
        if self.redis_pool is not None:
            await self.redis_pool.aclose()

    async def hit(self, user_id: uuid.UUID) -> None:
        """Count one request of the user; raises ``LimitExceeded`` when a rate is exceeded."""
        from limits.errors import StorageError

        who = str(user_id)
        for item in self.items:
            try:
                allowed = await self.strategy.hit(item, SCOPE, who)
                if allowed:
                    continue
                stats = await self.strategy.get_window_stats(item, SCOPE, who)
            except StorageError as exc:
                log.warning("rate limit not enforced: its storage failed (%s)", exc.storage_error)
                return
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise LimitExceeded(  # when to retry: the Retry-After header
                f"too many chat messages and runs: the limit is {_describe(item)}",
                retry_after=wait,
            )


def _describe(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    per = f"{item.multiples} {unit}s" if item.multiples != 1 else unit
    return f"{item.amount} per {per}"


def rate_limiter(state: WebState) -> RateLimiter:
    """The app's rate limiter, built on first use."""
    limiter = state.extra.get("rate_limiter")
    if not isinstance(limiter, RateLimiter):
        limiter = state.extra["rate_limiter"] = RateLimiter.from_settings(state.settings)
    return limiter


async def close_rate_limiter(state: WebState) -> None:
    """Release the rate limiter's connections (at shutdown)."""
    limiter = state.extra.pop("rate_limiter", None)
    if isinstance(limiter, RateLimiter):
        await limiter.close()


def _midnight_utc(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def tokens_today(db: Database, user_id: uuid.UUID, now: datetime | None = None) -> int:
    """Model tokens (input + output) the user used since midnight UTC."""
    since = _midnight_utc(now or datetime.now(UTC))
    total = func.coalesce(func.sum(col(Usage.input_tokens) + col(Usage.output_tokens)), 0)
    async with db.sessions() as session:
        result = await session.execute(
            select(total).where(col(Usage.user_id) == user_id, col(Usage.created_at) >= since)
        )
        return int(result.scalar_one())


async def check_quota(state: WebState, user: User) -> None:
    """Raises ``LimitExceeded`` when the user's daily token quota is used up."""
    quota = state.settings.daily_token_quota
    if quota <= 0:
        return
    used = await tokens_today(state.db, user.id)
    if used < quota:
        return
    now = datetime.now(UTC)
    wait = max(1, math.ceil((_midnight_utc(now) + timedelta(days=1) - now).total_seconds()))
    raise LimitExceeded(
        f"the daily token quota is used up: {used} of {quota} tokens today",
        retry_after=wait,
        hint="the quota renews at midnight UTC",
    )


async def enforce(state: WebState, user: User) -> None:
    """Before a chat message or a run: the quota, then one hit on the rate."""
    await check_quota(state, user)
    await rate_limiter(state).hit(user.id)
