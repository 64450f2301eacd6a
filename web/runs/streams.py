"""A turn's UI events in a DBOS stream, readable from any instance, from its start.

The chat workflow writes the encoded UI-message chunks (AI SDK UI stream, SDK 6) to the stream
``ui`` of its workflow, then ``END``; an answer that continues after a decision on held writes
(``web.runs.waiting``) goes to a stream of its own, named by the route that delivered the
decision, and the event ``CURRENT`` names the stream being written. ``POST /chat`` answers by
reading it, and ``GET /chat/{id}/stream`` re-attaches to the current answer from its first
chunk.

Why not ``DBOS.write_stream``: called from workflow code it is a checkpointed operation that
takes a step number, and how many chunks a turn writes differs when it is recovered (a
checkpointed model response is not streamed again), so the step numbers after it would no
longer match. The chunks are written the way ``write_stream`` writes them from inside a step
(an append at the next offset, no checkpoint), through the system database of the launched
engine. A turn recovered after a crash appends what it streams after the chunks written before
the crash.

Speed (``bench/durable_runs.py``): a ``Publisher`` commits the chunks in batches, group-commit
style: the first chunk is written at once, and the chunks that arrive while a write is in flight
go together in the next one (one stream value holds a list of chunks), so a fast model costs a
few commits per answer instead of one per chunk, and a slow one adds no delay. A reader in the
process of the writer is woken by the write itself; a reader on another instance by DBOS's
PostgreSQL LISTEN/NOTIFY, and in any case by re-reading at a backing-off interval (which also
notices a workflow that ended). ``DBOS.read_stream_async`` is not used: it makes several thread
hops per value (checkpoint bookkeeping that a reader outside a workflow does not need), and on
SQLite its listener queries the database for every reader every poll interval.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from web.errors import DATABASE_DOWN

KEY = "ui"
"""The stream of a turn's first answer; each answer after a decision gets a key of its own."""
CURRENT = "ui-stream"
"""The workflow event naming the stream key of the answer being written (for re-attaching)."""
END = "[END]"
STREAM_FUNCTION_ID = 0
"""The step number the chunks are filed under (a stream offset orders them, not this)."""
GRACE_SECONDS = 2.0
"""How long a reader waits for the last chunks once the workflow is no longer active (a stop
marks it cancelled while it still writes what was said)."""
POLL_SECONDS = (0.05, 1.0)
"""A reader re-reads after this long without news (doubling from the first to the second)."""
BATCH = 100
"""Stream values read per round trip."""
UNREADABLE = "the database cannot be read right now; reload the conversation when it is back"
BACKLOG = 256
"""Chunks a publisher buffers before ``send`` waits for the write in flight."""

_local_readers: defaultdict[str, set[Any]] = defaultdict(set)
"""The readers of this process per workflow (``LoopAwareEvent``), woken by a local write."""
_failed: dict[str, str] = {}
"""Turns of this process whose stream could not be written, with the error to show."""


def _sys_db() -> Any:
    from dbos._dbos import _get_dbos_instance

    return _get_dbos_instance()._sys_db


def _write(workflow_id: str, key: str, value: Any) -> None:
    from dbos._serialization import WorkflowSerializationFormat

    _sys_db().write_stream_from_step(
        workflow_id,
        STREAM_FUNCTION_ID,
        key,
        value,
        serialization_type=WorkflowSerializationFormat.DEFAULT,
    )


def _wake(workflow_id: str) -> None:
    for event in list(_local_readers.get(workflow_id, ())):
        event.set()


def fail(workflow_id: str, message: str) -> None:
    """The turn's stream cannot be written: its readers here end it with an error part."""
    _failed[workflow_id] = message
    _wake(workflow_id)


def forget(workflow_id: str) -> None:
    _failed.pop(workflow_id, None)


def error_part(message: str) -> list[str]:
    """The UI-stream chunks that end an answer with an error (an AI SDK ``error`` part)."""
    from pydantic_ai.ui.vercel_ai.response_types import DoneChunk, ErrorChunk

    return [ErrorChunk(error_text=message).encode(6), DoneChunk().encode(6)]


