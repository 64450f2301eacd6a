"""Durable chat turns (DBOS workflows) against the commit before them, same machine, one run.

Run: uv run python bench/durable_runs.py [BEFORE_COMMIT]   (default: the parent of the first
durable-runs commit, 7f349d9). With ``BENCH_DATABASE_URL=postgresql://USER@HOST:PORT`` both
servers run on PostgreSQL instead, each on a database of its own created (and dropped first)
there: ``fast_genai_bench_before`` and ``fast_genai_bench_durable`` (``BENCH_DB_PREFIX``).

Both are ``fast-genai serve`` processes on loopback, on SQLite, against the fake Gemini of
tests/fakes/gemini.py answering at once. A chat turn is one ``read_file`` tool call and one
answer (two model requests, one tool call). The commit before runs from a ``git archive`` of it
in a temporary folder, with this environment's packages. Measured, alternating the two servers
round by round: mean seconds per sequential turn (and the difference per checkpointed step,
the steps counted in the durable server's system database), turns per second with 8 concurrent
clients, and the durable server's peak resident memory (VmHWM, reset first) while 200 turns
stream at once.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.web_chat import chat_body, free_port, wait_up  # noqa: E402
from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SEQUENTIAL = 20
CONCURRENT = 40
CONCURRENCY = 8
STREAMS = 200
DATABASE = os.environ.get("BENCH_DATABASE_URL", "").rstrip("/")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "fast_genai_bench")


def respond(request: RecordedRequest) -> Reply:
    if request.function_responses:
        return Reply.text("The file says hello.", chunks=2)
    return Reply.calls(("read_file", {"path": "hello.txt"}))


def start(
    tree: Path, root: Path, name: str, gemini: FakeGemini
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    workspace = root / "ws"
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "XDG_DATA_HOME": str(root / name / "data"),
        "XDG_CONFIG_HOME": str(root / name / "config"),
        "XDG_CACHE_HOME": str(root / name / "cache"),
        "GEMINI_API_KEY": "bench-key",
        "GOOGLE_GEMINI_BASE_URL": gemini.base_url,
        "FAST_GENAI_RATE_LIMIT": "",
    }
    if DATABASE:
        env["DATABASE_URL"] = f"{DATABASE}/{DB_PREFIX}_{name}"
    else:
        env.pop("DATABASE_URL", None)
    command = [sys.executable, "-c", "from cli.main import main; main()", "serve"]
    log = (root / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workspace", str(workspace)],
        cwd=tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_up(f"{url}/api/v1/chat", process)
    return process, url


def token(url: str) -> dict[str, str]:
    email, password = "bench@example.org", "bench-pass-123"
    httpx.post(f"{url}/api/v1/auth/register", json={"email": email, "password": password})
    login = httpx.post(
        f"{url}/api/v1/auth/jwt/login", data={"username": email, "password": password}
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def turn(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    begin = time.perf_counter()
    async with client.stream(
        "POST", f"{url}/api/v1/chat", json=chat_body("read hello.txt"), headers=headers
    ) as response:
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        text = ""
        async for line in response.aiter_lines():
            text += line
            if line == "data: [DONE]":
                break
    if '"tool-output-available"' not in text or '"text-delta"' not in text:
        raise SystemExit(f"{url}: no answer in {text[:300]}")
    return time.perf_counter() - begin


async def sequential(url: str, headers: dict[str, str]) -> list[float]:
    async with httpx.AsyncClient(timeout=60) as client:
        return [await turn(client, url, headers) for _ in range(SEQUENTIAL)]


async def concurrent(url: str, headers: dict[str, str]) -> float:
    async with httpx.AsyncClient(timeout=120) as client:
        begin = time.perf_counter()
        sem = asyncio.Semaphore(CONCURRENCY)

        async def one() -> None:
            async with sem:
                await turn(client, url, headers)

        await asyncio.gather(*(one() for _ in range(CONCURRENT)))
        return CONCURRENT / (time.perf_counter() - begin)


def fresh_databases() -> None:
    import psycopg

    with psycopg.connect(f"{DATABASE}/postgres", autocommit=True) as conn:
        for name in ("before", "durable"):
            conn.execute(f"DROP DATABASE IF EXISTS {DB_PREFIX}_{name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_PREFIX}_{name}")


def steps_per_turn(root: Path) -> float:
    """Checkpointed steps per chat turn, counted in the durable server's system database."""
    query = (
        "SELECT count(*) * 1.0 / (SELECT count(*) FROM {s}workflow_status "
        "WHERE name = 'fast_genai.chat_turn') FROM {s}operation_outputs"
    )
    if DATABASE:
        import psycopg

        with psycopg.connect(f"{DATABASE}/{DB_PREFIX}_durable") as conn:
            row = conn.execute(query.format(s="dbos.")).fetchone()
    else:
        import sqlite3

        path = next((root / "durable" / "data").rglob("*.dbos.sqlite"))
        with sqlite3.connect(path) as conn:
            row = conn.execute(query.format(s="")).fetchone()
    assert row is not None
    return float(row[0])


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


