"""A ``fast-genai serve`` (or ``make run``) child process, waited for on ``/readyz``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def uv() -> str:
    """uv from PATH, or the copy ``make`` bootstraps into .cache/."""
    found = shutil.which("uv") or str(REPO / ".cache/uv-bootstrap/bin/uv")
    if not Path(found).is_file():
        pytest.fail("uv is neither on PATH nor bootstrapped; run `make .venv-ready` first")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without what would tie a child to the checkout's venv or settings."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "PORT", "HOST", "WORKSPACE", "UV_PROJECT_ENVIRONMENT")
    return {**{k: v for k, v in os.environ.items() if k not in dropped}, **extra}


def run(argv: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to completion; fail the test with its output when it fails."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{argv} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A server process started with ``argv``; its output goes to ``log``."""

    def __init__(
        self, argv: Sequence[str], *, port: int, log: Path, env: dict[str, str], cwd: Path
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            list(argv), stdout=self._out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
            start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        pytest.fail(f"the server did not become ready in {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        """Stop the process group (``make`` and the server under it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._out.close()
