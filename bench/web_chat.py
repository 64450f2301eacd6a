"""Streamed chats through ``fast-genai serve`` against a bare sse-starlette endpoint.

Run: uv run python bench/web_chat.py

Both servers run the same pydantic-ai agent (``build_agent``) on the fake Gemini from
tests/fakes/gemini.py, which answers at once; both are uvicorn processes on loopback and speak the
same Vercel AI UI-message stream. ``fast-genai serve`` adds what a real deployment has: JWT auth
(user looked up per request), SQLite (conversation created, history loaded, messages and usage
saved), approvals bookkeeping, request logging. The reference (bench/bare_chat_server.py) has none.

Measured, alternating the two servers round by round:
- first-byte latency: sequential chats, time from sending the request to the first ``data:``
  line (p50 and p95);
- throughput: chats per second with 8 concurrent clients;
- memory: peak resident memory (VmHWM, reset before the phase) while 100 streams run at once
  (the fake streams each answer in 20 chunks, 50 ms apart).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.gemini import FakeGemini, RecordedRequest, Reply

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
LATENCY_CHATS = 30
THROUGHPUT_CHATS = 80
CONCURRENCY = 8
STREAMS = 100
ANSWER = "The answer is forty-two, as computed by the fake model for this benchmark."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            httpx.post(url, json={}, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def chat_body(text: str) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "trigger": "submit-message",
        "messages": [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": text}]}],
    }


async def one_chat(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    """Seconds to the first data line; the stream is read to its end."""
    start = time.perf_counter()
    first: float | None = None
    async with client.stream("POST", url, json=chat_body("hi"), headers=headers) as response:
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {await response.aread()!r}")
        async for line in response.aiter_lines():
            if first is None and line.startswith("data:"):
                first = time.perf_counter() - start
            if line == "data: [DONE]":
                break
    assert first is not None
    return first


async def latencies(url: str, headers: dict[str, str], n: int) -> list[float]:
    async with httpx.AsyncClient(timeout=60) as client:
        return [await one_chat(client, url, headers) for _ in range(n)]


async def throughput(url: str, headers: dict[str, str], n: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await one_chat(client, url, headers)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - start)


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


async def concurrent_streams(url: str, headers: dict[str, str]) -> None:
    limits = httpx.Limits(max_connections=STREAMS + 5)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        await asyncio.gather(*(one_chat(client, url, headers) for _ in range(STREAMS)))


def peak_memory(url: str, headers: dict[str, str], pid: int) -> tuple[int, int]:
    """(resident KiB before, peak resident KiB during) 100 concurrent slow streams."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = rss_kib(pid, "VmRSS")
    asyncio.run(concurrent_streams(url, headers))
    return before, rss_kib(pid, "VmHWM")


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-web-"))
    print(f"server logs in {root}")
    workspace = root / "ws"
    workspace.mkdir()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "GEMINI_API_KEY": "bench-key",
        "FAST_GENAI_RATE_LIMIT": "",  # one user sends every chat: no per-user rate limit
    }
    env.pop("DATABASE_URL", None)
    slow = {"on": False}

    def respond(request: RecordedRequest) -> Reply:
        if slow["on"]:
            return Reply.text(ANSWER, chunks=20, delay=0.05)
        return Reply.text(ANSWER, chunks=4)

    with FakeGemini(responder=respond) as gemini:
        env["GOOGLE_GEMINI_BASE_URL"] = gemini.base_url
        ours_port, bare_port = free_port(), free_port()
        fast_genai = str(Path(sys.executable).with_name("fast-genai"))
        ours = subprocess.Popen(
            [fast_genai, "serve", "--port", str(ours_port), "--workspace", str(workspace)],
            env=env,
            stdout=(root / "serve.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        bare = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("bare_chat_server.py")),
                str(bare_port),
                str(workspace),
            ],
            env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            stdout=(root / "bare.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            ours_url = f"http://127.0.0.1:{ours_port}/api/v1/chat"
            bare_url = f"http://127.0.0.1:{bare_port}/api/v1/chat"
            wait_up(ours_url, ours)
            wait_up(bare_url, bare)
            base = f"http://127.0.0.1:{ours_port}/api/v1"
            credentials = {"email": "bench@example.org", "password": "bench-pass-1"}
            httpx.post(f"{base}/auth/register", json=credentials, timeout=30)
            token = httpx.post(
                f"{base}/auth/jwt/login",
                data={"username": credentials["email"], "password": credentials["password"]},
                timeout=30,
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            servers = {"serve": (ours_url, auth, ours.pid), "bare": (bare_url, {}, bare.pid)}

            for url, headers, _ in servers.values():  # warm up
                asyncio.run(latencies(url, headers, 10))
            firsts: dict[str, list[float]] = {name: [] for name in servers}
            rates: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(ROUNDS):
                for name, (url, headers, _) in servers.items():
                    firsts[name] += asyncio.run(latencies(url, headers, LATENCY_CHATS))
                    rates[name].append(
                        asyncio.run(throughput(url, headers, THROUGHPUT_CHATS, CONCURRENCY))
                    )
            slow["on"] = True
            memory = {
                name: peak_memory(url, headers, pid)
                for name, (url, headers, pid) in servers.items()
            }
        finally:
            for process in (ours, bare):
                process.terminate()
                process.wait(timeout=30)

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.1f}")
    print("| measure | fast-genai serve | bare sse-starlette | ratio |")
    print("|---|---|---|---|")
    o50, b50 = statistics.median(firsts["serve"]) * 1000, statistics.median(firsts["bare"]) * 1000
    print(f"| first byte p50 | {o50:.1f} ms | {b50:.1f} ms | +{o50 - b50:.1f} ms |")
    o95, b95 = p(firsts["serve"], 95), p(firsts["bare"], 95)
    print(f"| first byte p95 | {o95:.1f} ms | {b95:.1f} ms | +{o95 - b95:.1f} ms |")
    orate, brate = statistics.median(rates["serve"]), statistics.median(rates["bare"])
    print(
        f"| chats/s ({CONCURRENCY} clients, median of {ROUNDS}) | {orate:.1f} | {brate:.1f} "
        f"| {orate / brate:.2f}x |"
    )
    (ob, op), (bb, bp) = memory["serve"], memory["bare"]
    print(
        f"| peak RSS, {STREAMS} concurrent streams | {op / 1024:.0f} MiB (idle {ob / 1024:.0f}) "
        f"| {bp / 1024:.0f} MiB (idle {bb / 1024:.0f}) | {op / bp:.2f}x |"
    )


if __name__ == "__main__":
    main()
