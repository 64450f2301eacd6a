"""The one place errors become JSON: ``{"error": {"code", "message", "hint"}}``.

Routes raise ``ToolError`` subclasses (the tools' own tree) for expected failures; fastapi-users'
``HTTPException``s and request validation errors are answered in the same shape, and a database
that cannot be reached or written (down, full disk, pool exhausted) is 503
``database_unavailable`` on every route.
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

import asyncpg.exceptions  # type: ignore[import-untyped]
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tools.errors import ToolError

log = logging.getLogger("fast_genai.web")


def error_body(code: str, message: str, hint: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "hint": hint}}


def error_response(
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, hint), status_code=status, headers=headers)


async def _tool_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ToolError)
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None)  # UpstreamError, web.limits.LimitExceeded
    if isinstance(retry_after, int | float):
        headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return error_response(exc.status, exc.code, exc.message, exc.hint, headers or None)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail: Any = exc.detail
    if isinstance(detail, dict):  # fastapi-users: {"code": ..., "reason": ...}
        code = str(detail.get("code", "error")).lower()
        message = str(detail.get("reason", code))
    elif isinstance(detail, str) and detail.isupper() and " " not in detail:
        code = detail.lower()  # fastapi-users' codes, e.g. LOGIN_BAD_CREDENTIALS
        message = code.replace("_", " ")
    else:
        code = _status_code_name(exc.status_code)
        message = str(detail)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(problems) or "invalid request")


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_")
    except ValueError:
        return "error"


DATABASE_DOWN: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no free connection in the pool within pool_timeout
    ConnectionError,  # asyncpg connecting to a server that is down
    # asyncpg's own, raised unwrapped when a connection is opened: no connection slot left
    # (max_connections), a server starting up or shutting down, a connection that broke
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.PostgresConnectionError,
)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        503,
        "database_unavailable",
        "the database cannot be reached or written right now; nothing was stored",
        hint="try again shortly",
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, _database_unavailable)
    app.add_exception_handler(ToolError, _tool_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
