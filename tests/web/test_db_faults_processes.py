"""Database faults under a real ``fast-genai serve``: PostgreSQL stopped and started (a cluster of
the test's own: ``initdb`` into a temporary folder, its own port), and SQLite on a file system
that fills up (a small tmpfs mounted by the test). While the database cannot be written, routes
that write answer 503 ``database_unavailable`` as JSON, ``/readyz`` is not ready, and a message
is refused rather than acknowledged; after it is back the server recovers by itself, and what
was acknowledged before is stored.

CI runs these as root with the PostgreSQL server binaries installed (``/usr/lib/postgresql``):
``initdb`` refuses to run as root, so the cluster runs as the ``postgres`` system user."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.gemini import FakeGemini, Reply, gemini  # noqa: F401 - the fixture
from tests.web.conftest import sse_chunks, user_message
from tests.web.serve_processes import Server

pytestmark = pytest.mark.slow

PORTS = range(10600, 10999)
"""This suite's port range (servers and the PostgreSQL cluster)."""
FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
UNAVAILABLE = "database_unavailable"


def _port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in this suite's range")


def serve(workspace: Path, log: Path, env: dict[str, str]) -> Server:
    """``fast-genai serve`` with the given environment, ready."""
    server = Server(workspace, log, env)
    server.wait_ready(60)
    return server


def _login(client: httpx.Client) -> dict[str, str]:
    email, password = "faults@example.org", "s3cret-pass!"
    assert client.post(
        "/api/v1/auth/register", json={"email": email, "password": password}
    ).status_code in (201, 503)
    login = client.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _chat(client: httpx.Client, headers: dict[str, str], chat_id: str, text: str) -> httpx.Response:
    body = {"id": chat_id, "messages": [user_message(text, uuid.uuid4().hex[:8])]}
    return client.post("/api/v1/chat", json=body, headers=headers)


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == UNAVAILABLE


