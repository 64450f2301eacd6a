"""The listening socket of ``serve``, bound before anything else starts so that a taken port is
one clear line and its own exit code (uvicorn alone exits 3 after logging a traceback-like
message, and 3 means "a write was not approved" here)."""

from __future__ import annotations

import errno
import socket


class ListenError(Exception):
    """The address cannot be listened on; the message says why, in one line."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (port 0: a free port), ready for uvicorn."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ListenError(
            f"{host!r} is not an address or name of this machine ({exc.strerror})"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts reuse TIME_WAIT ports
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            reason = "the port is already in use (another server? pick one with --port)"
        elif exc.errno == errno.EACCES:
            reason = "permission denied (ports below 1024 need privileges)"
        elif exc.errno == errno.EADDRNOTAVAIL:
            reason = "this machine has no such address"
        else:
            reason = exc.strerror or str(exc)
        raise ListenError(f"{where}: {reason}") from None
    sock.set_inheritable(True)
    return sock
