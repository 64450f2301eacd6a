"""The registry's MCP tool listing kept on disk: read back equal, rebuilt when anything differs."""

from __future__ import annotations

import json
from pathlib import Path

import mcp_types as types

from mcp_server import adapter
from mcp_server.listing_cache import cached_listing, listing_key
from tools.registry import TOOLS


class CountingBuild:
    """Describes the registry's tools, counting how often it had to."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[types.Tool]:
        self.calls += 1
        return [adapter.describe(spec) for spec in TOOLS]


NAMES = [spec.name for spec in TOOLS]


def dumped(listing: list[types.Tool]) -> list[dict[str, object]]:
    return [tool.model_dump(mode="json", by_alias=True) for tool in listing]


def test_stored_listing_reads_back_equal_without_building(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "listing.json"
    build = CountingBuild()
    first = cached_listing(path, NAMES, build)
    assert path.is_file()
    second = cached_listing(path, NAMES, build)
    assert build.calls == 1
    assert dumped(second) == dumped(first) == dumped(CountingBuild()())
    assert [tool.name for tool in second] == NAMES


def test_other_tools_or_a_damaged_file_are_built_again(tmp_path: Path) -> None:
    path = tmp_path / "listing.json"
    build = CountingBuild()
    cached_listing(path, NAMES, build)
    assert listing_key(NAMES[:-1]) != listing_key(NAMES)
    cached_listing(path, NAMES[:-1], build)  # another tool set: another key
    assert build.calls == 2
    path.write_text('{"key": "x", "tools": [')
    assert dumped(cached_listing(path, NAMES, build)) == dumped(CountingBuild()())
    assert build.calls == 3
    path.write_text(json.dumps({"key": listing_key(NAMES), "tools": [{"name": 1}]}))
    assert dumped(cached_listing(path, NAMES, build)) == dumped(CountingBuild()())
    assert build.calls == 4


def test_an_unwritable_cache_folder_only_costs_a_rebuild(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    build = CountingBuild()
    listing = cached_listing(blocker / "listing.json", NAMES, build)
    assert [tool.name for tool in listing] == NAMES
    assert build.calls == 1
