"""The Svelte chat page (web/static, built from web/frontend) against the page before it (the plain
ES-module page at commit 7d7eef3), both served by a real ``fast-genai serve`` on loopback with the
fake Gemini, in headless Debian Chromium.

Run: uv run python bench/chat_page.py   (needs /usr/bin/chromium; about two minutes)

Measured for each page:
- initial JavaScript: the script files the browser fetched from navigation until the prompt was
  ready (logged in, conversations and workspaces loaded), each gzip-compressed (level 9);
- navigation to an interactive prompt: ``performance.now()`` when ``body[data-ready]`` is set and
  the prompt is enabled, logged in (token in sessionStorage), median of ROUNDS fresh contexts;
- a 200 KB Markdown answer streamed at 50 chunks/s (4 KB chunks, 20 ms apart): the longest
  main-thread task while it streams (PerformanceObserver ``longtask``, which reports tasks over
  50 ms; 0 means none was that long), and the time from the arrival of the last text chunk (read
  from the response body as the page reads it) to the last change of the message list (the
  final render, highlighting included).
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser import conftest  # noqa: E402
from tests.fakes.gemini import FakeGemini, Reply  # noqa: E402

OLD_COMMIT = "7d7eef3"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ANSWER_BYTES = 200_000
CHUNK_BYTES = 4_000  # 50 chunks of 4 KB at 50 chunks/s: the 200 KB answer streams in 1 s
PASSWORD = "bench-pass-123!"

WRAPPER = """import os, pathlib, sys
import web.page
web.page.STATIC = pathlib.Path(os.environ["BENCH_STATIC"])
from cli.main import main
sys.exit(main())
"""

# Recorded in the page before any of its own scripts run: when it is ready, long tasks, the
# arrival of each chunk of the chat response, and the last change to the message list.
PROBE = """
(() => {
  const probe = { ready: null, longest: 0, tasks: 0, chunks: [], lastMutation: 0 };
  window.__probe = probe;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      probe.tasks += 1;
      probe.longest = Math.max(probe.longest, entry.duration);
    }
  }).observe({ type: "longtask", buffered: true });
  const watch = () => {
    const prompt = document.querySelector("#prompt");
    const ready = document.body && document.body.dataset.ready === "true";
    if (probe.ready === null && ready && prompt && !prompt.disabled)
      probe.ready = performance.now();
    const list = document.querySelector("#messages");
    if (list && !list.__watched) {
      list.__watched = true;
      new MutationObserver(() => { probe.lastMutation = performance.now(); })
        .observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
    }
  };
  new MutationObserver(watch)
    .observe(document, { childList: true, subtree: true, attributes: true });
  const realFetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/api/v1/chat") || !response.body) return response;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const text = decoder.decode(value, { stream: true });
        if (text.includes("text-delta")) probe.chunks.push(performance.now());
        controller.enqueue(value);
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  };
})();
"""


def markdown_answer(size: int) -> str:
    """Varied Markdown (headings, paragraphs, lists, tables, code) of about ``size`` bytes."""
    parts: list[str] = []
    i = 0
    while sum(map(len, parts)) < size:
        parts.append(
            f"## Section {i}\n\nThe function `step_{i}` reads **the input**, checks it and "
            f"writes _the result_; see [the docs](https://example.org/{i}).\n\n"
            f"- first point {i}\n  - nested detail\n- second point\n\n"
            f"| name | value |\n|---|---|\n| a{i} | {i * 3} |\n| b{i} | {i * 7} |\n\n"
            f"```python\ndef step_{i}(value: int) -> int:\n    return value * {i} + 1\n```\n\n"
        )
        i += 1
    return "".join(parts)[:size]


def old_static(root: Path) -> Path:
    """web/static as it was at OLD_COMMIT."""
    out = root / "old-static"
    archive = subprocess.run(
        ["git", "archive", OLD_COMMIT, "web/static"], cwd=REPO, check=True, capture_output=True
    ).stdout
    out.mkdir()
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "web/static"


def token_for(url: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.org"
    httpx.post(f"{url}/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    login = httpx.post(
        f"{url}/api/v1/auth/jwt/login", data={"username": email, "password": PASSWORD}
    )
    return str(login.json()["access_token"])


def measure(browser, url: str, gemini: FakeGemini) -> dict[str, float]:  # type: ignore[no-untyped-def]
    loads: list[float] = []
    script_bytes: dict[str, bytes] = {}
    for _ in range(ROUNDS):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        token = token_for(url)
        context.add_init_script(f"sessionStorage.setItem('fast-genai.token', {token!r});")
        context.add_init_script(PROBE)
        page = context.new_page()
        scripts: list[str] = []
        page.on(
            "request",
            lambda r, seen=scripts: seen.append(r.url) if r.resource_type == "script" else None,
        )
        page.goto(url + "/")
        page.wait_for_function("() => window.__probe.ready !== null", timeout=60_000)
        loads.append(float(page.evaluate("window.__probe.ready")))
        for script in scripts:
            script_bytes[script] = httpx.get(script).content
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script(f"sessionStorage.setItem('fast-genai.token', {token_for(url)!r});")
    context.add_init_script(PROBE)
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_function("() => window.__probe.ready !== null", timeout=60_000)
    answer = markdown_answer(ANSWER_BYTES)
    gemini.script(Reply.text(answer, chunks=ANSWER_BYTES // CHUNK_BYTES, delay=0.02))
    page.evaluate("window.__probe.longest = 0; window.__probe.tasks = 0")
    page.fill("#prompt", "Write a long answer")
    page.click("#send")
    page.wait_for_function("() => window.__probe.chunks.length > 0", timeout=60_000)
    try:
        page.wait_for_selector("#stop", state="hidden", timeout=120_000)
    finally:
        probe = page.evaluate("window.__probe")
        print(f"chunks seen {len(probe['chunks'])}, longest task {probe['longest']:.0f} ms")
    page.wait_for_timeout(2000)  # late renders (highlighting) land in lastMutation
    probe = page.evaluate("window.__probe")
    context.close()
    initial = sum(len(gzip.compress(body, 9)) for body in script_bytes.values())
    return {
        "initial_js_gzip_kb": initial / 1000,
        "scripts": len(script_bytes),
        "ready_ms": statistics.median(loads),
        "longest_task_ms": float(probe["longest"]),
        "long_tasks": float(probe["tasks"]),
        "last_chunk_to_render_ms": float(probe["lastMutation"]) - float(probe["chunks"][-1]),
        "chunks_seen": float(len(probe["chunks"])),
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="bench-page-"))
    wrapper = root / "serve-static"
    wrapper.write_text(f"#!{sys.executable}\n{WRAPPER}")
    wrapper.chmod(0o755)
    results: dict[str, dict[str, float]] = {}
    with FakeGemini() as gemini, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=conftest.CHROMIUM_ARGS
        )
        for name, static in (("old page", old_static(root)), ("svelte page", REPO / "web/static")):
            conftest.FAST_GENAI = str(wrapper)
            served = conftest.start_server(
                root / name.replace(" ", "-"), gemini=gemini, settings={"BENCH_STATIC": str(static)}
            )
            try:
                print(f"{name}: {served.url}", flush=True)
                results[name] = measure(browser, served.url, gemini)
            finally:
                served.stop()
        browser.close()
    keys = list(next(iter(results.values())))
    print(f"{'':28}" + "".join(f"{name:>14}" for name in results))
    for key in keys:
        print(f"{key:28}" + "".join(f"{r[key]:14.1f}" for r in results.values()))


if __name__ == "__main__":
    main()
