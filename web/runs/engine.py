"""The durable-execution engine (DBOS): where its system database lives, launch and shutdown.

DBOS keeps every run's status, checkpointed steps, messages and events in its system database:
a SQLite file beside the app's SQLite database (``fast-genai.dbos.sqlite`` in the data dir by
default), or the app's own PostgreSQL database, in the schema ``dbos``, so every instance on one
``DATABASE_URL`` shares the runs. DBOS is one engine per process; the app that launched it is the
``runtime`` the workflows rebuild their dependencies from (they receive identifiers only).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tools.private_files import private_sqlite, sqlite_path
from web.runs import system_db

if TYPE_CHECKING:
    from dbos import DBOSConfig

    from web.state import WebState

log = logging.getLogger("fast_genai.web")

APP_NAME = "fast-genai"
WORKFLOW_VERSION = "fast-genai-runs-3"
"""The DBOS application version: runs recover only on a process of the same version. Bump it
when a workflow's steps change order, so old runs are not replayed into new code."""
SYSTEM_SCHEMA = "dbos"


def system_database_url(database_url: str, data_dir: Path) -> str:
    """The DBOS system database for the app database ``database_url``."""
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
        if path and path != ":memory:":
            app_db = Path(path)
            return f"sqlite:///{app_db.with_name(app_db.stem + '.dbos.sqlite')}"
        return f"sqlite:///{data_dir / 'fast-genai.dbos.sqlite'}"
    # DBOS speaks psycopg (sync); the app URL names asyncpg.
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else database_url


def default_executor_id(port: int | None = None) -> str:
    """Stable per host (and port when known), so a restarted server recovers its own runs."""
    host = socket.gethostname()
    return f"{host}:{port}" if port else host


def dbos_config(database_url: str, data_dir: Path, *, executor_id: str) -> DBOSConfig:
    from dbos import DBOSConfig

    url = system_database_url(database_url, data_dir)
    path = sqlite_path(url)
    if path is not None:
        private_sqlite(path)
    return DBOSConfig(
        name=APP_NAME,
        system_database_url=url,
        # On SQLite: DBOS's engine with a write-ahead log (``web.runs.system_db``).
        system_database_engine=system_db.sqlite_engine(url) if url.startswith("sqlite") else None,
        application_version=WORKFLOW_VERSION,
        executor_id=executor_id,
        dbos_system_schema=SYSTEM_SCHEMA,
        log_level="WARNING",
        notification_listener_polling_interval_sec=0.05,
    )


@dataclass
class Engine:
    """The launched engine and the app it serves (one per process)."""

    state: WebState
    executor_id: str
    system_database: str
    users: int = 1
    """Apps of this process using the engine (a second app on the same database shares it)."""
    system_engine: object = None
    """The SQLAlchemy engine we gave DBOS (DBOS does not dispose it), if any."""


_current: Engine | None = None


def current() -> Engine:
    if _current is None:
        raise RuntimeError("the run engine is not launched (the web app's lifespan launches it)")
    return _current


def launch(state: WebState) -> Engine:
    """Configure and launch DBOS for ``state``; recovers this executor's unfinished runs."""
    global _current
    from dbos import DBOS

    import web.runs.workflows  # noqa: F401 - registers the workflows before launch

    executor_id = state.settings.executor_id or default_executor_id()
    config = dbos_config(
        state.settings.database_url, state.tool_settings.data_dir, executor_id=executor_id
    )
    url = str(config.get("system_database_url"))
    if _current is not None:
        if _current.system_database != url:
            raise RuntimeError("the run engine of this process serves another database")
        _current.users += 1  # the runs it executes use the first app's state
        return _current
    _current = Engine(
        state=state,
        executor_id=executor_id,
        system_database=url,
        system_engine=config.get("system_database_engine"),
    )
    DBOS(config=config)
    try:
        DBOS.launch()
    except BaseException:
        _current = None
        DBOS.destroy()
        system_db.dispose(config.get("system_database_engine"))
        raise
    log.info("runs: DBOS launched, executor %s, system database %s", executor_id, _safe(config))
    return _current


def shutdown() -> None:
    global _current
    from dbos import DBOS

    if _current is not None and _current.users > 1:
        _current.users -= 1
        return
    DBOS.destroy(workflow_completion_timeout_sec=0)
    if _current is not None:
        system_db.dispose(_current.system_engine)
    _current = None


def _safe(config: DBOSConfig) -> str:
    url = str(config.get("system_database_url") or "")
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"
