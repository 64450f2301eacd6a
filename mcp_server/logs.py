"""The ``logging`` capability: ``logging/setLevel`` and ``notifications/message`` for tool calls.

What a call logs to the client: its progress (``debug``, the same steps as the progress
notifications) and the warnings the tool code logs while it runs (``warning`` and above, from
the ``tools`` and ``agent`` loggers), sent before the call's result.

Which levels reach the client: on the handshake revisions (2025-11-25 and older) the level the
client last set with ``logging/setLevel`` on this connection (``info`` until it sets one), so a
client that wants progress as log lines sets ``debug``. Over stateless HTTP each request is its
own connection, so a level set there lasts for that request only. On 2026-07-28 the request opts
in itself (``_meta`` ``io.modelcontextprotocol/logLevel``), as that revision requires, and
nothing is sent without it.

The SDK marks its log helpers deprecated (logging left the protocol in 2026-07-28); this module
sends the notification itself so older clients keep the capability without warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, get_args

import mcp_types as types
from mcp.server.connection import allowed_log_levels
from mcp.server.context import ServerRequestContext
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

LEVELS: tuple[types.LoggingLevel, ...] = get_args(types.LoggingLevel)
"""RFC 5424 severities, least severe first."""
DEFAULT_LEVEL: types.LoggingLevel = "info"
LOGGER_NAME = "fast-genai"
"""The ``logger`` field of the notifications: progress steps; warnings carry their own name."""
BRIDGED_LOGGERS = ("tools", "agent")
"""Loggers whose warnings during a call go to the client."""

_PYTHON_LEVELS: tuple[tuple[int, types.LoggingLevel], ...] = (
    (logging.CRITICAL, "critical"),
    (logging.ERROR, "error"),
    (logging.WARNING, "warning"),
    (logging.INFO, "info"),
)


def mcp_level(levelno: int) -> types.LoggingLevel:
    """The MCP severity of a Python logging level."""
    return next((level for number, level in _PYTHON_LEVELS if levelno >= number), "debug")


@dataclass
class LogGate:
    """The level this connection asked for (``logging/setLevel``); one per stdio connection."""

    level: types.LoggingLevel = DEFAULT_LEVEL

    def allowed(self, rctx: ServerRequestContext[Any, Any]) -> frozenset[types.LoggingLevel]:
        if rctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return allowed_log_levels(rctx.protocol_version, rctx.meta)
        return frozenset(LEVELS[LEVELS.index(self.level) :])

    async def set_level(
        self, rctx: ServerRequestContext[Any, Any], params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        self.level = params.level
        return types.EmptyResult()


async def send(
    rctx: ServerRequestContext[Any, Any],
    gate: LogGate,
    level: types.LoggingLevel,
    data: Any,
    logger: str = LOGGER_NAME,
) -> None:
    """One ``notifications/message`` on the request's own stream, if the client wants ``level``."""
    if level not in gate.allowed(rctx):
        return
    notification = types.LoggingMessageNotification(
        params=types.LoggingMessageNotificationParams(level=level, data=data, logger=logger)
    )
    await rctx.session.send_notification(notification, related_request_id=rctx.request_id)


@dataclass
class CallLog:
    """Log records of one tool call, collected (from any thread) until they are sent."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def drain(self) -> list[logging.LogRecord]:
        taken, self.records[:] = self.records[:], []
        return taken


_current: ContextVar[CallLog | None] = ContextVar("fast_genai_mcp_call_log", default=None)


class _Bridge(logging.Handler):
    """Hands records of the bridged loggers to the call that is running in this context."""

    def emit(self, record: logging.LogRecord) -> None:
        log = _current.get()
        if log is not None:
            log.records.append(record)


_BRIDGE = _Bridge(level=logging.WARNING)


def _install_bridge() -> None:
    for name in BRIDGED_LOGGERS:
        logger = logging.getLogger(name)
        if _BRIDGE not in logger.handlers:
            logger.addHandler(_BRIDGE)


@contextmanager
def collecting() -> Iterator[CallLog]:
    """Collect the bridged loggers' warnings logged in this context (and threads it starts)."""
    _install_bridge()
    log = CallLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


async def flush(rctx: ServerRequestContext[Any, Any], gate: LogGate, log: CallLog) -> None:
    """Send the collected records as ``notifications/message``."""
    for record in log.drain():
        await send(rctx, gate, mcp_level(record.levelno), record.getMessage(), record.name)
