"""Rotating the server secret: stored credentials stay readable through
``FAST_GENAI_PREVIOUS_SECRET_KEYS``, ``fast-genai integrations rekey`` re-encrypts them with the
new key, and a value no configured key decrypts is reported, never used."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from cli.main import app as cli
from tests.web.conftest import register
from tools.registry import TOOLS
from tools.settings import ToolSettings
from web.app import create_app
from web.context import user_credentials
from web.integrations.secret_box import SecretBox, UndecryptableSecret, derive_key
from web.models import User
from web.settings import WebSettings

pytestmark = pytest.mark.anyio

OLD, NEW = "old-secret-key-0123456789-abcdefghij", "new-secret-key-0123456789-abcdefghij"
TOKEN = "ghp_rotation_SECRET_value"


def test_the_key_is_derived_not_the_secret_itself() -> None:
    key = derive_key(OLD)
    assert key == derive_key(OLD) != derive_key(NEW)
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert OLD.encode() not in base64.urlsafe_b64decode(key)


def test_previous_keys_decrypt_and_rotate_moves_to_the_current_one() -> None:
    stored = SecretBox.from_secrets(OLD).encrypt(TOKEN)
    assert TOKEN not in stored
    rotated_box = SecretBox.from_secrets(NEW, [OLD])
    assert rotated_box.decrypt(stored) == TOKEN
    with pytest.raises(UndecryptableSecret):
        SecretBox.from_secrets(NEW).decrypt(stored)
    moved = rotated_box.rotate(stored)
    assert SecretBox.from_secrets(NEW).decrypt(moved) == TOKEN
    with pytest.raises(UndecryptableSecret):
        SecretBox.from_secrets(OLD).decrypt(moved)


async def _serve(settings: WebSettings) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(settings, tool_settings=ToolSettings(), tools=TOOLS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client, app
    await app.state.web.db.close()


async def _github_token(app: FastAPI, user_id: uuid.UUID) -> str | None:
    state = app.state.web
    async with state.db.sessions() as session:
        user = await session.get(User, user_id)
    assert user is not None
    token = (await user_credentials(state, user)).github_token
    return None if token is None else token.get_secret_value()


async def test_rotation_end_to_end(
    web_settings: WebSettings, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    old = web_settings.model_copy(update={"secret_key": SecretStr(OLD)})
    async for client, app in _serve(old):
        alice = await register(client, "alice@example.org")
        stored = await client.put(
            "/api/v1/integrations/github", json={"token": TOKEN}, headers=alice.headers
        )
        assert stored.status_code == 200
        assert await _github_token(app, alice.id) == TOKEN

    # the new key, with the old one still accepted: nothing breaks meanwhile
    rotating = web_settings.model_copy(
        update={"secret_key": SecretStr(NEW), "previous_secret_keys": [SecretStr(OLD)]}
    )
    async for _client, app in _serve(rotating):
        assert await _github_token(app, alice.id) == TOKEN

    result = await _rekey(
        {
            "DATABASE_URL": database_url,
            "FAST_GENAI_SECRET_KEY": NEW,
            "FAST_GENAI_PREVIOUS_SECRET_KEYS": OLD,
        }
    )
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 stored credential(s)" in result.output

    new_only = web_settings.model_copy(update={"secret_key": SecretStr(NEW)})
    async for _client, app in _serve(new_only):
        assert await _github_token(app, alice.id) == TOKEN

    # the old key alone no longer decrypts it: the value is not used, the log says why
    caplog.set_level(logging.DEBUG)
    async for client, app in _serve(old):
        assert await _github_token(app, alice.id) is None
        held = await client.post(
            "/api/v1/tools/create_github_file",
            json={"arguments": {"repo": "o/r", "path": "a.md", "content": "x", "message": "m"}},
            headers=(await _login(client, alice.email, alice.password)),
        )
        approval = held.json()["approval"]["id"]
        refused = await client.post(
            f"/api/v1/approvals/{approval}",
            json={"approved": True},
            headers=await _login(client, alice.email, alice.password),
        )
        assert refused.status_code == 424
        assert "integrations/github" in refused.json()["error"]["hint"]
    assert "cannot be decrypted" in caplog.text
    assert TOKEN not in caplog.text

    # rekey without the key it was stored with: reported, exit code 1, the row left alone
    failed = await _rekey({"DATABASE_URL": database_url, "FAST_GENAI_SECRET_KEY": OLD})
    assert failed.exit_code == 1
    assert "cannot decrypt the github of" in failed.output


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    """A fresh login (a JWT signed with the old key does not survive the rotation)."""
    response = await client.post(
        "/api/v1/auth/jwt/login", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _rekey(env: dict[str, str]) -> Result:
    """``fast-genai integrations rekey`` (in a thread: the command runs its own event loop)."""
    return await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(cli, ["integrations", "rekey"], env=env)
    )
