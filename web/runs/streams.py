"""A turn's UI events in a DBOS stream, readable from any instance, from its start.

The chat workflow writes each encoded UI-message chunk (AI SDK UI stream, SDK 6) to the stream
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
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

from dbos import DBOS

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


async def publish(workflow_id: str, chunk: str, key: str = KEY) -> None:
    from dbos._dbos import _get_dbos_instance
    from dbos._serialization import WorkflowSerializationFormat

    sys_db = _get_dbos_instance()._sys_db
    write = functools.partial(
        sys_db.write_stream_from_step,
        workflow_id,
        STREAM_FUNCTION_ID,
        key,
        chunk,
        serialization_type=WorkflowSerializationFormat.DEFAULT,
    )
    # Outside the workflow's context (``run_in_executor`` copies none): the write is not tied to
    # the workflow's ownership, so a stopped turn can still stream how it ended.
    await asyncio.get_running_loop().run_in_executor(None, write)


async def current_key(workflow_id: str) -> str:
    """The key of the answer the turn is writing (or wrote last)."""
    key = await DBOS.get_event_async(workflow_id, CURRENT, timeout_seconds=0)
    return str(key) if key else KEY


async def read(workflow_id: str, key: str = KEY) -> AsyncIterator[str]:
    """The answer's chunks from the first, until ``END`` (or the workflow is gone for good)."""
    offset = 0
    loop = asyncio.get_running_loop()
    ended_at: float | None = None
    while True:
        async for value in DBOS.read_stream_async(workflow_id, key, offset=offset):
            offset += 1
            ended_at = None
            if value == END:
                return
            yield str(value)
        now = loop.time()
        ended_at = ended_at or now
        if now - ended_at > GRACE_SECONDS:
            return
        await asyncio.sleep(0.05)
