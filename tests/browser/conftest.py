"""Browser tests of the chat page: headless Chromium (Debian's ``chromium``) driven by Playwright,
against a real ``fast-genai serve`` process whose model is the fake Gemini server.

One server, one fake Gemini and one browser serve a whole module (each test registers its own
user in a fresh browser context). Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import CREDENTIAL_VARS, require_program
from tests.fakes.gemini import FakeGemini

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

FAST_GENAI = str(Path(sys.executable).with_name("fast-genai"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "browser-pass-123!"
TIMEOUT_MS = 20_000
"""How long a step may wait for the page (generous: CI machines can be slow and busy)."""
_CREDENTIAL_VARS = (*CREDENTIAL_VARS, "FAST_GENAI_WORKSPACES")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running ``fast-genai serve`` with its workspaces (``main``, the default, and ``other``)."""

    url: str
    workspaces: dict[str, Path]
    log: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    root: Path, *, gemini: FakeGemini | None, settings: dict[str, str] | None = None
) -> Served:
    """``fast-genai serve`` on a free port, its database, config and workspaces under ``root``;
    ``settings``: more environment variables (e.g. ``FAST_GENAI_RATE_LIMIT``)."""
    workspaces = {"main": root / "ws-main", "other": root / "ws-other"}
    for path in workspaces.values():
        path.mkdir(parents=True)
    (workspaces["main"] / "README.md").write_text("# main workspace\n")
    (workspaces["other"] / "notes.md").write_text("# other workspace\n")
    env = {k: v for k, v in os.environ.items() if k not in _CREDENTIAL_VARS}
    env.update(
        HOME=str(root / "home"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CACHE_HOME=str(root / "cache"),
        FAST_GENAI_CONFIG=str(root / "config.toml"),
        DATABASE_URL=f"sqlite+aiosqlite:///{root / 'chat.db'}",
        FAST_GENAI_WORKSPACES=",".join(f"{name}={path}" for name, path in workspaces.items()),
        FAST_GENAI_MAX_RETRIES="0",
    )
    if gemini is not None:
        env.update(GEMINI_API_KEY="test-key", GOOGLE_GEMINI_BASE_URL=gemini.base_url)
    env.update(settings or {})
    port = free_port()
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [FAST_GENAI, "serve", "--port", str(port), "--log-level", "warning"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
        )
    served = Served(f"http://127.0.0.1:{port}", workspaces, log, process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{served.url}/readyz", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    served.stop()
    pytest.fail(f"serve did not become ready: {log.read_text()}")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return require_program("chromium", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture(scope="module")
def server(
    fake_gemini: FakeGemini, tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[Served]:
    served = start_server(tmp_path_factory.mktemp("serve"), gemini=fake_gemini)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def gemini(fake_gemini: FakeGemini) -> Iterator[FakeGemini]:
    """The module's fake Gemini: its script emptied before the test, all used up after it."""
    with fake_gemini._lock:
        fake_gemini._queue.clear()
    yield fake_gemini
    assert fake_gemini.pending == 0, "the test did not use every scripted reply"


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """Script errors and failed-request noise seen by the page."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda exc: problems.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    try:
        yield page
        shot(page, request.node.name, "end")
        assert not problems.errors, problems.errors
    finally:
        context.close()


def shot(page: Page, test: str, step: str) -> Path:
    """Save a screenshot as a test artifact: ``test-artifacts/browser/<test>-<step>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{test}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
