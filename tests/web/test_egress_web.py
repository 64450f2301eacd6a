"""A user-set service URL on an internal address is refused by the web API before any request:
400 ``address_not_allowed`` in the usual error shape, nothing stored, nothing of the internal
service in the answer; the operator's allow-list lets it through."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.counting import Listener, counting_listener
from tests.web.conftest import register
from tools.registry import TOOLS
from tools.settings import ToolSettings
from web.app import create_app
from web.settings import WebSettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def listener() -> Iterator[Listener]:
    with counting_listener() as running:
        yield running


async def _put_jira(
    web_settings: WebSettings, tool_settings: ToolSettings, url: str
) -> tuple[httpx.Response, bool]:
    """The answer to a checked PUT of Jira credentials, and whether they are stored."""
    app = create_app(web_settings, tool_settings=tool_settings, tools=TOOLS)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as api:
            alice = await register(api, "alice@example.org")
            response = await api.put(
                "/api/v1/integrations/jira?validate=true",
                json={"url": url, "personal_token": "pat-SECRET"},
                headers=alice.headers,
            )
            listed = await api.get("/api/v1/integrations", headers=alice.headers)
            stored = {i["service"]: i["set"] for i in listed.json()}
            return response, stored["jira"]
    finally:
        await app.state.web.db.close()


async def test_internal_jira_url_is_refused_without_a_connection(
    web_settings: WebSettings, listener: Listener
) -> None:
    response, stored = await _put_jira(web_settings, ToolSettings(), listener.url)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "address_not_allowed"
    assert "127.0.0.1" in error["message"] and "loopback" in error["message"]
    assert "FAST_GENAI_ALLOWED_INTERNAL_HOSTS" in error["hint"]
    for leak in ("404", "internal-service-says-hello", "4242", "pat-SECRET"):
        assert leak not in response.text
    assert stored is False
    assert listener.connections == 0


async def test_allowed_internal_jira_url_is_checked(
    web_settings: WebSettings, listener: Listener
) -> None:
    allowed = ToolSettings(allowed_internal_hosts="127.0.0.1")
    response, stored = await _put_jira(web_settings, allowed, listener.url)
    assert response.status_code == 502  # reached: the listener answers 404 to the check
    assert response.json()["error"]["code"] == "upstream_error"
    assert listener.connections == 1 and stored is False
