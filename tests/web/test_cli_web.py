"""``fast-genai db upgrade`` and ``fast-genai users create`` on the default SQLite database."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from cli.main import app
from web.migrate import current
from web.settings import WebSettings


def test_db_upgrade_creates_the_default_sqlite_database() -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    url = WebSettings().database_url
    assert current(url) == "0006"
    assert "revision 0006" in result.output


def test_users_create_a_superuser_who_can_log_in() -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["users", "create", "--email", "admin@example.org", "--superuser", "--password-stdin"],
        input="adm1n-pass!\n",
    )
    assert result.exit_code == 0, result.output
    assert "created superuser admin@example.org" in result.output
    again = runner.invoke(
        app,
        ["users", "create", "--email", "admin@example.org", "--password-stdin"],
        input="adm1n-pass!\n",
    )
    assert again.exit_code == 2
    assert "exists already" in again.output
    weak = runner.invoke(
        app, ["users", "create", "--email", "x@example.org", "--password-stdin"], input="abc\n"
    )
    assert weak.exit_code == 2
    assert "at least 8 characters" in weak.output

    from fastapi_users.password import PasswordHelper
    from sqlalchemy import select

    from web.db import Database
    from web.models import User

    async def stored() -> User:
        db = Database.connect(WebSettings().database_url)
        async with db.sessions() as session:
            user = (await session.execute(select(User))).scalars().one()
        await db.close()
        return user

    user = asyncio.run(stored())
    assert user.is_superuser and user.is_active
    assert user.hashed_password != "adm1n-pass!"
    assert PasswordHelper().verify_and_update("adm1n-pass!", user.hashed_password)[0]
