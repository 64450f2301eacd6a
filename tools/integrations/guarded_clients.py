"""PyGithub and jira clients whose every request goes through the guarded transport.

Both libraries build their own ``requests`` sessions; neither takes one as an argument, so each
gets the smallest hook its code offers:

- PyGithub creates a session per connection object, from the connection class its ``Requester``
  holds; ``guard_github`` gives the client's requester a connection class that mounts the
  ``GuardedAdapter`` on that session (every host it talks to, uploads included).
- jira creates its session in ``JIRA.__init__`` and calls ``_add_client_cert_to_session`` right
  after, before any request (even the server-info call); ``GuardedJira`` mounts the adapter there.

``tests/test_egress.py`` proves each hook: a loopback listener that is not allowed accepts no
connection at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.egress.policy import EgressPolicy
from tools.egress.requests_guard import guard_session

if TYPE_CHECKING:
    from github import Github
    from jira import JIRA


def _connection_class(base: type[Any], policy: EgressPolicy) -> type[Any]:
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, *args, **kwargs)
        guard_session(
            self.session,
            policy,
            max_retries=self.retry,
            pool_connections=self.pool_size,
            pool_maxsize=self.pool_size,
        )

    return type(f"Guarded{base.__name__}", (base,), {"__init__": init})


def guard_github(gh: Github, policy: EgressPolicy) -> Github:
    """``gh`` with its connections made through the guard (before its first request)."""
    from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass

    requester = gh.requester
    https = requester.base_url.startswith("https")
    base = HTTPSRequestsConnectionClass if https else HTTPRequestsConnectionClass
    # The connection class is private to Requester (PyGithub's only public switch,
    # Requester.injectConnectionClasses, is process-wide): set this client's own.
    setattr(requester, "_Requester__connectionClass", _connection_class(base, policy))  # noqa: B010
    return gh


def guarded_jira(policy: EgressPolicy, **kwargs: Any) -> JIRA:
    """``jira.JIRA(**kwargs)`` whose session goes through the guard from its first request."""
    from jira import JIRA

    class GuardedJira(JIRA):
        def _add_client_cert_to_session(self) -> None:
            super()._add_client_cert_to_session()  # type: ignore[no-untyped-call]
            guard_session(self._session, policy)

    return GuardedJira(**kwargs)
