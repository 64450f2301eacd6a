"""Per-user integration credentials: the API, encryption at rest, the optional check with the
service, and tools running with the caller's own credentials (never another user's, never the
server's unless the operator shares them). No response, row or log line holds a token in clear."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from starlette.requests import HTTPConnection

from tests.fakes.github import FakeGitHub
from tests.fakes.jira import FakeJira
from tests.fakes.notion import FakeNotion
from tests.web.conftest import Person, register
from tools.registry import TOOLS
from tools.settings import ToolSettings
from web.app import create_app
from web.integrations.credentials import secret_box
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

ALICE_TOKEN = "ghp_alice_0123456789abcdefSECRET"
SERVER_TOKEN = "ghp_server_0123456789abcdefSECRET"
ARGS = {"repo": "octo/hello", "path": "docs/a.md", "content": "# A", "message": "Add a"}


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token=ALICE_TOKEN)
    fake.add_repo("octo/hello")
    with fake.running():
        yield fake


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    fake = FakeNotion(token="secret_notion_alice_SECRET")
    with fake.running():
        yield fake


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    fake = FakeJira(api_token="jira-api-token-SECRET", personal_token="jira-pat-SECRET")
    with fake.running():
        yield fake


@pytest.fixture
def tool_settings(github: FakeGitHub, notion: FakeNotion) -> ToolSettings:
    """The server's settings: service URLs of the fakes, and a server GitHub token of its own."""
    return ToolSettings(
        github_api_url=github.base_url,
        notion_api_url=notion.base_url,
        github_token=SERVER_TOKEN,
        upstream_attempts=1,
    )


