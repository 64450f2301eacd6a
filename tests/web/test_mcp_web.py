"""``/mcp`` on the web app (uvicorn on loopback) through the SDK's real streamable HTTP client:
users' access tokens authenticate it, each user acts in their own workspace, a revoked or wrong
token gets 401 with ``WWW-Authenticate``, and foreign Host names are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from mcp.shared.exceptions import MCPError

from tests.fakes.github import FakeGitHub
from tests.fakes.loopback import serve_app
from tests.mcp_client import ACCEPT, INIT, connect, text_of
from tests.web.conftest import Person, register
from tools.registry import TOOLS
from tools.settings import ToolSettings
from web.app import create_app
from web.settings import WebSettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def web_settings(database_url: str, workspace: Path, tmp_path: Path) -> WebSettings:
    """Two workspaces: Bob may use only "shared", Alice only "alices"."""
    alices = tmp_path / "alices"
    alices.mkdir()
    (alices / "diary.txt").write_text("alice's own file\n")
    (workspace / "notes.txt").write_text("shared notes\n")
    return WebSettings(
        database_url=database_url,
        secret_key="test-secret-key-for-jwt-signing-0123456789",
        workspaces={"shared": str(workspace), "alices": str(alices)},
        workspace_readers={"shared": "bob@example.org", "alices": "alice@example.org"},
    )


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
async def api(base: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        yield http


async def token_for(api: httpx.AsyncClient, person: Person) -> tuple[str, str]:
    response = await api.post("/api/v1/tokens", json={"name": "mcp"}, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["token"]


async def test_tools_listed_and_called_as_the_tokens_user(
    api: httpx.AsyncClient, base: str, tmp_path: Path, workspace: Path
) -> None:
    alice = await register(api, "alice@example.org")
    bob = await register(api, "bob@example.org")
    _, alices_token = await token_for(api, alice)
    _, bobs_token = await token_for(api, bob)
    async with connect(base + "/mcp", alices_token) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS}
        diary = await client.call_tool("read_file", {"path": "diary.txt"})
        assert not diary.is_error, text_of(diary)
        assert diary.structured_content is not None
        assert "alice's own file" in text_of(diary)
        notes = await client.call_tool("read_file", {"path": "notes.txt"})
        assert notes.is_error  # the shared workspace is not Alice's
        made = await client.call_tool("create_file", {"path": "made.txt", "content": "hi"})
        assert not made.is_error, text_of(made)
    assert (tmp_path / "alices" / "made.txt").read_text() == "hi"
    async with connect(base + "/mcp", bobs_token) as client:
        notes = await client.call_tool("read_file", {"path": "notes.txt"})
        assert not notes.is_error and "shared notes" in text_of(notes)
        diary = await client.call_tool("read_file", {"path": "diary.txt"})
        assert diary.is_error
    assert not (workspace / "made.txt").exists()


async def test_no_wrong_or_jwt_tokens_are_401(api: httpx.AsyncClient, base: str) -> None:
    alice = await register(api, "alice@example.org")
    url = base + "/mcp"
    missing = await api.post(url, json=INIT, headers=ACCEPT)
    assert missing.status_code == 401
    # no error code for a missing token (RFC 6750 §3.1), and where OAuth clients find the
    # authorization server (RFC 9728 §5.1)
    assert missing.headers["www-authenticate"] == (
        f'Bearer realm="fast-genai", resource_metadata="{base}/.well-known/'
        'oauth-protected-resource/mcp"'
    )
    for authorization in (
        "Bearer fg_" + "x" * 43,
        "Bearer nonsense",
        alice.headers["Authorization"],
    ):
        wrong = await api.post(url, json=INIT, headers={**ACCEPT, "authorization": authorization})
        assert wrong.status_code == 401, authorization
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]


async def test_a_revoked_token_fails_at_once(api: httpx.AsyncClient, base: str) -> None:
    alice = await register(api, "alice@example.org")
    token_id, token = await token_for(api, alice)
    url = base + "/mcp"
    async with connect(url, token) as client:
        assert (await client.call_tool("read_file", {"path": "diary.txt"})).is_error is False
    revoked = await api.delete(f"/api/v1/tokens/{token_id}", headers=alice.headers)
    assert revoked.status_code == 204
    response = await api.post(
        url, json=INIT, headers={**ACCEPT, "authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    with pytest.raises(BaseException) as caught:
        async with connect(url, token) as client:
            await client.list_tools()
    leaves = [caught.value]
    while any(isinstance(leaf, BaseExceptionGroup) for leaf in leaves):
        leaves = [
            inner
            for leaf in leaves
            for inner in (leaf.exceptions if isinstance(leaf, BaseExceptionGroup) else [leaf])
        ]
    assert any(isinstance(leaf, MCPError) for leaf in leaves), leaves


async def test_a_token_used_over_mcp_shows_its_last_use(api: httpx.AsyncClient, base: str) -> None:
    alice = await register(api, "alice@example.org")
    _, token = await token_for(api, alice)
    async with connect(base + "/mcp", token) as client:
        await client.list_tools()
    [row] = (await api.get("/api/v1/tokens", headers=alice.headers)).json()
    assert row["last_used_at"] is not None


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"host": "evil.example"}, 421), ({"origin": "http://evil.example"}, 403)],
)
async def test_dns_rebinding_is_refused(
    api: httpx.AsyncClient, base: str, headers: dict[str, str], status: int
) -> None:
    alice = await register(api, "alice@example.org")
    _, token = await token_for(api, alice)
    response = await api.post(
        base + "/mcp", json=INIT, headers={**ACCEPT, "authorization": f"Bearer {token}", **headers}
    )
    assert response.status_code == status


async def test_mcp_calls_use_the_callers_stored_credentials(web_settings: WebSettings) -> None:
    alices_github = "ghp_alice_over_mcp_0123456789SECRET"
    github = FakeGitHub(token=alices_github)
    github.add_repo("octo/hello")
    args = {"repo": "octo/hello", "path": "docs/a.md", "content": "# A", "message": "Add a"}
    with github.running():
        tool_settings = ToolSettings(github_api_url=github.base_url, upstream_attempts=1)
        app = create_app(web_settings, tool_settings=tool_settings, tools=TOOLS)
        with serve_app(app) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as api:
                alice = await register(api, "alice@example.org")
                bob = await register(api, "bob@example.org")
                stored = await api.put(
                    "/api/v1/integrations/github",
                    json={"token": alices_github},
                    headers=alice.headers,
                )
                assert stored.status_code == 200, stored.text
                _, alices_token = await token_for(api, alice)
                _, bobs_token = await token_for(api, bob)
            async with connect(base + "/mcp", alices_token) as client:
                made = await client.call_tool("create_github_file", args)
                assert not made.is_error, text_of(made)
            [put] = github.writes()
            assert put.headers["authorization"] in (
                f"token {alices_github}",
                f"Bearer {alices_github}",
            )
            async with connect(base + "/mcp", bobs_token) as client:
                refused = await client.call_tool("create_github_file", args)
            assert refused.is_error
            assert "/api/v1/integrations/github" in text_of(refused)
            assert len(github.writes()) == 1


async def test_mcp_serves_again_after_a_restart_and_not_outside_the_lifespan(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        outside = await c.post("/mcp", json=INIT, headers=ACCEPT)
    assert outside.status_code == 503
    assert outside.json()["error"]["code"] == "unavailable"
    for email in ("alice@example.org", "bob@example.org"):
        with serve_app(app) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as api:
                person = await register(api, email)
                _, token = await token_for(api, person)
            async with connect(base + "/mcp", token) as client:
                assert len((await client.list_tools()).tools) == len(TOOLS)


async def test_a_user_with_no_workspace_is_refused(api: httpx.AsyncClient, base: str) -> None:
    carol = await register(api, "carol@example.org")
    _, token = await token_for(api, carol)
    response = await api.post(
        base + "/mcp", json=INIT, headers={**ACCEPT, "authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


@pytest.fixture
def web_settings_three(web_settings: WebSettings, tmp_path: Path) -> WebSettings:
    """The two workspaces plus "team", which Alice and Bob may both use (the default stays
    "shared", which only Bob may)."""
    team = tmp_path / "team"
    team.mkdir()
    (team / "plan.txt").write_text("the team's plan\n")
    return web_settings.model_copy(
        update={
            "workspaces": {**web_settings.workspaces, "team": str(team)},
            "workspace_readers": {
                **web_settings.workspace_readers,
                "team": "alice@example.org|bob@example.org",
            },
        }
    )


@pytest.mark.parametrize("how", ["query", "header"])
async def test_a_client_chooses_one_of_its_workspaces(
    web_settings_three: WebSettings, tmp_path: Path, how: str
) -> None:
    app = create_app(web_settings_three, tools=TOOLS)
    with serve_app(app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            alice = await register(api, "alice@example.org")
            _, token = await token_for(api, alice)

        def chosen(name: str) -> tuple[str, dict[str, str] | None]:
            if how == "query":
                return f"{base}/mcp?workspace={name}", None
            return f"{base}/mcp", {"X-Fast-Genai-Workspace": name}

        url, headers = chosen("team")
        async with connect(url, token, headers=headers) as client:
            plan = await client.call_tool("read_file", {"path": "plan.txt"})
            assert not plan.is_error and "the team's plan" in text_of(plan)
            diary = await client.call_tool("read_file", {"path": "diary.txt"})
            assert diary.is_error  # "alices" is not the workspace chosen
            made = await client.call_tool("create_file", {"path": "made.txt", "content": "t"})
            assert not made.is_error, text_of(made)
        assert (tmp_path / "team" / "made.txt").read_text() == "t"
        assert not (tmp_path / "alices" / "made.txt").exists()
        async with connect(base + "/mcp", token) as client:  # none named: her usual one
            diary = await client.call_tool("read_file", {"path": "diary.txt"})
            assert not diary.is_error and "alice's own file" in text_of(diary)

        async with httpx.AsyncClient(timeout=30) as http:
            for name in ("shared", "nowhere"):  # Bob's, and one that does not exist
                url, headers = chosen(name)
                response = await http.post(
                    url,
                    json=INIT,
                    headers={**ACCEPT, "authorization": f"Bearer {token}", **(headers or {})},
                )
                assert response.status_code == 404, response.text
                error = response.json()["error"]
                assert error["code"] == "not_found"
                assert error["message"] == f"no workspace named {name!r}; yours: alices, team"
            # a wrong token is 401 whatever workspace it names: no names are given away
            url, headers = chosen("shared")
            response = await http.post(
                url,
                json=INIT,
                headers={**ACCEPT, "authorization": "Bearer fg_" + "x" * 43, **(headers or {})},
            )
            assert response.status_code == 401
        url, headers = chosen("shared")
        with pytest.raises(BaseException) as caught:  # the SDK client fails on the 404 too
            async with connect(url, token, headers=headers) as client:
                await client.list_tools()
        leaves = _leaves(caught.value)
        assert any(isinstance(leaf, MCPError) and "Not Found" in str(leaf) for leaf in leaves)
    await app.state.web.db.close()


async def test_two_different_workspace_names_are_refused(api: httpx.AsyncClient, base: str) -> None:
    alice = await register(api, "alice@example.org")
    _, token = await token_for(api, alice)
    headers = {**ACCEPT, "authorization": f"Bearer {token}", "X-Fast-Genai-Workspace": "shared"}
    response = await api.post(base + "/mcp?workspace=alices", json=INIT, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_argument"
    assert "X-Fast-Genai-Workspace" in response.json()["error"]["message"]
    same = {**headers, "X-Fast-Genai-Workspace": "alices"}
    response = await api.post(base + "/mcp?workspace=alices", json=INIT, headers=same)
    assert response.status_code == 200, response.text


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
