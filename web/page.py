"""The chat page at ``/``: the Svelte app built from ``web/frontend`` into ``web/static``.

The built files are committed (users need no Node; CI rebuilds them and fails on a difference).

The page uses the same API as every other client (``/api/v1``). Its document is served with a
strict Content-Security-Policy (scripts and styles from this origin only, no inline script, no
plugins, no framing) as a second line of defence behind the page's text-only rendering of model
and tool output.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def install_page(app: FastAPI) -> None:
    """Serve the chat page at ``/`` and its files under ``/static``."""

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
