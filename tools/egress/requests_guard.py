"""The guarded transport for requests sessions (PyGithub, jira).

``GuardedAdapter`` is a ``requests`` adapter whose urllib3 pools make connections that resolve
the host with ``EgressPolicy`` and dial only the checked addresses (TLS still verifies the URL's
host name). requests follows a redirect by sending a new request through the adapter, so every
hop is checked. Proxies from the environment are not used: a proxy would resolve the target
itself, out of the guard's sight.
"""

from __future__ import annotations

import socket
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from tools.egress.policy import EgressPolicy


def _dial(conn: HTTPConnection, policy: EgressPolicy) -> socket.socket:
    try:
        targets = policy.resolve(conn._dns_host, conn.port)  # the host urllib3 would dial
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    failure: OSError | None = None
    for target in targets:
        try:
            return connection.create_connection(
                (target.ip, target.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, f"connection to {conn.host} timed out") from exc
        except OSError as exc:
            failure = exc
    raise NewConnectionError(conn, f"Failed to establish a new connection: {failure}")


class _GuardedHTTPConnection(HTTPConnection):
    policy: ClassVar[EgressPolicy]

    def _new_conn(self) -> socket.socket:
        return _dial(self, self.policy)


class _GuardedHTTPSConnection(HTTPSConnection):
    policy: ClassVar[EgressPolicy]

    def _new_conn(self) -> socket.socket:
        return _dial(self, self.policy)


def _pool_classes(policy: EgressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    plain = type("GuardedHTTPConnection", (_GuardedHTTPConnection,), {"policy": policy})
    tls = type("GuardedHTTPSConnection", (_GuardedHTTPSConnection,), {"policy": policy})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


class GuardedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections go through ``EgressPolicy``."""

    def __init__(self, policy: EgressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


def guard_session(session: requests.Session, policy: EgressPolicy, **adapter: Any) -> None:
    """Route every http:// and https:// request of ``session`` through the guard."""
    guarded = GuardedAdapter(policy, **adapter)
    session.mount("http://", guarded)
    session.mount("https://", guarded)
