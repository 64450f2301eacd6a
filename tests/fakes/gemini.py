"""A fake Gemini API server, at the wire: the real google-genai client talks to it over HTTP.

It serves ``POST /v1beta/models/{model}:generateContent`` and
``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` on a loopback port, answering from a
per-test script and recording every request body, so tests can check exactly what was sent::

    with FakeGemini() as gemini:
        gemini.script(Reply.calls(("read_file", {"path": "a.py"})), Reply.text("It adds."))
        settings = AgentSettings(gemini_api_key="test-key", gemini_base_url=gemini.base_url)
        ...
        assert gemini.requests[1].function_responses[0]["name"] == "read_file"

Replies: ``Reply.text`` (streamed in chunks, optionally slowly), ``Reply.calls`` (function calls),
``Reply.error`` (an HTTP error, optionally with ``Retry-After``), ``Reply.malformed`` (a stream
whose second chunk is not JSON). A ``responder`` function can answer instead of the script, for
tests where the number of requests is not known in advance. A request with nothing scripted gets a
500 whose message says so, and is recorded in ``unexpected``.

The ``gemini`` pytest fixture (import it into a test module or a conftest) gives a started server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
import uvicorn

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PATH = re.compile(
    r"^/v1beta/models/(?P<model>[^:/]+):(?P<method>generateContent|streamGenerateContent)$"
)
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def estimate_tokens(text: str) -> int:
    """The fake's token count: one token per four characters, rounded up (a rule of thumb)."""
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the fake server."""

    kind: Literal["text", "calls", "error", "malformed"]
    chunks: tuple[str, ...] = ()
    function_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    status: int = 200
    message: str = ""
    retry_after: float | None = None
    delay: float = 0.0
    """Seconds to wait before each streamed chunk (a slow stream)."""

    @classmethod
    def text(cls, text: str, *, chunks: int = 3, delay: float = 0.0) -> Reply:
        """A text answer, streamed in ``chunks`` pieces (one piece when not streaming)."""
        size = max(1, -(-len(text) // max(1, chunks)))
        pieces = tuple(text[i : i + size] for i in range(0, len(text), size)) or ("",)
        return cls(kind="text", chunks=pieces, delay=delay)

    @classmethod
    def calls(cls, *calls: tuple[str, dict[str, Any]]) -> Reply:
        """Function calls in one model turn: ``Reply.calls(("read_file", {"path": "a.py"}))``."""
        return cls(kind="calls", function_calls=tuple((name, dict(args)) for name, args in calls))

    @classmethod
    def error(cls, status: int, message: str = "", *, retry_after: float | None = None) -> Reply:
        """An HTTP error in Google's error format, with ``Retry-After`` when given."""
        return cls(
            kind="error",
            status=status,
            message=message or f"fake gemini error {status}",
            retry_after=retry_after,
        )

    @classmethod
    def malformed(cls, before: str = "Partial ") -> Reply:
        """A stream whose first chunk is fine and whose second is not JSON."""
        return cls(kind="malformed", chunks=(before,))


@dataclass
class RecordedRequest:
    """One request the fake received."""

    model: str
    method: str
    stream: bool
    query: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float
    """``time.monotonic()`` when the request arrived."""

    @property
    def contents(self) -> list[dict[str, Any]]:
        return list(self.body.get("contents", []))

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [part for content in self.contents for part in content.get("parts", [])]

    @property
    def system_text(self) -> str:
        instruction = self.body.get("systemInstruction") or {}
        return "".join(part.get("text", "") for part in instruction.get("parts", []))

    @property
    def user_text(self) -> str:
        """The text of every part of every content (user and model turns), joined."""
        return "\n".join(part["text"] for part in self.parts if "text" in part)

    @property
    def function_responses(self) -> list[dict[str, Any]]:
        return [part["functionResponse"] for part in self.parts if "functionResponse" in part]

    @property
    def function_calls(self) -> list[dict[str, Any]]:
        return [part["functionCall"] for part in self.parts if "functionCall" in part]

    @property
    def tool_names(self) -> list[str]:
        return [
            declaration["name"]
            for tool in self.body.get("tools", [])
            for declaration in tool.get("functionDeclarations", [])
        ]

    @property
    def tool_declarations(self) -> list[dict[str, Any]]:
        return [
            declaration
            for tool in self.body.get("tools", [])
            for declaration in tool.get("functionDeclarations", [])
        ]

    @property
    def size_chars(self) -> int:
        """Characters of all text sent: system instruction, contents and function responses."""
        return len(self.system_text) + len(json.dumps(self.contents, ensure_ascii=False))

    @property
    def text_tokens(self) -> int:
        """Tokens of the text sent (instructions, every text part, function responses and tool
        declarations), without the JSON framing: what a token budget should bound."""
        sent = self.system_text + self.user_text
        sent += json.dumps(self.function_responses, ensure_ascii=False)
        sent += json.dumps(self.tool_declarations, ensure_ascii=False)
        return estimate_tokens(sent)

    @property
    def prompt_tokens(self) -> int:
        return estimate_tokens(self.system_text + json.dumps(self.contents, ensure_ascii=False))


