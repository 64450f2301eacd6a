"""A turn whose database writes fail (a full disk, a database that went away and stays away).

DBOS blocks and retries a checkpoint while PostgreSQL cannot be reached, but a write that fails
for good (SQLite's ``database or disk is full``) fails the workflow, and then DBOS cannot record
that it failed either: the workflow would stay ``PENDING``, its readers would wait forever and
the conversation would stay ``running`` (refusing every new message with 409) until a restart
recovered it. Instead the turn ends here: its readers in this process get an error part that
ends the answer (``web.runs.streams.fail``), and a background task keeps trying, with backoff,
to mark the workflow cancelled and the conversation ``failed`` with a clear error, which
succeeds as soon as the database can be written again. The user's message was stored before
the turn was acknowledged, so it is kept; the answer that could not be stored is not.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from dbos import DBOS
from sqlalchemy import update
from sqlmodel import col

from web.errors import DATABASE_DOWN
from web.models import Conversation, utcnow
from web.runs import streams
from web.runs.engine import current

log = logging.getLogger("fast_genai.web")

MESSAGE = (
    "the database could not be written (full disk or unreachable), so this answer was not "
    "stored; your message was; send it again when the database is back"
)
RETRY_SECONDS = (0.5, 5.0)
_releases: set[asyncio.Task[None]] = set()


def abandon(workflow_id: str, conversation_id: str, exc: BaseException) -> None:
    """End the turn ``workflow_id`` that a database fault broke (see the module's text)."""
    log.warning("turn %s: the database cannot be written, ending it: %s", workflow_id, exc)
    streams.fail(workflow_id, MESSAGE)
    task = asyncio.get_running_loop().create_task(_release(workflow_id, conversation_id))
    _releases.add(task)
    task.add_done_callback(_releases.discard)


async def _release(workflow_id: str, conversation_id: str) -> None:
    delay = RETRY_SECONDS[0]
    while True:
        try:
            await DBOS.cancel_workflow_async(workflow_id)
            async with current().state.db.write() as session:
                await session.execute(
                    update(Conversation)
                    .where(
                        col(Conversation.id) == uuid.UUID(conversation_id),
                        col(Conversation.active_run) == workflow_id,
                    )
                    .values(active_run=None, status="failed", error=MESSAGE, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
        except DATABASE_DOWN:
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_SECONDS[1])
            continue
        streams.forget(workflow_id)
        log.info("turn %s: ended failed after a database fault", workflow_id)
        return
