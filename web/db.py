"""The async engine and the request-scoped session.

``SessionDep`` owns its transaction: it commits when the route function returns and rolls back
when it raises. A streaming response outlives its route, so it opens its own session.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from tools.private_files import private_sqlite, sqlite_path


@dataclass(frozen=True)
class Database:
    """An engine and its session factory."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    serialize_writes: bool = False
    _locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = field(
        default_factory=weakref.WeakKeyDictionary, compare=False
    )

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction meant for writing; commits on exit, rolls back on error.

        On SQLite the writers of this process take turns (SQLite has one writer at a time; a
        connection that waits for the lock sleeps in the busy handler, which is slower than
        queueing here). PostgreSQL writers run concurrently.
        """
        if not self.serialize_writes:
            async with self.sessions() as session, session.begin():
                yield session
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock, self.sessions() as session, session.begin():
            yield session

    @classmethod
    def connect(cls, url: str, *, pool: dict[str, float] | None = None) -> Database:
        """An engine on ``url``; ``pool`` sizes a PostgreSQL pool (``WebSettings.pool``)."""
        options: dict[str, Any] = {}
        path = sqlite_path(url)
        if path is not None:
            # created 0600 before SQLite creates it 0644; when unwritable, SQLite reports it on
            # first use (503 database_unavailable)
            with contextlib.suppress(OSError):
                private_sqlite(path)
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:"):
                options["poolclass"] = StaticPool
        else:
            options["pool_pre_ping"] = True
            options.update(pool or {})
        engine = create_async_engine(url, **options)
        if url.startswith("sqlite"):
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        return cls(engine, sessions, serialize_writes=url.startswith("sqlite"))

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the route returns, rolls back if it raises."""
    async with database(request).sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