async def streams(url: str, headers: dict[str, str]) -> tuple[float, int]:
    """Seconds for ``STREAMS`` turns at once, and how many of them failed."""
    limits = httpx.Limits(max_connections=STREAMS + 5, max_keepalive_connections=STREAMS + 5)

    async def one(client: httpx.AsyncClient) -> bool:
        try:
            await turn(client, url, headers)
        except (SystemExit, httpx.HTTPError):
            return False
        return True

    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        begin = time.perf_counter()
        done = await asyncio.gather(*(one(client) for _ in range(STREAMS)))
        return time.perf_counter() - begin, done.count(False)


def main() -> None:
    before_commit = sys.argv[1] if len(sys.argv) > 1 else "7f349d9"
    root = Path(tempfile.mkdtemp(prefix="bench-durable-"))
    (root / "ws").mkdir()
    (root / "ws" / "hello.txt").write_text("hello\n")
    before = root / "before"
    before.mkdir()
    archive = subprocess.run(
        ["git", "archive", before_commit], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
    if DATABASE:
        fresh_databases()
    print(f"logs in {root}; database: {DATABASE or 'sqlite'}; load: {os.getloadavg()}")
    peaks: dict[str, tuple[int, int, float, int]] = {}
    results: dict[str, dict[str, list[float]]] = {
        name: {"turn": [], "rate": []} for name in ("before", "durable")
    }
    with FakeGemini(responder=respond) as gemini:
        servers = {
            "before": start(before, root, "before", gemini),
            "durable": start(ROOT, root, "durable", gemini),
        }
        try:
            headers = {name: token(url) for name, (_, url) in servers.items()}
            for name, (_, url) in servers.items():  # warm up
                asyncio.run(sequential(url, headers[name]))
            for _ in range(ROUNDS):
                for name, (_, url) in servers.items():
                    results[name]["turn"] += asyncio.run(sequential(url, headers[name]))
                    results[name]["rate"].append(asyncio.run(concurrent(url, headers[name])))
            for name, (process, url) in servers.items():
                Path(f"/proc/{process.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
                idle = rss_kib(process.pid, "VmRSS")
                took, failed = asyncio.run(streams(url, headers[name]))
                peaks[name] = (idle, rss_kib(process.pid, "VmHWM"), took, failed)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
    for name, got in results.items():
        print(
            f"{name:8} turn mean {statistics.mean(got['turn']) * 1000:7.1f} ms  "
            f"p50 {statistics.median(got['turn']) * 1000:7.1f} ms  "
            f"turns/s (8 clients) {statistics.median(got['rate']):6.2f}"
        )
    for name, (idle, peak, took, failed) in peaks.items():
        print(
            f"{name:8} {STREAMS} concurrent turns in {took:.1f} s, {failed} failed; memory idle "
            f"{idle / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB"
        )
    steps = steps_per_turn(root)
    added = statistics.mean(results["durable"]["turn"]) - statistics.mean(results["before"]["turn"])
    ratio = statistics.median(results["durable"]["rate"]) / statistics.median(
        results["before"]["rate"]
    )
    print(
        f"added per turn {added * 1000:.1f} ms = {added * 1000 / steps:.1f} ms per step "
        f"({steps:.1f} steps per turn); throughput ratio durable/before {ratio:.2f}"
    )
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
