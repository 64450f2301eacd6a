"""Requests to user-set URLs refuse internal addresses unless the operator allows them.

The address classifier is tested on ``ipaddress`` objects only (no connection). Every transport
(httpx for notion-client and the credentials check, requests for PyGithub and jira) is driven
against loopback listeners that count accepted connections: refused means not one connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.fakes.counting import Listener, counting_listener
from tools.context import ToolContext
from tools.egress.addresses import AllowList, internal_reason
from tools.egress.httpx_guard import guarded_client
from tools.egress.policy import EgressPolicy, policy_for
from tools.egress.requests_guard import guard_session
from tools.errors import AddressNotAllowed, ToolError
from tools.integrations.github_file import create_github_file
from tools.integrations.jira_issue import create_jira_issue
from tools.integrations.notion_page import create_notion_page
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio

INTERNAL = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "::1": "loopback",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "fc00::1": "private",
    "169.254.169.254": "link-local",
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "240.0.0.1": "private",  # reserved, and Python counts it as private too
    "100.64.0.1": "not globally routable",
    "::ffff:127.0.0.1": "loopback (embedded in ::ffff:7f00:1)",
    "::ffff:169.254.169.254": "link-local (embedded in ::ffff:a9fe:a9fe)",
    "2002:7f00:1::": "loopback (embedded in 2002:7f00:1::)",
}


@pytest.mark.parametrize(("address", "reason"), INTERNAL.items())
def test_internal_addresses_are_classified(address: str, reason: str) -> None:
    assert internal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "140.82.112.3", "2606:4700::1111"])
def test_public_addresses_are_not_internal(address: str) -> None:
    assert internal_reason(ipaddress.ip_address(address)) is None


def test_allow_list_entries() -> None:
    allow = AllowList.parse(["127.0.0.1", " 10.0.0.0/8 ", "Jira.Corp.", "[::1]", ""])
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))
    assert allow.allows_address(ipaddress.ip_address("10.200.0.1"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:10.0.0.1"))  # mapped: its IPv4
    assert allow.allows_address(ipaddress.ip_address("::1"))
    assert allow.allows_host("jira.corp") and allow.allows_host("JIRA.corp.")
    assert not allow.allows_host("corp")
    assert not AllowList.parse([])


def test_policy_check_by_host_name_and_address() -> None:
    loop = ipaddress.ip_address("127.0.0.1")
    with pytest.raises(AddressNotAllowed, match=r"jira\.internal \(127\.0\.0\.1\): a loopback"):
        EgressPolicy().check("jira.internal", loop)
    EgressPolicy.from_entries(["jira.internal"]).check("jira.internal", loop)
    EgressPolicy.from_entries(["127.0.0.0/8"]).check("jira.internal", loop)
    EgressPolicy().check("example.org", ipaddress.ip_address("8.8.8.8"))  # public: no raise


def test_setting_is_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAST_GENAI_ALLOWED_INTERNAL_HOSTS", "127.0.0.1, jira.corp,,10.0.0.0/8")
    settings = ToolSettings()
    assert settings.allowed_internal_hosts == ("127.0.0.1", "jira.corp", "10.0.0.0/8")
    assert policy_for(settings).allow.allows_host("jira.corp")


@pytest.fixture
def listener() -> Iterator[Listener]:
    with counting_listener() as running:
        yield running


ALLOW = EgressPolicy.from_entries(["127.0.0.1"])


async def test_httpx_refuses_loopback_without_connecting(listener: Listener) -> None:
    async with guarded_client(EgressPolicy()) as client:
        with pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.1: a loopback address"):
            await client.get(listener.url + "/x")
    assert listener.connections == 0


async def test_httpx_reaches_an_allowed_listener(listener: Listener) -> None:
    async with guarded_client(ALLOW) as client:
        response = await client.get(listener.url + "/x")
    assert response.status_code == 404 and listener.connections == 1


def test_requests_refuses_loopback_without_connecting(listener: Listener) -> None:
    with requests.Session() as session:
        guard_session(session, EgressPolicy())
        with pytest.raises(AddressNotAllowed):
            session.get(listener.url + "/x", timeout=5)
    assert listener.connections == 0


def test_requests_reaches_an_allowed_listener(listener: Listener) -> None:
    with requests.Session() as session:
        guard_session(session, ALLOW)
        assert session.get(listener.url + "/x", timeout=5).status_code == 404
    assert listener.connections == 1


@pytest.fixture
def other() -> Iterator[Listener]:
    """A second loopback listener, on 127.0.0.2: loopback, but not on the allow-list."""
    with counting_listener("127.0.0.2") as running:
        yield running


async def test_httpx_checks_every_redirect(listener: Listener, other: Listener) -> None:
    listener.redirect_to(other.url + "/x")
    async with guarded_client(ALLOW, follow_redirects=True) as client:
        with pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.2"):
            await client.get(listener.url + "/redirect")
    assert listener.connections == 1 and other.connections == 0


def test_requests_checks_every_redirect(listener: Listener, other: Listener) -> None:
    listener.redirect_to(other.url + "/x")
    with requests.Session() as session:
        guard_session(session, ALLOW)
        with pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.2"):
            session.get(listener.url + "/redirect", timeout=5)
    assert listener.connections == 1 and other.connections == 0


def test_requests_ignores_environment_proxies(
    listener: Listener, other: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", other.url)  # a proxy would resolve the target itself
    with requests.Session() as session:
        guard_session(session, ALLOW)
        assert session.get(listener.url + "/x", timeout=5).status_code == 404
    assert listener.connections == 1 and other.connections == 0


async def test_httpx_ignores_environment_proxies(
    listener: Listener, other: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", other.url)
    monkeypatch.setenv("ALL_PROXY", other.url)
    async with guarded_client(ALLOW) as client:
        assert (await client.get(listener.url + "/x")).status_code == 404
    assert listener.connections == 1 and other.connections == 0


CALLS: dict[str, Callable[[ToolContext], Awaitable[object]]] = {
    "github": lambda ctx: create_github_file(ctx, "o/r", "a.md", "x", "Add"),
    "notion": lambda ctx: create_notion_page(ctx, "0" * 32, "T", "x"),
    "jira": lambda ctx: create_jira_issue(ctx, "ABC", "Summary"),
}


def _tool_context(workspace: Path, url: str, allowed: str) -> ToolContext:
    settings = ToolSettings(
        github_api_url=url, github_token="t", notion_api_url=url, notion_token="n",
        jira_url=url, jira_personal_token="p", upstream_attempts=1,
        allowed_internal_hosts=allowed, write_dedupe_seconds=0,
    )  # fmt: skip
    return ToolContext.local(str(workspace), settings=settings)


@pytest.mark.parametrize("service", list(CALLS))
async def test_tool_refuses_an_internal_service_url(
    workspace: Path, listener: Listener, service: str
) -> None:
    with pytest.raises(AddressNotAllowed) as caught:
        await CALLS[service](_tool_context(workspace, listener.url, allowed=""))
    assert caught.value.code == "address_not_allowed"
    assert "FAST_GENAI_ALLOWED_INTERNAL_HOSTS" in str(caught.value)
    assert listener.connections == 0


@pytest.mark.parametrize("service", list(CALLS))
async def test_tool_reaches_an_allowed_internal_service_url(
    workspace: Path, listener: Listener, service: str
) -> None:
    with pytest.raises(ToolError) as caught:  # the listener answers 404 to everything
        await CALLS[service](_tool_context(workspace, listener.url, allowed="127.0.0.1"))
    assert not isinstance(caught.value, AddressNotAllowed)
    assert listener.connections >= 1
