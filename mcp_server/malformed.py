"""Answers for stdio lines that are not JSON-RPC messages: -32700 and -32600, as JSON-RPC says.

The SDK's stdio transport turns a line it cannot decode into an ``Exception`` on the read
stream, and its dispatcher drops it (a debug log line), so a client that sent a broken line
waits forever. ``AnsweringMalformed`` sits between the transport and the server: a line that is
not JSON gets ``-32700 Parse error``, JSON that is not a request, notification or response gets
``-32600 Invalid Request``, both with ``"id": null`` unless the line carried a usable id.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import anyio
import mcp_types as types
from mcp.shared._stream_protocols import ReadStream, WriteStream
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

Item = SessionMessage | Exception


def _request_id(errors: list[Any]) -> types.RequestId | None:
    """The ``id`` of the decoded object, when it had a usable one (else ``None``: null)."""
    for error in errors:
        value = error.get("input")
        if isinstance(value, dict):
            found = value.get("id")
            if isinstance(found, str) or (isinstance(found, int) and not isinstance(found, bool)):
                return found
            return None
    return None


def error_for(exc: Exception) -> types.JSONRPCError:
    """The JSON-RPC error answering a line the transport could not turn into a message."""
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if any(error["type"] == "json_invalid" for error in errors):
            detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
            data = types.ErrorData(code=types.PARSE_ERROR, message=f"Parse error: {detail}")
            return types.JSONRPCError(jsonrpc="2.0", id=None, error=data)
        data = types.ErrorData(
            code=types.INVALID_REQUEST,
            message="Invalid Request: not a JSON-RPC 2.0 request, notification or response "
            '(one JSON object per line with "jsonrpc": "2.0" and a "method", or a '
            '"result"/"error" with an "id")',
        )
        return types.JSONRPCError(jsonrpc="2.0", id=_request_id(errors), error=data)
    data = types.ErrorData(code=types.PARSE_ERROR, message=f"Parse error: {exc}")
    return types.JSONRPCError(jsonrpc="2.0", id=None, error=data)


@dataclass
class AnsweringMalformed:
    """A read stream that answers undecodable lines on ``write`` and passes messages on."""

    inner: ReadStream[Item]
    write: WriteStream[SessionMessage]

    @property
    def last_context(self) -> contextvars.Context | None:
        """The sender context the SDK's context-aware stream carries (tracing)."""
        context = getattr(self.inner, "last_context", None)
        return context if isinstance(context, contextvars.Context) else None

    async def receive(self) -> Item:
        while True:
            item = await self.inner.receive()
            if not isinstance(item, Exception):
                return item
            await self.write.send(SessionMessage(error_for(item)))

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Item:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        await self.aclose()
        return None
