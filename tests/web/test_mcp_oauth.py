"""OAuth 2.1 for ``/mcp``: the SDK's own OAuth client (``OAuthClientProvider``) discovers the
server, registers, sends the browser through the login and consent pages (driven here with an
HTTP client that fills in the forms), gets tokens and calls tools; then the failures: a wrong
redirect URI, PKCE missing or ``plain``, another resource, a replayed code, a wrong verifier,
an expired, revoked or foreign-resource token, and refresh rotation (the old refresh token is
refused, and presenting it revokes the grant).

The app is served by uvicorn on loopback; the redirect URI is never connected to (the code is
read from the consent answer's ``Location``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from sqlalchemy import update

from tests.fakes.loopback import serve_app
from tests.mcp_client import ACCEPT, INIT, text_of
from tests.web.conftest import Person, register
from tools.registry import TOOLS
from web.db import Database
from web.models import OAuthGrant, utcnow
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:13999/callback"
WRITERS = {spec.name for spec in TOOLS if spec.writes}


@pytest.fixture
def web_settings(database_url: str, workspace: Path, tmp_path: Path) -> WebSettings:
    other = tmp_path / "other"
    other.mkdir()
    (workspace / "notes.txt").write_text("main notes\n")
    (other / "secret-plan.txt").write_text("other workspace\n")
    return WebSettings(
        database_url=database_url,
        secret_key="test-secret-key-for-jwt-signing-0123456789",
        workspaces={"main": str(workspace), "other": str(other)},
        rate_limit="",
    )


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
async def api(base: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        yield http


@pytest.fixture
async def alice(api: httpx.AsyncClient) -> Person:
    return await register(api, "alice@example.org")


@dataclass
class Browser:
    """A person at a browser: follows the authorization URL, signs in, ticks, consents."""

    base: str
    person: Person
    workspaces: list[str] = field(default_factory=lambda: ["main"])
    writes: bool = True
    pages: list[str] = field(default_factory=list)
    location: str | None = None

    async def visit(self, authorization_url: str) -> str:
        """The redirect (to the client) the consent ends with."""
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            start = await http.get(authorization_url)
            assert start.status_code == 302, start.text
            consent_url = start.headers["location"]
            assert consent_url.startswith(self.base + "/oauth/consent?request=")
            login_page = await http.get(consent_url)
            assert login_page.status_code == 200
            assert 'name="password"' in login_page.text
            self.pages.append(login_page.text)
            request_id = parse_qs(urlsplit(consent_url).query)["request"][0]
            signed_in = await http.post(
                "/oauth/login",
                data={
                    "request": request_id,
                    "username": self.person.email,
                    "password": self.person.password,
                },
            )
            assert signed_in.status_code == 303, signed_in.text
            page = await http.get(signed_in.headers["location"])
            assert page.status_code == 200, page.text
            self.pages.append(page.text)
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None, page.text
            form: dict[str, Any] = {
                "request": request_id,
                "csrf": csrf.group(1),
                "decision": "allow",
                "workspace": self.workspaces,
            }
            if self.writes:
                form["writes"] = "on"
            answer = await http.post("/oauth/consent", data=form)
            assert answer.status_code == 303, answer.text
            self.location = answer.headers["location"]
            return self.location

    async def redirect_handler(self, authorization_url: str) -> None:
        await self.visit(authorization_url)

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.location is not None
        query = parse_qs(urlsplit(self.location).query)
        return AuthorizationCodeResult(
            code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0]
        )


@dataclass
class MemoryStorage:
    tokens: OAuthToken | None = None
    client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def client_metadata(name: str = "Test Connector") -> OAuthClientMetadata:
    return OAuthClientMetadata.model_validate(
        {
            "client_name": name,
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
    )


async def connect_with_oauth(
    base: str, browser: Browser, storage: MemoryStorage, path: str = "/mcp"
) -> tuple[OAuthClientProvider, Any]:
    provider = OAuthClientProvider(
        server_url=base + "/mcp",
        client_metadata=client_metadata(),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    return provider, base + path


async def test_an_oauth_client_discovers_logs_in_consents_and_calls_tools(
    base: str, api: httpx.AsyncClient, alice: Person, workspace: Path
) -> None:
    browser = Browser(base, alice)
    storage = MemoryStorage()
    provider, url = await connect_with_oauth(base, browser, storage)
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS}
        notes = await client.call_tool("read_file", {"path": "notes.txt"})
        assert not notes.is_error, text_of(notes)
        assert "main notes" in text_of(notes)
        made = await client.call_tool("create_file", {"path": "by-oauth.txt", "content": "hi"})
        assert not made.is_error, text_of(made)
    assert (workspace / "by-oauth.txt").read_text() == "hi"
    # the consent screen named the client, the user, the workspaces and the writes
    consent = browser.pages[-1]
    assert "Test Connector" in consent and alice.email in consent
    assert 'value="main"' in consent and 'value="other"' in consent
    assert "Allow writes" in consent and REDIRECT in consent
    # registered as a public client, tokens bound to this server's /mcp
    assert storage.client is not None and storage.client.client_secret is None
    assert storage.tokens is not None
    assert storage.tokens.access_token.startswith("fga_")
    assert storage.tokens.refresh_token is not None
    assert storage.tokens.scope == "mcp:read mcp:write"
    # listed beside the long-lived tokens
    listed = (await api.get("/api/v1/tokens", headers=alice.headers)).json()
    [grant] = [row for row in listed if row["kind"] == "oauth"]
    assert grant["name"] == "Test Connector"
    assert grant["workspaces"] == ["main"] and grant["writes"] is True
    assert storage.tokens.access_token not in str(listed)


async def test_without_writes_the_client_is_read_only_and_kept_to_its_workspaces(
    base: str, alice: Person
) -> None:
    browser = Browser(base, alice, workspaces=["main"], writes=False)
    storage = MemoryStorage()
    provider, url = await connect_with_oauth(base, browser, storage)
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS} - WRITERS
        refused = await client.call_tool("create_file", {"path": "x.txt", "content": "no"})
        assert refused.is_error
        assert "authorized without writes" in text_of(refused)
    assert storage.tokens is not None and storage.tokens.scope == "mcp:read"
    token = storage.tokens.access_token
    async with httpx.AsyncClient(timeout=30) as raw:
        other = await raw.post(
            base + "/mcp?workspace=other", json=INIT, headers={**ACCEPT, **bearer(token)}
        )
    assert other.status_code == 404, other.text
    assert "does not cover workspace 'other'" in other.json()["error"]["message"]


# the protocol by hand, for the failures


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class Flow:
    """A registered public client going through the flow step by step."""

    http: httpx.AsyncClient
    base: str
    person: Person
    client_id: str = ""
    verifier: str = ""

    async def register(self) -> None:
        response = await self.http.post(
            "/register", json=client_metadata("Hand Client").model_dump(mode="json")
        )
        assert response.status_code == 201, response.text
        self.client_id = response.json()["client_id"]

    def authorize_params(self, **changes: str | None) -> dict[str, str]:
        self.verifier, challenge = pkce()
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "st",
            "scope": "mcp:read mcp:write",
            "resource": self.base + "/mcp",
            **changes,
        }
        return {k: v for k, v in params.items() if v is not None}

    async def code(self) -> str:
        browser = Browser(self.base, self.person)
        query = httpx.QueryParams(self.authorize_params())
        location = await browser.visit(f"/authorize?{query}")
        answer = parse_qs(urlsplit(location).query)
        assert answer["state"] == ["st"] and answer["iss"] == [self.base]
        return answer["code"][0]

    async def exchange(self, code: str, verifier: str | None = None) -> httpx.Response:
        return await self.http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": self.client_id,
                "code_verifier": verifier or self.verifier,
                "resource": self.base + "/mcp",
            },
        )

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            },
        )

    async def tokens(self) -> dict[str, Any]:
        response = await self.exchange(await self.code())
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def mcp(self, token: str, **headers: str) -> httpx.Response:
        return await self.http.post(
            "/mcp", json=INIT, headers={**ACCEPT, **bearer(token), **headers}
        )


@pytest.fixture
async def flow(api: httpx.AsyncClient, base: str, alice: Person) -> Flow:
    flow = Flow(api, base, alice)
    await flow.register()
    return flow


async def test_discovery_metadata_and_the_challenge(api: httpx.AsyncClient, base: str) -> None:
    refused = await api.post("/mcp", json=INIT, headers=ACCEPT)
    assert refused.status_code == 401
    challenge = refused.headers["www-authenticate"]
    metadata_url = f"{base}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenge
    for path in (
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ):
        resource = (await api.get(path)).json()
        assert resource["resource"] == base + "/mcp"
        assert resource["authorization_servers"] == [base]
    server = (await api.get("/.well-known/oauth-authorization-server")).json()
    assert server["issuer"] == base
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["registration_endpoint"] == base + "/register"
    assert server["authorization_response_iss_parameter_supported"] is True
    # a Host that is not loopback over plain HTTP gets no issuer (DNS rebinding, missing setting)
    foreign = await api.get(
        "/.well-known/oauth-authorization-server", headers={"host": "evil.test"}
    )
    assert foreign.status_code == 503
    assert "FAST_GENAI_PUBLIC_URL" in foreign.json()["error_description"]


async def test_registration_refuses_redirect_uris_a_browser_must_not_be_sent_to(
    api: httpx.AsyncClient,
) -> None:
    for uri in ("http://attacker.example/cb", "javascript://alert(1)"):
        body = {**client_metadata().model_dump(mode="json"), "redirect_uris": [uri]}
        response = await api.post("/register", json=body)
        assert response.status_code == 400, (uri, response.text)
        assert response.json()["error"] == "invalid_redirect_uri"


async def test_a_redirect_uri_not_registered_exactly_is_refused_without_redirecting(
    flow: Flow,
) -> None:
    for wrong in (REDIRECT + "/x", REDIRECT.replace("13999", "13998"), REDIRECT + "?a=1"):
        response = await flow.http.get(
            "/authorize", params=flow.authorize_params(redirect_uri=wrong)
        )
        assert response.status_code == 400, (wrong, response.text)
        assert response.json()["error"] == "invalid_request"
        assert "location" not in response.headers


async def test_pkce_is_required_and_only_s256(flow: Flow) -> None:
    for changes in ({"code_challenge": None}, {"code_challenge_method": "plain"}):
        response = await flow.http.get("/authorize", params=flow.authorize_params(**changes))
        assert response.status_code == 302, response.text
        answer = parse_qs(urlsplit(response.headers["location"]).query)
        assert answer["error"] == ["invalid_request"], (changes, answer)
        assert "code" not in answer


async def test_a_token_for_another_resource_is_not_issued(flow: Flow) -> None:
    params = flow.authorize_params(resource="http://127.0.0.1:13998/mcp")
    response = await flow.http.get("/authorize", params=params)
    assert response.status_code == 302
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == ["invalid_target"]


async def test_a_code_works_once_and_its_replay_revokes_what_it_gave(flow: Flow) -> None:
    code = await flow.code()
    wrong = await flow.exchange(code, verifier=pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    first = await flow.exchange(code)
    assert first.status_code == 200, first.text
    token = first.json()["access_token"]
    assert (await flow.mcp(token)).status_code == 200
    replay = await flow.exchange(code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert (await flow.mcp(token)).status_code == 401


async def test_refresh_rotates_and_the_old_refresh_token_is_refused(flow: Flow) -> None:
    tokens = await flow.tokens()
    renewed = await flow.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    new = renewed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    assert (await flow.mcp(tokens["access_token"])).status_code == 401  # replaced
    assert (await flow.mcp(new["access_token"])).status_code == 200
    again = await flow.refresh(tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # a replaced refresh token presented again means it leaked: the whole grant is revoked
    assert (await flow.mcp(new["access_token"])).status_code == 401
    assert (await flow.refresh(new["refresh_token"])).status_code == 400


async def test_expired_revoked_and_foreign_resource_tokens_get_401(
    flow: Flow, database_url: str, alice: Person
) -> None:
    tokens = await flow.tokens()
    token = tokens["access_token"]
    assert (await flow.mcp(token)).status_code == 200
    # the same server under another name is another resource: the token is not for it
    port = urlsplit(flow.base).port
    foreign = await flow.mcp(token, host=f"localhost:{port}")
    assert foreign.status_code == 401
    assert 'error="invalid_token"' in foreign.headers["www-authenticate"]
    # expired (the test's own engine: the server's pool belongs to the server's event loop)
    db = Database.connect(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                update(OAuthGrant).values(access_expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        await db.close()
    expired = await flow.mcp(token)
    assert expired.status_code == 401
    assert "resource_metadata=" in expired.headers["www-authenticate"]
    renewed = await flow.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert (await flow.mcp(fresh["access_token"])).status_code == 200
    # revoked by the user, beside their long-lived tokens
    listed = (await flow.http.get("/api/v1/tokens", headers=alice.headers)).json()
    [grant] = [row for row in listed if row["kind"] == "oauth"]
    gone = await flow.http.delete(f"/api/v1/tokens/{grant['id']}", headers=alice.headers)
    assert gone.status_code == 204
    assert (await flow.mcp(fresh["access_token"])).status_code == 401
    assert (await flow.refresh(fresh["refresh_token"])).status_code == 400


async def test_the_consent_form_checks_its_token_and_the_login_its_password(
    flow: Flow, api: httpx.AsyncClient
) -> None:
    start = await api.get("/authorize", params=flow.authorize_params())
    consent_url = start.headers["location"]
    request_id = parse_qs(urlsplit(consent_url).query)["request"][0]
    wrong = await api.post(
        "/oauth/login",
        data={"request": request_id, "username": flow.person.email, "password": "not-it-at-all"},
    )
    assert wrong.status_code == 400 and "Wrong e-mail or password" in wrong.text
    assert "set-cookie" not in wrong.headers
    signed_in = await api.post(
        "/oauth/login",
        data={
            "request": request_id,
            "username": flow.person.email,
            "password": flow.person.password,
        },
    )
    assert signed_in.status_code == 303
    page = await api.get(consent_url)
    assert page.headers["x-frame-options"] == "DENY"
    forged = await api.post(
        "/oauth/consent",
        data={"request": request_id, "csrf": "guessed", "decision": "allow", "workspace": ["main"]},
    )
    assert forged.status_code == 403
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    denied = await api.post(
        "/oauth/consent", data={"request": request_id, "csrf": csrf.group(1), "decision": "deny"}
    )
    assert denied.status_code == 303
    answer = parse_qs(urlsplit(denied.headers["location"]).query)
    assert answer["error"] == ["access_denied"] and answer["state"] == ["st"]
    assert (await api.get(consent_url)).status_code == 400  # the request is over


@pytest.fixture
def served(workspace: Path, tmp_path: Path) -> Iterator[str]:
    from tests.web.test_serve_e2e import Server

    (workspace / "notes.txt").write_text("served notes\n")
    server = Server(workspace, tmp_path / "serve.log")
    try:
        server.wait_ready()
        yield server.url
    finally:
        server.stop()


@pytest.mark.slow
async def test_an_oauth_only_client_uses_a_real_fast_genai_serve(served: str) -> None:
    """``fast-genai serve`` as started from a clone: the client has nothing but the URL."""
    async with httpx.AsyncClient(base_url=served, timeout=30) as api:
        alice = await register(api, "alice@example.org")
    browser = Browser(served, alice, workspaces=["default"], writes=False)
    provider, url = await connect_with_oauth(served, browser, MemoryStorage())
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS} - WRITERS
        notes = await client.call_tool("read_file", {"path": "notes.txt"})
        assert not notes.is_error, text_of(notes)
        assert "served notes" in text_of(notes)


async def test_an_expired_refresh_token_is_refused_and_its_grant_swept(
    flow: Flow, database_url: str, alice: Person
) -> None:
    tokens = await flow.tokens()
    db = Database.connect(database_url)
    try:
        async with db.write() as session:
            await session.execute(
                update(OAuthGrant).values(refresh_expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        await db.close()
    refused = await flow.refresh(tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    listed = (await flow.http.get("/api/v1/tokens", headers=alice.headers)).json()
    assert [row["kind"] for row in listed] == ["oauth"]
    # the next authorization request sweeps it
    assert (await flow.http.get("/authorize", params=flow.authorize_params())).status_code == 302
    assert (await flow.http.get("/api/v1/tokens", headers=alice.headers)).json() == []