def _conversation(client: httpx.Client, headers: dict[str, str], chat_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/conversations/{chat_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _texts(body: dict[str, Any], role: str) -> list[str]:
    return [
        "".join(p.get("text", "") for p in m["parts"] if p["type"] == "text")
        for m in body["messages"]
        if m["role"] == role
    ]


def _until(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s")
        time.sleep(0.2)


# --- PostgreSQL stopped and started ----------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster of the test's own, run as the ``postgres`` system user."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        assert found, "the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are required"
        self.bin = found[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="fast-genai-pg-"))
        self.root.chmod(0o755)
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = _port()
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    own = Cluster()
    try:
        own.start()
        yield own
    finally:
        own.remove()


def test_postgresql_stopped_and_started_under_a_running_server(
    cluster: Cluster,
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": cluster.url, "GEMINI_API_KEY": "test-key"}
    server = serve(workspace, tmp_path / "serve.log", env)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            headers = _login(client)
            chat_id = str(uuid.uuid4())
            gemini.script(Reply.text("Stored before the outage.", chunks=2))
            before = _chat(client, headers, chat_id, "before the outage")
            assert before.status_code == 200
            assert sse_chunks(before.text)[-1] == {"type": "[DONE]"}

            cluster.stop()
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
            _assert_unavailable(client.get("/api/v1/conversations", headers=headers))
            _assert_unavailable(client.get(f"/api/v1/conversations/{chat_id}", headers=headers))
            _assert_unavailable(_chat(client, headers, chat_id, "sent during the outage"))
            _assert_unavailable(_chat(client, headers, str(uuid.uuid4()), "a new chat, during"))
            _assert_unavailable(
                client.post(
                    "/api/v1/auth/jwt/login",
                    data={"username": "faults@example.org", "password": "s3cret-pass!"},
                )
            )

            cluster.start()
            _until(lambda: client.get("/readyz").status_code == 200, 30, "/readyz was not ready")
            gemini.script(Reply.text("Answered after the outage.", chunks=2))
            after = _chat(client, headers, chat_id, "after the outage")
            assert after.status_code == 200, after.text
            assert '"type":"error"' not in after.text
            stored = _conversation(client, headers, chat_id)
            assert stored["status"] == "idle"
            # acknowledged before: stored; refused during: not stored; after: stored
            assert _texts(stored, "user") == ["before the outage", "after the outage"]
            assert _texts(stored, "assistant") == [
                "Stored before the outage.",
                "Answered after the outage.",
            ]
            listing = client.get("/api/v1/conversations", headers=headers).json()
            assert [item["id"] for item in listing["items"]] == [chat_id]  # no refused chat
    finally:
        server.stop()


# --- SQLite on a full file system ------------------------------------------------------------


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 6 MiB tmpfs of the test's own (we are root in CI's container)."""
    mount = Path(tempfile.mkdtemp(prefix="fast-genai-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)
        mount.rmdir()


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
    )
    assert shutil.disk_usage(disk).free < 64 * 1024
    return filler


def test_sqlite_on_a_full_file_system(
    small_disk: Path,
    gemini: FakeGemini,  # noqa: F811
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = {"XDG_DATA_HOME": str(small_disk), "GEMINI_API_KEY": "test-key"}
    server = serve(workspace, tmp_path / "serve.log", env)
    assert (small_disk / "fast-genai" / "fast-genai.db").exists()
    assert (small_disk / "fast-genai" / "fast-genai.dbos.sqlite").exists()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            headers = _login(client)
            first = str(uuid.uuid4())
            gemini.script(Reply.text("Stored before the disk filled.", chunks=2))
            assert _chat(client, headers, first, "before").status_code == 200

            # The disk fills up in the middle of an answer.
            words = " ".join(f"word{i}" for i in range(300))
            gemini.script(Reply.text(words, chunks=60, delay=0.05))
            second = str(uuid.uuid4())
            body = {"id": second, "messages": [user_message("while it fills")]}
            lines: list[str] = []
            filler: Path | None = None
            with client.stream("POST", "/api/v1/chat", json=body, headers=headers) as response:
                assert response.status_code == 200
                deadline = time.monotonic() + 30
                for line in response.iter_lines():
                    assert time.monotonic() < deadline, "the answer never ended"
                    lines.append(line)
                    if filler is None and '"text-delta"' in line:
                        filler = _fill(small_disk)
            chunks = sse_chunks("\n".join(lines))
            assert chunks[-1] == {"type": "[DONE]"}
            error = chunks[-2]
            assert error["type"] == "error", chunks[-3:]
            assert "database could not be written" in error["errorText"]
            assert "sqlite3" not in "\n".join(lines) and "OperationalError" not in "\n".join(lines)
            text = "".join(c.get("delta", "") for c in chunks if c["type"] == "text-delta")
            assert text and text != words  # it ended early, with the error part

            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
            refused = _chat(client, headers, first, "sent while the disk is full")
            _assert_unavailable(refused)
            _assert_unavailable(_chat(client, headers, str(uuid.uuid4()), "a new chat, full"))

            assert filler is not None
            filler.unlink()  # space again: the server recovers by itself
            _until(lambda: client.get("/readyz").status_code == 200, 20, "/readyz not ready")
            broken = _until(
                lambda: (
                    c
                    if (c := _conversation(client, headers, second))["status"] != "running"
                    else None
                ),
                20,
                "the broken turn was left running",
            )
            assert broken["status"] == "failed"
            assert "database could not be written" in broken["error"]
            assert _texts(broken, "user") == ["while it fills"]  # acknowledged, so stored

            stored = _conversation(client, headers, first)
            assert _texts(stored, "user") == ["before"]  # the refused message is not there
            assert _texts(stored, "assistant") == ["Stored before the disk filled."]
            gemini.script(Reply.text("Answered again.", chunks=2))
            again = _chat(client, headers, second, "once more")
            assert again.status_code == 200, again.text
            assert _texts(_conversation(client, headers, second), "user") == [
                "while it fills",
                "once more",
            ]
            assert _conversation(client, headers, second)["status"] == "idle"
    finally:
        server.stop()
