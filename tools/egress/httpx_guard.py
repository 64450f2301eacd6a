"""The guarded transport for httpx clients (notion-client, the credentials check).

httpcore dials every connection through a network backend; ``GuardedBackend`` resolves the host
with ``EgressPolicy`` and dials only the checked addresses. TLS still verifies the certificate
against the URL's host name (httpcore passes it as the server name, not the address dialled).
A redirect is a new request on the same transport, so each hop is checked; environment proxies
are not used (httpx ignores them when a transport is given), environment CA bundles are.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
import httpcore
import httpx

from tools.egress.policy import EgressPolicy


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Dials only addresses the policy allows; Unix sockets are refused."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                targets = await anyio.to_thread.run_sync(self.policy.resolve, host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for target in targets:
            try:
                return await self._inner.connect_tcp(
                    target.ip, target.port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the guarded transport does not connect to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connection pool dials through ``GuardedBackend``."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        verify: bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
    ) -> None:
        super().__init__(verify=verify, limits=limits)
        # httpx has no public way to give its pool a network backend: replace the pool with one
        # built from the same settings (tests/test_egress.py counts connections to prove it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),  # honours SSL_CERT_FILE
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


def guarded_client(policy: EgressPolicy, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on the guarded transport (``kwargs``: timeout, headers, ...)."""
    return httpx.AsyncClient(transport=GuardedTransport(policy), **kwargs)
