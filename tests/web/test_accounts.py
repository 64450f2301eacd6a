"""Sessions and accounts: logout revokes the JWT, registration modes (open, invite, closed),
registration that does not reveal a taken address, the request header cap, private files."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from typer.testing import CliRunner

from cli.main import app as cli_app
from tests.web.conftest import register
from tools.registry import TOOLS
from web.admin import create_invite_code, create_user
from web.app import create_app
from web.db import Database
from web.migrate import upgrade
from web.models import Invite, utcnow
from web.settings import WebSettings

pytestmark = pytest.mark.anyio
PASSWORD = "s3cret-pass!"


@asynccontextmanager
async def _client(settings: WebSettings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings, tools=TOOLS)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            yield http
    finally:
        await app.state.web.db.close()


def _mode(web_settings: WebSettings, mode: str) -> WebSettings:
    return web_settings.model_copy(update={"registration": mode})


async def _login(api: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await api.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})


async def test_logout_revokes_that_token_only(web_settings: WebSettings) -> None:
    async with _client(web_settings) as api:
        alice = await register(api, "alice@example.org")
        other = await _login(api, "alice@example.org", PASSWORD)  # a second device
        second = {"Authorization": f"Bearer {other.json()['access_token']}"}
        assert second != alice.headers  # same second, still two tokens (jti)
        assert (await api.get("/api/v1/users/me", headers=alice.headers)).status_code == 200
        out = await api.post("/api/v1/auth/jwt/logout", headers=alice.headers)
        assert out.status_code == 204
        for path in ("/api/v1/users/me", "/api/v1/conversations"):
            refused = await api.get(path, headers=alice.headers)
            assert refused.status_code == 401, path
        again = await api.post("/api/v1/auth/jwt/logout", headers=alice.headers)
        assert again.status_code == 401
        assert (await api.get("/api/v1/users/me", headers=second)).status_code == 200


async def test_registration_does_not_reveal_a_taken_address(web_settings: WebSettings) -> None:
    async with _client(web_settings) as api:
        new = await api.post(
            "/api/v1/auth/register", json={"email": "bob@example.org", "password": PASSWORD}
        )
        taken = await api.post(
            "/api/v1/auth/register",
            json={"email": "bob@example.org", "password": "an0ther-pass!"},
        )
        assert new.status_code == taken.status_code == 201
        assert set(new.headers) == set(taken.headers)
        new_body, taken_body = new.json(), taken.json()
        assert new_body.pop("id") != taken_body.pop("id")
        assert new_body == taken_body
        # the owner keeps the account; the second registration's password does not log in
        assert (await _login(api, "bob@example.org", PASSWORD)).status_code == 200
        assert (await _login(api, "bob@example.org", "an0ther-pass!")).status_code == 400
        # a bad password is refused the same way for a taken and a free address
        for email in ("bob@example.org", "nobody@example.org"):
            weak = await api.post(
                "/api/v1/auth/register", json={"email": email, "password": "short"}
            )
            assert weak.status_code == 400
            assert weak.json()["error"]["code"] == "register_invalid_password"


async def test_closed_registration_leaves_accounts_to_the_operator(
    web_settings: WebSettings,
) -> None:
    async with _client(_mode(web_settings, "closed")) as api:
        refused = await api.post(
            "/api/v1/auth/register", json={"email": "carol@example.org", "password": PASSWORD}
        )
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "registration_closed" and "users create" in error["hint"]
        await create_user(web_settings.database_url, "carol@example.org", PASSWORD)
        assert (await _login(api, "carol@example.org", PASSWORD)).status_code == 200


async def test_invite_registration(web_settings: WebSettings) -> None:
    url = web_settings.database_url
    async with _client(_mode(web_settings, "invite")) as api:

        async def attempt(email: str, invite: str | None, password: str = PASSWORD) -> int:
            body = {"email": email, "password": password, "invite": invite}
            return (await api.post("/api/v1/auth/register", json=body)).status_code

        assert await attempt("dan@example.org", None) == 403
        assert await attempt("dan@example.org", "fgi_made-up") == 403
        code = await create_invite_code(url, days=1)
        assert await attempt("dan@example.org", code, password="short") == 400  # not spent
        assert await attempt("dan@example.org", code) == 201
        assert await attempt("erin@example.org", code) == 403  # used once
        assert (await _login(api, "dan@example.org", PASSWORD)).status_code == 200

        expired = await create_invite_code(url, days=1)
        db = Database.connect(url)
        try:
            async with db.write() as session:
                await session.execute(
                    update(Invite)
                    .where(Invite.used_at.is_(None))  # type: ignore[union-attr]
                    .values(expires_at=utcnow() - timedelta(seconds=1))
                )
        finally:
            await db.close()
        assert await attempt("erin@example.org", expired) == 403


def test_users_invite_prints_a_code_that_registers() -> None:
    result = CliRunner().invoke(cli_app, ["users", "invite", "--days", "2"])
    assert result.exit_code == 0, result.output
    code = result.stdout.strip().splitlines()[0]
    assert code.startswith("fgi_")
    assert "FAST_GENAI_REGISTRATION=invite" in result.output  # the default mode is open

    async def use() -> int:
        settings = WebSettings(registration="invite", secret_key="k" * 40)
        async with _client(settings) as api:
            body = {"email": "fay@example.org", "password": PASSWORD, "invite": code}
            return (await api.post("/api/v1/auth/register", json=body)).status_code
        raise AssertionError("no client")

    import anyio

    assert anyio.run(use) == 201


async def test_oversized_headers_are_431(web_settings: WebSettings) -> None:
    async with _client(web_settings) as api:
        big = await api.get("/healthz", headers={"X-Filler": "a" * 20_000})
        assert big.status_code == 431
        assert big.json()["error"]["code"] == "headers_too_large"
        assert (await api.get("/healthz", headers={"X-Filler": "a" * 1_000})).status_code == 200


def _mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_and_data_dir_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    db_file = data / "fast-genai.db"
    upgrade(f"sqlite+aiosqlite:///{db_file}")
    assert _mode_of(data) == 0o700 and _mode_of(data.parent) == 0o700
    assert _mode_of(db_file) == 0o600

    with sqlite3.connect(db_file) as con:  # WAL, as the app runs it: -wal and -shm appear
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE probe (x INTEGER)")
        con.commit()
        for side in ("-wal", "-shm"):
            assert _mode_of(Path(f"{db_file}{side}")) == 0o600, side
    con.close()
    secret_dir = tmp_path / "secret-home"
    WebSettings().resolved_secret(secret_dir)
    assert _mode_of(secret_dir) == 0o700 and _mode_of(secret_dir / "secret_key") == 0o600


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    db_file = tmp_path / "old.db"
    upgrade(f"sqlite+aiosqlite:///{db_file}")
    db_file.chmod(0o644)
    upgrade(f"sqlite+aiosqlite:///{db_file}")
    assert _mode_of(db_file) == 0o600


def test_tool_writes_record_is_private(tmp_path: Path) -> None:
    from tools.integrations.write_log_sqlite import SqliteWriteLog

    path = tmp_path / "fresh" / "writes.sqlite"
    log = SqliteWriteLog(path)
    with log._connect():
        pass
    assert _mode_of(path) == 0o600 and _mode_of(path.parent) == 0o700
