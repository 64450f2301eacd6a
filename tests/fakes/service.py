"""Shared machinery of the GitHub, Notion and Jira fakes: routing, recording, injected failures.

Each fake is a plain ASGI app holding its state in memory. Every request is recorded (method,
path, query, JSON body, headers) so tests can assert what the real client library sent; a test
can make the next requests fail (``fail_next``: a status, a body, headers such as Retry-After)
or hold the next request of a method open until it releases it (``hold_next``: a call in flight,
for kill -9 tests); a held request is then answered as usual, as a service that received it would,
whether or not its client is still there.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.loopback import loopback_allowed, serve

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handler = Callable[..., Response]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass
class Fault:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hold:
    """A request held open: ``arrived`` is set when it came in, ``release()`` lets it go on."""

    method: str
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)
    """Set once the held request was handled (the service's state changed, if it does)."""

    def release(self) -> None:
        self.released.set()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


class FakeService:
    """Subclasses add routes with ``route(method, pattern, handler)`` and check auth."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: deque[Fault] = deque()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.base_url = ""
        self.holds: deque[Hold] = deque()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail_next(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self.faults.append(Fault(status, body if body is not None else {}, headers or {}))

    def hold_next(self, method: str) -> Hold:
        """Hold the next ``method`` request open (up to 60 s) until ``release()``."""
        hold = Hold(method)
        self.holds.append(hold)
        return hold

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    def authorized(self, headers: dict[str, str]) -> Response | None:
        """``None`` when the request may proceed, else the service's auth failure."""
        return None

    @contextmanager
    def running(self) -> Iterator[FakeService]:
        """Serve the fake on loopback, with loopback on the operator allow-list meanwhile."""
        with loopback_allowed(), serve(self, self.name) as url:
            self.base_url = url
            yield self

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw = await request.body()
        try:
            data = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            data = raw.decode(errors="replace")
        headers = {k.lower(): v for k, v in request.headers.items()}
        record = Recorded(
            request.method, request.url.path, dict(request.query_params), data, headers
        )
        self.requests.append(record)
        hold = next((h for h in self.holds if h.method == record.method), None)
        if hold is not None:
            self.holds.remove(hold)
            hold.arrived.set()
            await anyio.to_thread.run_sync(hold.released.wait, 60)
        response = self._respond(record)
        if hold is not None:
            hold.answered.set()
        await response(scope, receive, send)

    def _respond(self, record: Recorded) -> Response:
        if self.faults:
            fault = self.faults.popleft()
            if isinstance(fault.body, str):
                return Response(
                    fault.body,
                    status_code=fault.status,
                    headers=fault.headers,
                    media_type="text/html",
                )
            return json_response(fault.status, fault.body, fault.headers)
        denied = self.authorized(record.headers)
        if denied is not None:
            return denied
        for method, pattern, handler in self._routes:
            match = pattern.match(record.path)
            if match and method == record.method:
                return handler(record, **match.groupdict())
        return self.not_found(record)

    def not_found(self, record: Recorded) -> Response:
        return json_response(404, {"message": f"no route {record.method} {record.path}"})
