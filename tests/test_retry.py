"""The retry policy shared by the integrations."""

from __future__ import annotations

import email.utils
import time

import pytest

from tools.errors import UpstreamError
from tools.integrations.retry import RetryPolicy, parse_retry_after, with_retries

pytestmark = pytest.mark.anyio


def test_waits() -> None:
    policy = RetryPolicy(attempts=4, backoff=0.5, max_wait=3)
    assert [policy.wait(n, None) for n in range(4)] == [0.5, 1.0, 2.0, 3]
    assert policy.wait(0, 2.5) == 2.5  # Retry-After wins over backoff
    assert policy.wait(0, 10) is None  # longer than we wait: reported instead


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None and 25 <= seconds <= 31


async def test_only_transient_errors_are_retried() -> None:
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise UpstreamError("busy", service="x", upstream_status=503)
        return "ok"

    assert await with_retries(flaky, RetryPolicy(attempts=3, backoff=0)) == "ok"
    assert len(calls) == 3

    async def refused() -> str:
        calls.append(1)
        raise UpstreamError("no", service="x", upstream_status=401)

    calls.clear()
    with pytest.raises(UpstreamError):
        await with_retries(refused, RetryPolicy(attempts=3, backoff=0))
    assert len(calls) == 1
