"""App factory, settings, health, errors, body cap, users."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Person, register
from web.settings import WebSettings, normalise_database_url

pytestmark = pytest.mark.anyio


def test_database_url_normalised_to_async_drivers() -> None:
    assert normalise_database_url("postgresql://u@h:5432/db") == "postgresql+asyncpg://u@h:5432/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("sqlite:////tmp/a.db") == "sqlite+aiosqlite:////tmp/a.db"
    assert normalise_database_url("postgresql+asyncpg://x/y") == "postgresql+asyncpg://x/y"


def test_default_database_is_a_sqlite_file_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WebSettings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("fast-genai/fast-genai.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert WebSettings().database_url == "postgresql+asyncpg://postgres@127.0.0.1/test"


def test_workspaces_and_origins_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAST_GENAI_WORKSPACES", f"main={tmp_path},docs=/srv/docs")
    monkeypatch.setenv("FAST_GENAI_CORS_ORIGINS", "http://a.test, http://b.test")
    settings = WebSettings()
    assert settings.workspaces == {"main": str(tmp_path), "docs": "/srv/docs"}
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert WebSettings().workspaces  # the default: the current directory
    monkeypatch.delenv("FAST_GENAI_WORKSPACES")
    assert WebSettings().workspaces == {"default": "."}


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = WebSettings()
    first = settings.resolved_secret(tmp_path)
    assert len(first) >= 40
    assert settings.resolved_secret(tmp_path) == first
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert WebSettings(secret_key="explicit").resolved_secret(tmp_path) == "explicit"


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_docs_and_openapi_under_api_v1(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/chat" in schema["paths"]
    assert "/api/v1/auth/jwt/login" in schema["paths"]


async def test_errors_have_one_json_shape(client: httpx.AsyncClient, alice: Person) -> None:
    missing = await client.post("/api/v1/tools/no_such_tool", json={}, headers=alice.headers)
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["code"] == "not_found"
    assert "no_such_tool" in error["message"]
    unauthenticated = await client.get("/api/v1/tools")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "unauthorized"
    invalid = await client.post(
        "/api/v1/tools/read_file", json={"arguments": {"path": 3}}, headers=alice.headers
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_argument"
    malformed = await client.post(
        "/api/v1/tools/read_file",
        content=b"{not json",
        headers={**alice.headers, "content-type": "application/json"},
    )
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "invalid_request"


async def test_oversized_bodies_are_refused(client: httpx.AsyncClient, alice: Person) -> None:
    big = {"arguments": {"path": "x" * 1_100_000}}
    response = await client.post("/api/v1/tools/read_file", json=big, headers=alice.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 100_000

    chunked = await client.post("/api/v1/tools/read_file", content=chunks(), headers=alice.headers)
    assert chunked.status_code == 413


async def test_register_login_me_logout(client: httpx.AsyncClient) -> None:
    person = await register(client, "carol@example.org")
    me = await client.get("/api/v1/users/me", headers=person.headers)
    assert me.status_code == 200
    assert me.json()["email"] == "carol@example.org"
    assert me.json()["is_superuser"] is False
    again = await client.post(
        "/api/v1/auth/register", json={"email": "carol@example.org", "password": "another-pass"}
    )
    assert again.status_code == 201  # a taken address is not revealed (tests/web/test_accounts.py)
    wrong = await client.post(
        "/api/v1/auth/jwt/login", data={"username": "carol@example.org", "password": "nope-nope"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "login_bad_credentials"
    weak = await client.post(
        "/api/v1/auth/register", json={"email": "dan@example.org", "password": "short"}
    )
    assert weak.status_code == 400
    assert "8 characters" in weak.json()["error"]["message"]
    out = await client.post("/api/v1/auth/jwt/logout", headers=person.headers)
    assert out.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=person.headers)).status_code == 401


async def test_register_cannot_make_a_superuser(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "eve@example.org", "password": "s3cret-pass!", "is_superuser": True},
    )
    assert response.status_code == 201
    assert response.json()["is_superuser"] is False


async def test_user_admin_is_for_superusers_only(
    client: httpx.AsyncClient, alice: Person, bob: Person, app: object
) -> None:
    forbidden = await client.get(f"/api/v1/users/{bob.id}", headers=alice.headers)
    assert forbidden.status_code == 403
    from web.admin import create_user

    settings = app.state.web.settings  # type: ignore[attr-defined]
    await create_user(settings.database_url, "root@example.org", "r00t-pass!", superuser=True)
    login = await client.post(
        "/api/v1/auth/jwt/login", data={"username": "root@example.org", "password": "r00t-pass!"}
    )
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
    seen = await client.get(f"/api/v1/users/{bob.id}", headers=admin)
    assert seen.status_code == 200
    assert seen.json()["email"] == "bob@example.org"
    patched = await client.patch(
        f"/api/v1/users/{bob.id}", json={"is_active": False}, headers=admin
    )
    assert patched.status_code == 200
    inactive = await client.get("/api/v1/users/me", headers=bob.headers)
    assert inactive.status_code == 401


async def test_null_in_a_user_update_changes_nothing(
    client: httpx.AsyncClient, alice: Person
) -> None:
    """Found by schemathesis: ``{"email": null}`` used to reach the database (500)."""
    response = await client.patch("/api/v1/users/me", json={"email": None}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["email"] == alice.email


async def test_cors_origins_are_configurable(web_settings: WebSettings) -> None:
    from web.app import create_app

    settings = web_settings.model_copy(update={"cors_origins": ["http://ui.example"]})
    app = create_app(settings, tools=())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await client.options(
            "/api/v1/chat", headers={"Origin": "http://ui.example", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "http://ui.example"
        other = await client.options(
            "/api/v1/chat", headers={"Origin": "http://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in other.headers
    await app.state.web.db.close()
