"""The SQLite record of executed writes and the write-once rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from tools.context import ToolContext
from tools.errors import UpstreamError, WriteInterrupted
from tools.integrations.write_log_sqlite import SqliteWriteLog, write_log_for
from tools.integrations.write_once import WriteOutcome, write_key, write_once
from tools.settings import ToolSettings

pytestmark = pytest.mark.anyio


class Made(WriteOutcome):
    serial: int


async def test_find_within_the_window(tmp_path: Path) -> None:
    log = SqliteWriteLog(tmp_path / "sub" / "writes.sqlite")
    assert await log.find("t", "k", within_seconds=60) is None
    await log.add("t", "k", actor="u1", result={"id": 1})
    await log.add("t", "k", actor="u1", result={"id": 2})
    found = await log.find("t", "k", within_seconds=60)
    assert found is not None and found.result == {"id": 2} and found.actor == "u1"
    assert await log.find("t", "other", within_seconds=60) is None
    assert await log.find("t", "k", within_seconds=0) is None


def test_key_ignores_order_and_separates_actors() -> None:
    a = write_key("tool", {"x": 1, "y": [1, 2]}, None)
    assert a == write_key("tool", {"y": [1, 2], "x": 1}, None)
    assert a != write_key("tool", {"x": 1, "y": [1, 2]}, "someone")
    assert a != write_key("other", {"x": 1, "y": [1, 2]}, None)


async def test_write_once(workspace: Path) -> None:
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(write_dedupe_seconds=60))
    calls = 0

    async def perform() -> Made:
        nonlocal calls
        calls += 1
        return Made(serial=calls)

    first = await write_once(ctx, "t", {"a": 1, "dry_run": False}, perform, Made)
    second = await write_once(ctx, "t", {"a": 1, "dry_run": True}, perform, Made)
    third = await write_once(ctx, "t", {"a": 2}, perform, Made)
    assert (first.serial, second.serial, third.serial) == (1, 1, 2)
    assert not first.deduplicated and second.deduplicated and second.recorded_at is not None
    assert isinstance(write_log_for(ctx), SqliteWriteLog)


async def test_a_zero_window_always_writes(workspace: Path) -> None:
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(write_dedupe_seconds=0))
    calls = 0

    async def perform() -> Made:
        nonlocal calls
        calls += 1
        return Made(serial=calls)

    await write_once(ctx, "t", {"a": 1}, perform, Made)
    again = await write_once(ctx, "t", {"a": 1}, perform, Made)
    assert again.serial == 2 and not again.deduplicated


async def test_create_file_records_executed_writes_without_deduplicating(workspace: Path) -> None:
    from tools.files.create_file import create_file

    ctx = ToolContext.local(str(workspace), settings=ToolSettings(write_dedupe_seconds=60))
    log = write_log_for(ctx)
    arguments = {"path": "notes/a.md", "content": "one\n", "overwrite": True}
    key = write_key("create_file", arguments, None)

    await create_file(ctx, "notes/a.md", "one\n", overwrite=True, dry_run=True)
    assert await log.find("create_file", key, within_seconds=60) is None  # a dry run is not
    first = await create_file(ctx, "notes/a.md", "one\n", overwrite=True)
    record = await log.find("create_file", key, within_seconds=60)
    assert record is not None and record.result == first.model_dump(mode="json")
    assert record.result["created"] is True and record.result["path"] == "notes/a.md"

    (workspace / "notes" / "a.md").unlink()  # the same call again must write, not replay
    again = await create_file(ctx, "notes/a.md", "one\n", overwrite=True)
    assert again.created and (workspace / "notes" / "a.md").read_text() == "one\n"
    import sqlite3

    assert isinstance(log, SqliteWriteLog)
    with sqlite3.connect(log.path) as db:
        rows = db.execute("SELECT key FROM writes WHERE tool = 'create_file'").fetchall()
    assert rows == [(key,), (key,)]  # two executed writes, two records


async def test_a_started_write_never_completed_is_not_sent_again(workspace: Path) -> None:
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(write_dedupe_seconds=60))
    log = write_log_for(ctx)
    sent = 0

    async def perform() -> Made:
        nonlocal sent
        sent += 1
        return Made(serial=sent)

    # What a process killed mid-call leaves: the start, no result.
    await log.begin("t", write_key("t", {"a": 1}, None), actor=None)
    with pytest.raises(WriteInterrupted, match="interrupted before its result was recorded"):
        await write_once(ctx, "t", {"a": 1}, perform, Made)
    assert sent == 0
    assert (await write_once(ctx, "t", {"a": 2}, perform, Made)).serial == 1  # other arguments


async def test_a_write_the_service_refused_can_be_retried_at_once(workspace: Path) -> None:
    ctx = ToolContext.local(str(workspace), settings=ToolSettings(write_dedupe_seconds=60))
    attempts = 0

    async def refused_once() -> Made:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise UpstreamError("rate limited", service="fake", upstream_status=429)
        return Made(serial=attempts)

    with pytest.raises(UpstreamError):
        await write_once(ctx, "t", {"a": 1}, refused_once, Made)
    assert (await write_once(ctx, "t", {"a": 1}, refused_once, Made)).serial == 2
    again = await write_once(ctx, "t", {"a": 1}, refused_once, Made)
    assert again.deduplicated and again.serial == 2 and attempts == 2


def test_a_write_log_file_from_before_starts_were_recorded_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "writes.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE writes (id INTEGER PRIMARY KEY AUTOINCREMENT, tool TEXT NOT NULL, "
            "key TEXT NOT NULL, actor TEXT, result TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO writes (tool, key, result, created_at) VALUES ('t', 'k', '{}', ?)",
            (datetime.now(UTC).isoformat(),),
        )
    found = anyio.run(lambda: SqliteWriteLog(path).find("t", "k", within_seconds=60))
    assert found is not None and found.completed