async def _serve(
    settings: WebSettings, tool_settings: ToolSettings
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(settings, tool_settings=tool_settings, tools=TOOLS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client, app
    await app.state.web.db.close()


@pytest.fixture
async def served(
    web_settings: WebSettings, tool_settings: ToolSettings
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async for pair in _serve(web_settings, tool_settings):
        yield pair


@pytest.fixture
def api(served: tuple[httpx.AsyncClient, FastAPI]) -> httpx.AsyncClient:
    return served[0]


async def _raw_rows(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.web.db.sessions() as session:
        result = await session.execute(text("SELECT * FROM integration_credential"))
        return [dict(row) for row in result.mappings().all()]


async def _write_github_file(api: httpx.AsyncClient, person: Person) -> httpx.Response:
    held = await api.post(
        "/api/v1/tools/create_github_file", json={"arguments": ARGS}, headers=person.headers
    )
    assert held.status_code == 202, held.text
    approval = held.json()["approval"]["id"]
    return await api.post(
        f"/api/v1/approvals/{approval}", json={"approved": True}, headers=person.headers
    )


async def test_store_list_and_remove(api: httpx.AsyncClient) -> None:
    alice = await register(api, "alice@example.org")
    empty = await api.get("/api/v1/integrations", headers=alice.headers)
    assert empty.status_code == 200
    assert [(i["service"], i["set"], i["updated_at"]) for i in empty.json()] == [
        ("github", False, None),
        ("notion", False, None),
        ("jira", False, None),
    ]
    stored = await api.put(
        "/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["set"] is True and stored.json()["updated_at"]
    jira = await api.put(
        "/api/v1/integrations/jira",
        json={"url": "https://jira.example.org/", "personal_token": "jira-pat-SECRET"},
        headers=alice.headers,
    )
    assert jira.status_code == 200, jira.text
    listed = (await api.get("/api/v1/integrations", headers=alice.headers)).json()
    assert {i["service"]: i["set"] for i in listed} == {
        "github": True,
        "notion": False,
        "jira": True,
    }
    assert all(i["updated_at"] for i in listed if i["set"])
    removed = await api.delete("/api/v1/integrations/github", headers=alice.headers)
    assert removed.status_code == 204
    again = await api.delete("/api/v1/integrations/github", headers=alice.headers)
    assert again.status_code == 204
    listed = (await api.get("/api/v1/integrations", headers=alice.headers)).json()
    assert {i["service"]: i["set"] for i in listed}["github"] is False
    for response in (stored, jira, removed):
        assert "SECRET" not in response.text


async def test_each_user_sees_only_their_own(api: httpx.AsyncClient) -> None:
    alice = await register(api, "alice@example.org")
    bob = await register(api, "bob@example.org")
    await api.put("/api/v1/integrations/notion", json={"token": "n-SECRET"}, headers=alice.headers)
    listed = (await api.get("/api/v1/integrations", headers=bob.headers)).json()
    assert not any(i["set"] for i in listed)
    anonymous = await api.get("/api/v1/integrations")
    assert anonymous.status_code == 401


async def test_unknown_service_is_404(api: httpx.AsyncClient) -> None:
    alice = await register(api, "alice@example.org")
    put = await api.put("/api/v1/integrations/gitlab", json={"token": "x"}, headers=alice.headers)
    assert put.status_code == 404
    assert put.json()["error"]["code"] == "not_found"
    assert "github, notion, jira" in put.json()["error"]["hint"]
    gone = await api.delete("/api/v1/integrations/gitlab", headers=alice.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("service", "body", "problem"),
    [
        ("github", {}, "token"),
        ("github", {"token": ""}, "token"),
        ("notion", {"token": "t", "extra": 1}, "extra"),
        ("jira", {"personal_token": "p"}, "url"),
        ("jira", {"url": "jira.example.org", "personal_token": "p"}, "url"),
        ("jira", {"url": "https://j.example.org"}, "username and api_token"),
        ("jira", {"url": "https://j.example.org", "username": "me"}, "go together"),
        (
            "jira",
            {
                "url": "https://j.example.org",
                "username": "u",
                "api_token": "a",
                "personal_token": "p",
            },
            "not both",
        ),
    ],
)
async def test_bad_bodies_are_422(
    api: httpx.AsyncClient, service: str, body: dict[str, Any], problem: str
) -> None:
    alice = await register(api, "alice@example.org")
    response = await api.put(f"/api/v1/integrations/{service}", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert problem in response.json()["error"]["message"]


async def test_the_database_holds_no_token_in_clear(
    served: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    api, app = served
    alice = await register(api, "alice@example.org")
    await api.put("/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers)
    jira = {"url": "https://x.atlassian.net", "username": "me@x", "api_token": "jira-api-SECRET"}
    await api.put("/api/v1/integrations/jira", json=jira, headers=alice.headers)
    rows = await _raw_rows(app)
    assert len(rows) == 2
    dump = repr(rows)
    for clear in (ALICE_TOKEN, "jira-api-SECRET", "SECRET", "atlassian", "me@x"):
        assert clear not in dump
    # ... yet the server can read them back with its key
    box = secret_box(app.state.web)
    decrypted = sorted(json.loads(box.decrypt(row["secret"])).get("token", "") for row in rows)
    assert decrypted == ["", ALICE_TOKEN]


async def test_validate_checks_with_the_service(
    api: httpx.AsyncClient,
    github: FakeGitHub,
    notion: FakeNotion,
    jira: FakeJira,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = await register(api, "alice@example.org")
    good = await api.put(
        "/api/v1/integrations/github?validate=true",
        json={"token": ALICE_TOKEN},
        headers=alice.headers,
    )
    assert good.status_code == 200, good.text
    assert good.json()["account"] == "octocat"
    assert github.requests[-1].path == "/user"
    assert github.requests[-1].headers["authorization"] == f"Bearer {ALICE_TOKEN}"

    refused = await api.put(
        "/api/v1/integrations/notion?validate=true",
        json={"token": "wrong-SECRET"},
        headers=alice.headers,
    )
    assert refused.status_code == 422
    assert "Notion refused" in refused.json()["error"]["message"]
    notion_ok = await api.put(
        "/api/v1/integrations/notion?validate=true",
        json={"token": notion.token},
        headers=alice.headers,
    )
    assert notion_ok.status_code == 200, notion_ok.text
    assert notion_ok.json()["account"] == "Fake bot"

    for body in (
        {"url": jira.base_url, "personal_token": jira.personal_token},
        {"url": jira.base_url, "username": jira.user, "api_token": jira.api_token},
    ):
        checked = await api.put(
            "/api/v1/integrations/jira?validate=true", json=body, headers=alice.headers
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()["account"] == jira.user
    assert jira.requests[-1].path == "/rest/api/2/myself"
    bad_jira = await api.put(
        "/api/v1/integrations/jira?validate=true",
        json={"url": jira.base_url, "personal_token": "nope"},
        headers=alice.headers,
    )
    assert bad_jira.status_code == 422
    # a refused check stores nothing: the earlier Jira credentials are still there
    listed = {
        i["service"]: i["set"]
        for i in (await api.get("/api/v1/integrations", headers=alice.headers)).json()
    }
    assert listed == {"github": True, "notion": True, "jira": True}
    assert "/rest/api/2/myself" in caplog.text  # the checks were logged (httpx, at DEBUG)...
    for secret in (ALICE_TOKEN, notion.token, jira.api_token, jira.personal_token, "SECRET"):
        assert secret not in caplog.text  # ...without a credential


async def test_validate_against_an_unreachable_service_is_502(
    web_settings: WebSettings,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async for api, app in _serve(
        web_settings,
        ToolSettings(github_api_url=f"http://127.0.0.1:{port}", allowed_internal_hosts="127.0.0.1"),
    ):
        alice = await register(api, "alice@example.org")
        response = await api.put(
            "/api/v1/integrations/github?validate=true",
            json={"token": "t-SECRET"},
            headers=alice.headers,
        )
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "upstream_error"
        assert await _raw_rows(app) == []


async def test_tools_use_the_callers_own_token(
    api: httpx.AsyncClient, github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    alice = await register(api, "alice@example.org")
    bob = await register(api, "bob@example.org")
    stored = await api.put(
        "/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers
    )
    assert stored.status_code == 200

    written = await _write_github_file(api, alice)
    assert written.status_code == 200, written.text
    assert written.json()["result"]["html_url"].endswith("/octo/hello/blob/main/docs/a.md")
    [put] = github.writes()
    assert put.headers["authorization"] in (f"token {ALICE_TOKEN}", f"Bearer {ALICE_TOKEN}")

    # Bob stored nothing; the server's own GITHUB_TOKEN is not shared by default.
    refused = await _write_github_file(api, bob)
    assert refused.status_code == 424, refused.text
    error = refused.json()["error"]
    assert error["code"] == "missing_credential"
    assert error["hint"] == "store yours with PUT /api/v1/integrations/github"
    assert len(github.writes()) == 1

    responses = [stored, written, refused]
    assert not any(ALICE_TOKEN in r.text or SERVER_TOKEN in r.text for r in responses)
    assert caplog.records  # the requests were logged...
    assert ALICE_TOKEN not in caplog.text  # ...without the token
    assert SERVER_TOKEN not in caplog.text


async def test_shared_credentials_only_for_services_a_user_did_not_store(
    web_settings: WebSettings, tool_settings: ToolSettings, github: FakeGitHub
) -> None:
    shared = web_settings.model_copy(update={"shared_credentials": True})
    async for api, _app in _serve(shared, tool_settings):
        alice = await register(api, "alice@example.org")
        bob = await register(api, "bob@example.org")
        await api.put(
            "/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers
        )
        assert (await _write_github_file(api, alice)).status_code == 200
        # Bob runs with the server's token, which this GitHub refuses: the fake saw it.
        bob_call = await _write_github_file(api, bob)
        assert bob_call.status_code == 502, bob_call.text
        seen = [r.headers.get("authorization", "") for r in github.requests]
        assert any(ALICE_TOKEN in auth for auth in seen)
        assert any(SERVER_TOKEN in auth for auth in seen)
        assert SERVER_TOKEN not in bob_call.text


def _github_writer() -> Any:
    """A model that asks for one GitHub file, then says what the tool returned (runs stream
    their model requests on the server, so it streams too)."""
    from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if len(messages) == 1:
            return ModelResponse(parts=[ToolCallPart("create_github_file", ARGS)])
        return ModelResponse(parts=[TextPart("done")])

    async def stream(
        messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        if len(messages) == 1:
            yield {0: DeltaToolCall("create_github_file", json.dumps(ARGS), tool_call_id="c1")}
        else:
            yield "done"

    return FunctionModel(respond, stream_function=stream, model_name="github-writer")


async def test_runs_use_the_callers_own_token(
    web_settings: WebSettings, tool_settings: ToolSettings, github: FakeGitHub
) -> None:
    from agent.settings import AgentSettings
    from web.runs.durable import build_durable_agent

    agent = build_durable_agent(AgentSettings(), model=_github_writer(), tools=TOOLS)
    app = create_app(web_settings, tool_settings=tool_settings, tools=TOOLS, agent=agent)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api,
    ):
        alice = await register(api, "alice@example.org")
        bob = await register(api, "bob@example.org")
        await api.put(
            "/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers
        )
        body = {"instruction": "write it", "auto_approve": ["create_github_file"]}
        done = await api.post("/api/v1/run", json=body, headers=alice.headers)
        assert done.status_code == 200, done.text
        [call] = done.json()["tool_calls"]
        assert call["result"]["html_url"].endswith("/octo/hello/blob/main/docs/a.md")
        [put] = github.writes()
        assert ALICE_TOKEN in put.headers["authorization"]
        refused = await api.post("/api/v1/run", json=body, headers=bob.headers)
        assert refused.status_code == 200, refused.text
        assert "integrations/github" in json.dumps(refused.json()["tool_calls"])
        assert len(github.writes()) == 1
        assert_no_secret_in_run_engine(web_settings, tool_settings, ALICE_TOKEN)


async def test_mcp_principal_carries_the_users_credentials(
    served: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    from web.mcp_mount import UserTokenVerifier

    api, app = served
    alice = await register(api, "alice@example.org")
    await api.put("/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers)
    created = await api.post("/api/v1/tokens", json={"name": "mcp"}, headers=alice.headers)
    assert created.status_code in (200, 201), created.text
    request = HTTPConnection({"type": "http", "headers": [], "query_string": b""})
    principal = await UserTokenVerifier(app.state.web).verify(created.json()["token"], request)
    assert principal is not None
    token = principal.context.credentials.github_token
    assert token is not None and token.get_secret_value() == ALICE_TOKEN
    assert principal.context.credentials.notion_token is None  # not stored, not shared


async def test_chat_uses_the_callers_own_token(
    web_settings: WebSettings, tool_settings: ToolSettings, github: FakeGitHub
) -> None:
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

    from agent.settings import AgentSettings
    from tests.web.conftest import sse_chunks, user_message
    from web.runs.durable import build_durable_agent

    async def stream(
        messages: list[ModelMessage], info: AgentInfo
    ) -> AsyncIterator[str | DeltaToolCalls]:
        if len(messages) == 1:
            call = DeltaToolCall("create_github_file", json.dumps(ARGS), tool_call_id="call-1")
            yield {0: call}
        else:
            yield "finished"  # the tool's result (or error) is in the stream already

    model = FunctionModel(stream_function=stream, model_name="github-writer")
    agent = build_durable_agent(AgentSettings(), model=model, tools=TOOLS)
    app = create_app(web_settings, tool_settings=tool_settings, tools=TOOLS, agent=agent)

    async def converse(person: Person) -> str:
        chat_id = str(uuid.uuid4())
        first = await api.post(
            "/api/v1/chat",
            json={"id": chat_id, "messages": [user_message("write it")]},
            headers=person.headers,
        )
        assert first.status_code == 200, first.text
        [request] = [c for c in sse_chunks(first.text) if c["type"] == "tool-approval-request"]
        part = {
            "type": "tool-create_github_file",
            "toolCallId": request["toolCallId"],
            "state": "approval-responded",
            "input": ARGS,
            "approval": {"id": request["toolCallId"], "approved": True},
        }
        messages = [user_message("write it"), {"id": "a1", "role": "assistant", "parts": [part]}]
        second = await api.post(
            "/api/v1/chat", json={"id": chat_id, "messages": messages}, headers=person.headers
        )
        assert second.status_code == 200, second.text
        return second.text

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api,
    ):
        alice = await register(api, "alice@example.org")
        bob = await register(api, "bob@example.org")
        await api.put(
            "/api/v1/integrations/github", json={"token": ALICE_TOKEN}, headers=alice.headers
        )
        answered = await converse(alice)
        assert "blob/main/docs/a.md" in answered
        [put] = github.writes()
        assert ALICE_TOKEN in put.headers["authorization"]
        refused = await converse(bob)
        assert "integrations/github" in refused
        assert len(github.writes()) == 1
        assert ALICE_TOKEN not in answered + refused
        assert_no_secret_in_run_engine(web_settings, tool_settings, ALICE_TOKEN)


def assert_no_secret_in_run_engine(
    web_settings: WebSettings, tool_settings: ToolSettings, secret: str
) -> None:
    """Scan every table of the run engine's system database: workflows ran, no credential."""
    import sqlalchemy as sa

    from web.runs.engine import SYSTEM_SCHEMA, system_database_url

    url = system_database_url(web_settings.database_url, tool_settings.data_dir)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = None if url.startswith("sqlite") else SYSTEM_SCHEMA
    seen_rows = 0
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names(schema=schema)
            assert "workflow_status" in tables and "operation_outputs" in tables
            for table in tables:
                reflected = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=connection)
                for row in connection.execute(sa.select(reflected)):
                    seen_rows += 1
                    for value in row:
                        assert secret.encode() not in _plain_bytes(value), f"found in {table}"
    finally:
        engine.dispose()
    assert seen_rows > 0  # the runs were recorded there


def _plain_bytes(value: object) -> bytes:
    """A stored value as bytes, and decoded too when it is base64 (DBOS's pickles are)."""
    import base64
    import binascii

    raw = value if isinstance(value, bytes) else str(value).encode()
    try:
        return raw + b"\0" + base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw
