"""Run an ASGI app with uvicorn in a thread on a free loopback port (for the service fakes)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve(app: Any, name: str = "fake", *, lifespan: str = "off") -> Iterator[str]:
    """Start ``app`` on 127.0.0.1:<free port>; yields its base URL; stops it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan=lifespan,
        ws="none",
        http="h11",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {name} server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def serve_app(app: Any) -> AbstractContextManager[str]:
    """``serve`` running the app's lifespan (the web app and the MCP apps need theirs)."""
    return serve(app, "app", lifespan="on")


ALLOW_VAR = "FAST_GENAI_ALLOWED_INTERNAL_HOSTS"


@contextmanager
def loopback_allowed() -> Iterator[None]:
    """``FAST_GENAI_ALLOWED_INTERNAL_HOSTS=127.0.0.1`` while it lasts (then restored): the
    guarded transport refuses loopback, and the service fakes listen there."""
    before = os.environ.get(ALLOW_VAR)
    os.environ[ALLOW_VAR] = "127.0.0.1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ALLOW_VAR, None)
        else:
            os.environ[ALLOW_VAR] = before
