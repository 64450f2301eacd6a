"""The DBOS system database engine on SQLite: write-ahead log, one sync per checkpoint.

DBOS creates its SQLite engine in rollback-journal mode with SQLite's default ``synchronous=FULL``:
every commit (each step checkpoint, each stream write) creates, syncs and deletes a journal
file, and a writer's commit blocks every reader until it is done, so concurrent turns wait on
each other in SQLite's busy handler. Measured with ``bench/durable_runs.py``, that was most of
the time a durable turn added (``docs/benchmarks.md``).

This engine is DBOS's own settings (``BEGIN IMMEDIATE`` transactions, so writers are serialized
as DBOS expects; a 30 s busy timeout; foreign keys) plus ``journal_mode=WAL`` (readers never
wait for a writer) and ``synchronous=NORMAL``: a commit survives the process being killed (the
write-ahead log is in the OS's page cache), only an OS crash or power loss can lose the last
commits, as for the app's own SQLite database (``web.db``). DBOS takes it through its
``system_database_engine`` setting, and does not dispose an engine it did not create: the
caller does (``dispose``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

POOL = {"pool_size": 20, "max_overflow": 0, "pool_timeout": 30, "pool_pre_ping": True}
"""DBOS's own pool defaults for its system database engine."""


def sqlite_engine(url: str) -> sa.Engine:
    """A DBOS system database engine on the SQLite file of ``url`` (``sqlite:///PATH``)."""
    engine = sa.create_engine(url, **POOL)
    sa.event.listen(engine, "connect", _pragmas)
    return engine


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    # As DBOS's SQLite engine: IMMEDIATE transactions serialize writers (DBOS relies on it).
    dbapi_connection.isolation_level = "IMMEDIATE"
    dbapi_connection.execute("PRAGMA busy_timeout=30000")
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def dispose(engine: Any) -> None:
    if isinstance(engine, sa.Engine):
        engine.dispose()
