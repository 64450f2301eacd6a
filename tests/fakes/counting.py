"""A loopback HTTP listener that counts the TCP connections it accepts (for the SSRF tests).

It answers 404 with a JSON body to everything, except ``/redirect``, which answers 302 to
``redirect_to``. ``connections`` counts accepted connections, so a test can show that a refused
request never reached it (not even a TCP handshake that the server accepted).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    redirect_to = ""

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"message": "internal-service-says-hello", "secret": 4242}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


class Listener:
    def __init__(self, server: _Server) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"

    @property
    def connections(self) -> int:
        return self._server.connections

    def redirect_to(self, url: str) -> None:
        self._server.redirect_to = url


@contextmanager
def counting_listener(host: str = "127.0.0.1") -> Iterator[Listener]:
    """A running listener on ``host`` (a loopback address) and a free port."""
    assert host.startswith("127."), "tests listen on loopback only"
    server = _Server((host, 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Listener(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
