"""``/docs`` (Swagger UI) and ``/redoc`` work offline: headless Chromium loads them from a real
``fast-genai serve`` with every request off loopback aborted, and both render the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.conftest import TIMEOUT_MS, Served, shot, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

REDOC_FOOTER_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[Served]:
    served = start_server(tmp_path_factory.mktemp("docs"), gemini=None)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page whose requests off loopback are aborted (and listed), with its script errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page, blocked, errors
    finally:
        context.close()


def test_docs_pages_reference_only_their_own_assets(docs_server: Served) -> None:
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = httpx.get(docs_server.url + path, timeout=10).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        assert f"/static-offline-docs/{asset}" in sources
        assert httpx.get(f"{docs_server.url}/static-offline-docs/{asset}").status_code == 200


def test_swagger_ui_renders_offline(
    docs_server: Served,
    offline_page: tuple[Page, list[str], list[str]],
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect

    page, blocked, errors = offline_page
    page.goto(f"{docs_server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("fast-genai")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/tools").first).to_be_visible()
    shot(page, request.node.name, "swagger")
    assert blocked == [] and errors == []


def test_redoc_renders_offline(
    docs_server: Served,
    offline_page: tuple[Page, list[str], list[str]],
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect

    page, blocked, errors = offline_page
    page.goto(f"{docs_server.url}/redoc")
    expect(page.get_by_role("heading", name=re.compile(r"^fast-genai"))).to_be_visible()
    expect(page.get_by_text("/api/v1/tools").first).to_be_attached()
    shot(page, request.node.name, "redoc")
    # the bundled ReDoc's "API docs by Redocly" footer shows its logo from Redocly's CDN: only
    # that decorative image may be missing offline
    assert set(blocked) <= {REDOC_FOOTER_LOGO} and errors == []