class Publisher:
    """Writes one workflow's chunks to its stream, in order, batching what arrives meanwhile."""

    def __init__(self, workflow_id: str, key: str = KEY) -> None:
        self.workflow_id = workflow_id
        self.key = key
        self._buffer: list[str] = []
        self._writer: asyncio.Task[None] | None = None

    async def send(self, chunk: str) -> None:
        """Queue ``chunk``; raises the error of a write that failed (the stream is broken)."""
        writer = self._writer
        if writer is not None and writer.done():
            writer.result()  # a failed write raises here, in the workflow
        self._buffer.append(chunk)
        if writer is None or writer.done():
            self._writer = asyncio.ensure_future(self._drain())
        elif len(self._buffer) >= BACKLOG:
            await asyncio.shield(writer)

    async def close(self) -> None:
        """Write ``END`` after everything queued, and wait for it to be stored."""
        writer = self._writer
        if writer is not None and not writer.done():
            await asyncio.shield(writer)  # a failed write raises here
        elif writer is not None:
            writer.result()
        self._buffer.append(END)
        await self._drain()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._buffer:
            batch, self._buffer = self._buffer, []
            # Outside the workflow's context (``run_in_executor`` copies none): the write is not
            # tied to the workflow's ownership, so a stopped turn can still stream how it ended.
            write = functools.partial(_write, self.workflow_id, self.key, batch)
            await loop.run_in_executor(None, write)
            _wake(self.workflow_id)


async def publish(workflow_id: str, chunk: str, key: str = KEY) -> None:
    """Write one chunk (or ``END``) at once, unbatched."""
    await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(_write, workflow_id, key, [chunk])
    )
    _wake(workflow_id)


def _read_batch(workflow_id: str, key: str, offset: int) -> tuple[str | None, list[Any]]:
    from dbos._serialization import deserialize_value

    sys_db = _sys_db()
    status, rows = sys_db.read_stream_values(workflow_id, key, offset, BATCH)
    return status, [deserialize_value(value, kind, sys_db.serializer) for value, kind in rows]


def _chunks(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


async def current_key(workflow_id: str) -> str:
    """The key of the answer the turn is writing (or wrote last)."""
    from dbos import DBOS

    key = await DBOS.get_event_async(workflow_id, CURRENT, timeout_seconds=0)
    return str(key) if key else KEY


async def read(workflow_id: str, key: str = KEY) -> AsyncIterator[str]:
    """The answer's chunks from the first, until ``END`` (or the workflow is gone for good)."""
    from dbos._sys_db import workflow_is_active
    from dbos._utils import LoopAwareEvent

    sys_db = _sys_db()
    payload: str | None = None
    if getattr(sys_db, "use_listen_notify", False) and sys_db.engine.dialect.name != "sqlite":
        event, payload = sys_db.register_stream_listener(workflow_id, key)  # LISTEN/NOTIFY
    else:
        event = LoopAwareEvent()
    _local_readers[workflow_id].add(event)
    loop = asyncio.get_running_loop()
    offset = 0
    wait = POLL_SECONDS[0]
    ended_at: float | None = None
    try:
        while True:
            event.clear()  # before the read: a write after it leaves the event set
            try:
                status, values = await asyncio.to_thread(_read_batch, workflow_id, key, offset)
            except DATABASE_DOWN:
                for chunk in error_part(UNREADABLE):
                    yield chunk
                return
            if status is None:
                return  # no such workflow
            if values:
                offset += len(values)
                wait, ended_at = POLL_SECONDS[0], None
                for value in values:
                    for chunk in _chunks(value):
                        if chunk == END:
                            return
                        yield chunk
                continue
            if workflow_id in _failed:
                for chunk in error_part(_failed[workflow_id]):
                    yield chunk
                return
            if not workflow_is_active(status):
                now = loop.time()
                ended_at = ended_at or now
                if now - ended_at > GRACE_SECONDS:
                    return
                wait = POLL_SECONDS[0]
            await event.wait_async(timeout=wait)
            wait = min(wait * 2, POLL_SECONDS[1])
    finally:
        readers = _local_readers.get(workflow_id)
        if readers is not None:
            readers.discard(event)
            if not readers:
                del _local_readers[workflow_id]
        if payload is not None:
            sys_db.unregister_stream_listener(payload, event)