Responder = Callable[[RecordedRequest], Reply]


@dataclass
class FakeGemini:
    """The fake server. Use as a context manager, or through the ``gemini`` fixture."""

    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    unexpected: list[RecordedRequest] = field(default_factory=list)
    responder: Responder | None = None
    """Answers every request when set (the script is then ignored)."""

    _queue: deque[Reply] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _port: int = 0

    # -- scripting -------------------------------------------------------------------------

    def script(self, *replies: Reply) -> FakeGemini:
        """Append replies, answered in order, one per request."""
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGemini:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self,
            log_level="warning",
            lifespan="off",
            ws="none",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="fake-gemini", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Gemini server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeGemini:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the ASGI app ----------------------------------------------------------------------

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        match = _PATH.match(scope["path"])
        if scope["method"] != "POST" or match is None:
            await _send_json(send, 404, _error_body(404, f"fake gemini: no route {scope['path']}"))
            return
        query = scope.get("query_string", b"").decode()
        request = RecordedRequest(
            model=match["model"],
            method=match["method"],
            stream=match["method"] == "streamGenerateContent",
            query=query,
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=json.loads(raw or b"{}"),
            received_at=time.monotonic(),
        )
        reply = self._next_reply(request)
        if reply is None:
            await _send_json(send, 500, _error_body(500, "fake gemini: no scripted reply left"))
            return
        if reply.kind == "error":
            headers = {}
            if reply.retry_after is not None:
                headers["retry-after"] = _retry_after_text(reply.retry_after)
            await _send_json(send, reply.status, _error_body(reply.status, reply.message), headers)
            return
        response_id = f"fake-{next(self._ids)}"
        if request.stream:
            await self._stream(send, receive, request, reply, response_id)
        else:
            await _send_json(send, 200, _whole_response(request, reply, response_id))

    def _next_reply(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            if self.responder is not None:
                return self.responder(request)
            if self._queue:
                return self._queue.popleft()
            self.unexpected.append(request)
            return None

    async def _stream(
        self, send: Send, receive: Receive, request: RecordedRequest, reply: Reply, response_id: str
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        gone = asyncio.Event()

        async def watch() -> None:  # the client hanging up (a timeout test) ends the stream
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        try:
            for event in _stream_events(request, reply, response_id):
                if reply.delay:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(gone.wait(), reply.delay)
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went away between two chunks
            return
        finally:
            watcher.cancel()


def _stream_events(request: RecordedRequest, reply: Reply, response_id: str) -> Iterator[bytes]:
    if reply.kind == "malformed":
        first = _chunk(request, [{"text": reply.chunks[0]}], response_id, final=False)
        yield _sse(first)
        yield b'data: {"candidates": [{"content": {"parts": [{"text": "brok\r\n\r\n'
        return
    if reply.kind == "calls":
        yield _sse(_chunk(request, _call_parts(reply), response_id, final=True, reply=reply))
        return
    for index, piece in enumerate(reply.chunks):
        final = index == len(reply.chunks) - 1
        yield _sse(_chunk(request, [{"text": piece}], response_id, final=final, reply=reply))


def _call_parts(reply: Reply) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": name, "args": args}} for name, args in reply.function_calls]


def _whole_response(request: RecordedRequest, reply: Reply, response_id: str) -> dict[str, Any]:
    if reply.kind == "calls":
        parts = _call_parts(reply)
    elif reply.kind == "malformed":
        parts = [{"text": reply.chunks[0]}]
    else:
        parts = [{"text": "".join(reply.chunks)}]
    return _chunk(request, parts, response_id, final=True, reply=reply)


def _chunk(
    request: RecordedRequest,
    parts: list[dict[str, Any]],
    response_id: str,
    *,
    final: bool,
    reply: Reply | None = None,
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    chunk: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": request.model,
        "responseId": response_id,
    }
    if final:
        candidate["finishReason"] = "STOP"
        answer = "".join(reply.chunks) if reply else ""
        answer += json.dumps(list(reply.function_calls)) if reply and reply.function_calls else ""
        prompt = request.prompt_tokens
        output = estimate_tokens(answer)
        chunk["usageMetadata"] = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": output,
            "totalTokenCount": prompt + output,
        }
    return chunk


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\r\n\r\n"


def _error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "status": _STATUS_NAMES.get(status, "UNKNOWN"),
        }
    }


def _retry_after_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


async def _send_json(
    send: Send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(payload).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


@pytest.fixture
def gemini(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGemini]:
    """A started fake Gemini server; stopped after the test.

    Model requests are allowed while it runs (tests/conftest.py forbids them otherwise): they go
    to its loopback port. ``GOOGLE_GEMINI_BASE_URL`` points at it, for subprocess tests.
    """
    import pydantic_ai.models

    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)
    with FakeGemini() as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base_url)
        yield server
