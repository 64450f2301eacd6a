"""What operators see of runs (``fast-genai runs``), through a DBOS client on the system database:
no engine is launched, so it works beside running servers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import col, select

from web.db import Database
from web.models import Conversation, User, utcnow
from web.runs import approvals
from web.runs.engine import SYSTEM_SCHEMA, WORKFLOW_VERSION, system_database_url

if TYPE_CHECKING:
    from dbos import DBOSClient

    from web.settings import WebSettings

WORKFLOWS = ["fast_genai.chat_turn", "fast_genai.run_turn"]


@dataclass(frozen=True)
class RunRow:
    id: str
    status: str
    """PENDING (running or waiting for recovery), NEEDS_APPROVAL (waiting for a decision),
    ERROR, CANCELLED, SUCCESS."""
    kind: str
    conversation_id: str
    user: str
    executor: str
    started: datetime | None


@contextmanager
def _client(settings: WebSettings, data_dir: object) -> Iterator[DBOSClient]:
    from pathlib import Path

    from dbos import DBOSClient

    url = system_database_url(settings.database_url, Path(str(data_dir)))
    client = DBOSClient(system_database_url=url, dbos_system_schema=SYSTEM_SCHEMA)
    try:
        yield client
    finally:
        client.destroy()


async def _owners(settings: WebSettings, ids: list[str]) -> dict[str, tuple[str, str, bool]]:
    """conversation id -> (kind, user e-mail, whether its run waits for a decision)."""
    db = Database.connect(settings.database_url)
    try:
        async with db.sessions() as session:
            query = select(Conversation, User).join(User, col(User.id) == Conversation.user_id)
            query = query.where(col(Conversation.id).in_([uuid.UUID(i) for i in ids]))
            rows = (await session.execute(query)).all()
            return {str(c.id): (c.kind, u.email, c.status == "needs_approval") for c, u in rows}
    finally:
        await db.close()


async def _needs_approval(settings: WebSettings) -> list[RunRow]:
    db = Database.connect(settings.database_url)
    try:
        async with db.sessions() as session:
            query = (
                select(Conversation, User)
                .join(User, col(User.id) == Conversation.user_id)
                .where(
                    Conversation.status == "needs_approval", col(Conversation.active_run).is_(None)
                )
            )
            return [
                RunRow("-", "NEEDS_APPROVAL", c.kind, str(c.id), u.email, "-", c.updated_at)
                for c, u in (await session.execute(query)).all()
            ]
    finally:
        await db.close()


def list_runs(settings: WebSettings, data_dir: object, *, every: bool = False) -> list[RunRow]:
    """Active and failed runs (``every``: finished ones too), and conversations waiting for an
    approval, newest first."""
    statuses = None if every else ["PENDING", "ENQUEUED", "ERROR"]
    with _client(settings, data_dir) as client:
        found = client.list_workflows(name=WORKFLOWS, status=statuses, sort_desc=True, limit=500)
    conversations = [w.workflow_id.split("-", 1)[1][:36] for w in found]
    owners = asyncio.run(_owners(settings, conversations)) if found else {}
    unknown = ("?", "(deleted)", False)
    rows = [
        RunRow(
            id=w.workflow_id,
            status="NEEDS_APPROVAL"
            if w.status == "PENDING" and owners.get(cid, unknown)[2]
            else str(w.status),
            kind=owners.get(cid, unknown)[0],
            conversation_id=cid,
            user=owners.get(cid, unknown)[1],
            executor=w.executor_id or "-",
            started=datetime.fromtimestamp(w.created_at / 1000, UTC) if w.created_at else None,
        )
        for w, cid in zip(found, conversations, strict=True)
    ]
    return rows + asyncio.run(_needs_approval(settings))


def recover_runs(settings: WebSettings, data_dir: object, executor_id: str) -> list[str]:
    """Hand the unfinished runs of the instance ``executor_id`` (one that is gone for good) to
    the running instances: DBOS's own recovery, which puts each back on its internal queue,
    where the first live instance (of this version) to dequeue it resumes it from its last
    checkpoint. A run already taken over is not handed out again. The ids handed over."""
    from dbos._utils import INTERNAL_QUEUE_NAME

    with _client(settings, data_dir) as client:
        sys_db = client._sys_db
        pending = sys_db.get_pending_workflows(executor_id, WORKFLOW_VERSION)
        return [
            w.workflow_id
            for w in pending
            if sys_db.reenqueue_for_recovery(w.workflow_id, [executor_id], INTERNAL_QUEUE_NAME)
        ]


def cancel_run(settings: WebSettings, data_dir: object, workflow_id: str) -> bool:
    """Cancel a run (on whichever instance executes it); ``False`` if it is not active. Its
    conversation is freed and marked ``cancelled`` if the run does not record that itself."""
    with _client(settings, data_dir) as client:
        status = client.retrieve_workflow(workflow_id).get_status()
        if status.status not in ("PENDING", "ENQUEUED", "DELAYED"):
            return False
        client.cancel_workflow(workflow_id)
        # a run waiting for a decision sleeps in DBOS.recv: wake it so it ends now
        from web.runs.waiting import TOPIC, VOID

        client.send(workflow_id, VOID, TOPIC)
    asyncio.run(_free(settings, workflow_id))
    return True


async def _free(settings: WebSettings, workflow_id: str, wait_seconds: float = 5.0) -> None:
    db = Database.connect(settings.database_url)
    try:
        for _ in range(int(wait_seconds / 0.1)):
            async with db.sessions() as session:
                query = select(Conversation).where(Conversation.active_run == workflow_id)
                if (await session.execute(query)).first() is None:
                    return  # the run recorded its end
            await asyncio.sleep(0.1)
        async with db.write() as session:
            held = select(Conversation.id).where(Conversation.active_run == workflow_id)
            for conversation_id in (await session.execute(held)).scalars():
                await approvals.expire_conversation(session, conversation_id)
            await session.execute(
                update(Conversation)
                .where(col(Conversation.active_run) == workflow_id)
                .values(
                    active_run=None,
                    status="cancelled",
                    error="cancelled by an operator",
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
    finally:
        await db.close()
