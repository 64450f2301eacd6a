"""An HTTP transport that retries model requests: 408/429/5xx and connection failures.

Waits grow exponentially (``retry_initial_delay`` doubled per retry, capped at
``retry_max_delay``); a ``Retry-After`` (or ``retry-after-ms``) header wins, capped at
``retry_max_wait``. A failed response's body is read before it is retried or given up on, so the
final error carries the endpoint's own message. Only the response head is awaited here: a
streamed body that fails half-way is not resent (the run fails with what it has).
"""

from __future__ import annotations

from types import TracebackType

import httpx2
from pydantic_ai.retries import wait_retry_after
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from agent.settings import AgentSettings

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class RetryingTransport(httpx2.AsyncBaseTransport):
    """Wraps a transport; see the module docstring for the policy."""

    def __init__(
        self, settings: AgentSettings, wrapped: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.wrapped = wrapped or httpx2.AsyncHTTPTransport()

    def _retrying(self) -> AsyncRetrying:
        settings = self.settings
        return AsyncRetrying(
            retry=retry_if_exception_type((httpx2.HTTPStatusError, httpx2.TransportError)),
            wait=wait_retry_after(
                wait_exponential(
                    multiplier=settings.retry_initial_delay, max=settings.retry_max_delay
                ),
                max_wait=settings.retry_max_wait,
            ),
            stop=stop_after_attempt(settings.max_retries + 1),
            reraise=True,
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        async for attempt in self._retrying():
            with attempt:
                response = await self.wrapped.handle_async_request(request)
                if response.status_code in RETRY_STATUSES:
                    response.request = request
                    await response.aread()
                    await response.aclose()
                    raise httpx2.HTTPStatusError(
                        f"HTTP {response.status_code} from the model endpoint",
                        request=request,
                        response=response,
                    )
                return response
        raise RuntimeError("unreachable: tenacity either returns or re-raises")

    async def __aenter__(self) -> RetryingTransport:
        await self.wrapped.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.wrapped.__aexit__(exc_type, exc_value, traceback)

    async def aclose(self) -> None:
        await self.wrapped.aclose()
