"""One metadata for fastapi-users' table and the SQLModel tables; the migration matches it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from web.db import Database
from web.models import Conversation, Message, User, metadata
from web.write_log import DatabaseWriteLog

pytestmark = pytest.mark.anyio

TABLES = {
    "user",
    "access_token",
    "conversation",
    "message",
    "pending_approval",
    "executed_write",
    "usage",
}


def test_user_table_is_on_the_sqlmodel_metadata() -> None:
    assert User.__table__.metadata is metadata
    assert set(metadata.tables) >= TABLES
    fk = next(iter(Conversation.__table__.foreign_keys))  # type: ignore[attr-defined]
    assert fk.column.table is User.__table__


async def test_create_all_makes_every_table_and_the_foreign_key_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        names = await connection.run_sync(lambda c: set(sa_inspect(c).get_table_names()))
    assert names >= TABLES
    user = User(id=uuid.uuid4(), email="a@example.org", hashed_password="x")
    async with db.sessions() as session, session.begin():
        session.add(user)
        await session.flush()
        session.add(Conversation(user_id=user.id, workspace="default"))
    async with db.sessions() as session:
        row = (await session.execute(select(Conversation))).scalars().one()
        owner = await session.get(User, row.user_id)
        assert owner is not None and owner.email == "a@example.org"
    with pytest.raises(IntegrityError):
        async with db.sessions() as session, session.begin():
            session.add(Conversation(user_id=uuid.uuid4(), workspace="default"))
    await db.close()


async def test_migration_creates_what_the_models_declare(database_url: str) -> None:
    """The Alembic head and the models agree (no pending autogenerate differences)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(sa_inspect(c).get_table_names()))
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), metadata)
        )
    await engine.dispose()
    assert names >= TABLES
    assert diff == []


async def test_deleting_a_user_cascades_to_conversations_and_messages(database_url: str) -> None:
    db = Database.connect(database_url)
    user = User(id=uuid.uuid4(), email="b@example.org", hashed_password="x")
    async with db.sessions() as session, session.begin():
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=user.id, workspace="default")
        session.add(conversation)
        await session.flush()
        session.add(Message(conversation_id=conversation.id, seq=1, kind="request", data="[]"))
    async with db.sessions() as session, session.begin():
        await session.delete(await session.get(User, user.id))
    async with db.sessions() as session:
        assert (await session.execute(select(Message))).scalars().all() == []
        assert (await session.execute(select(Conversation))).scalars().all() == []
    await db.close()


async def test_write_log_on_the_database(database_url: str) -> None:
    db = Database.connect(database_url)
    log = DatabaseWriteLog(db)
    assert await log.find("create_file", "k1", within_seconds=600) is None
    await log.add("create_file", "k1", actor="u1", result={"path": "a.txt"})
    found = await log.find("create_file", "k1", within_seconds=600)
    assert found is not None
    assert found.result == {"path": "a.txt"}
    assert found.actor == "u1"
    assert found.created_at.tzinfo is not None
    assert await log.find("create_file", "k2", within_seconds=600) is None
    assert await log.find("other_tool", "k1", within_seconds=600) is None
    await db.close()


async def test_write_log_records_a_start_then_its_result(database_url: str) -> None:
    db = Database.connect(database_url)
    log = DatabaseWriteLog(db)
    attempt = await log.begin("create_notion_page", "k1", actor="u1")
    started = await log.find("create_notion_page", "k1", within_seconds=600)
    assert started is not None and not started.completed and started.result == {}
    await log.complete(attempt, {"url": "https://notion.so/p"})
    done = await log.find("create_notion_page", "k1", within_seconds=600)
    assert done is not None and done.completed and done.result == {"url": "https://notion.so/p"}
    refused = await log.begin("create_notion_page", "k2", actor="u1")
    await log.abandon(refused)
    assert await log.find("create_notion_page", "k2", within_seconds=600) is None
    await log.abandon(attempt)  # a completed write is never removed
    assert await log.find("create_notion_page", "k1", within_seconds=600) is not None
    await db.close()
