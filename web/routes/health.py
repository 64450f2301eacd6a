"""``/healthz`` (the process answers) and ``/readyz`` (the database can be written too)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.state import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The server is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database is not reachable."}})
async def readyz(state: StateDep) -> JSONResponse:
    """The server can serve requests: the database answers and can be written (a write that
    changes nothing, committed: a full disk or a read-only database fails it)."""
    try:
        async with state.db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})
