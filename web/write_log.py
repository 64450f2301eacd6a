"""The executed-writes record on the server database (the ``WriteLog`` of tools/context.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from tools.context import WriteRecord
from web.db import Database
from web.models import ExecutedWrite


class DatabaseWriteLog:
    """Records each executed write in its own transaction, so it is kept even if a run fails."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, tool: str, key: str, *, within_seconds: int) -> WriteRecord | None:
        since = datetime.now(UTC) - timedelta(seconds=within_seconds)
        query = (
            select(ExecutedWrite)
            .where(ExecutedWrite.tool == tool, ExecutedWrite.key == key)
            .where(col(ExecutedWrite.created_at) >= since)
            .order_by(col(ExecutedWrite.created_at).desc(), col(ExecutedWrite.id).desc())
            .limit(1)
        )
        async with self.db.sessions() as session:
            row = (await session.execute(query)).scalars().first()
        if row is None:
            return None
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return WriteRecord(
            tool=row.tool,
            key=row.key,
            actor=row.actor,
            result=row.result,
            created_at=created,
            completed=row.completed,
        )

    async def add(self, tool: str, key: str, *, actor: str | None, result: dict[str, Any]) -> None:
        async with self.db.write() as session:
            session.add(ExecutedWrite(tool=tool, key=key, actor=actor, result=result))

    async def begin(self, tool: str, key: str, *, actor: str | None) -> int:
        async with self.db.write() as session:
            row = ExecutedWrite(tool=tool, key=key, actor=actor, result={}, completed=False)
            session.add(row)
            await session.flush()
            assert row.id is not None
            return row.id

    async def complete(self, attempt: int, result: dict[str, Any]) -> None:
        query = (
            update(ExecutedWrite)
            .where(col(ExecutedWrite.id) == attempt)
            .values(result=result, completed=True)
        )
        async with self.db.write() as session:
            await session.execute(query)

    async def abandon(self, attempt: int) -> None:
        query = delete(ExecutedWrite).where(
            col(ExecutedWrite.id) == attempt, col(ExecutedWrite.completed).is_(False)
        )
        async with self.db.write() as session:
            await session.execute(query)
