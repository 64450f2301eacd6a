"""A real ``fast-genai serve`` on loopback: oversized request heads are refused (431, or 400 /
a closed connection from uvicorn's parser), and every file it creates in a fresh data dir is
private (folder 0700, SQLite files and the secret key 0600)."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
pytestmark = pytest.mark.slow


def _port() -> int:
    """A free port in this suite's range (11000-11999)."""
    for port in random.sample(range(11000, 12000), 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 11000-11999")


@pytest.fixture
def served(workspace: Path, tmp_path: Path) -> Iterator[str]:
    port = _port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [FAST_GENAI, "serve", "--port", str(port), "--workspace", str(workspace)],
        stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {(tmp_path / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _raw_get(url: str, header_bytes: int) -> bytes:
    """The raw answer to a GET /healthz with one header of ``header_bytes``."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Filler: {'a' * header_bytes}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)  # the server may close early: its answer is read below
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # refused and reset: the caller sees b"" (or what came before)
    return answer


def test_oversized_heads_refused_and_data_dir_private(served: str) -> None:
    assert _raw_get(served, 1_000).startswith(b"HTTP/1.1 200")
    assert _raw_get(served, 20_000).startswith(b"HTTP/1.1 431")
    huge = _raw_get(served, 200_000)  # the 200 KB header
    assert huge == b"" or huge.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), huge[:80]
    assert not huge.startswith(b"HTTP/1.1 200")

    # every file of the fresh data dir (XDG_DATA_HOME is a new folder per test) is private
    registered = httpx.post(
        f"{served}/api/v1/auth/register",
        json={"email": "hal@example.org", "password": "s3cret-pass!"},
        timeout=30,
    )
    assert registered.status_code == 201  # the database has been written
    data = Path(os.environ["XDG_DATA_HOME"]) / "fast-genai"
    assert _mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir())
    for name in ("fast-genai.db", "fast-genai.dbos.sqlite", "secret_key"):
        assert name in files, files
    for path in data.iterdir():
        assert _mode(path) == 0o600, (path.name, oct(_mode(path)))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
