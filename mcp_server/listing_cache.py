"""The MCP tool listing kept on disk, so a new stdio server answers ``tools/list`` at once.

Describing the registry's tools means building every tool's input and output JSON schema with
pydantic (about 60 ms of CPU for ten tools, most of a first ``tools/list``). The schemas follow
from the code alone, so the listing is written once to the cache folder and read back by later
processes while nothing it depends on has changed: the key covers the Python, pydantic and
fast-genai versions and the size and modification time of every module of the ``tools`` package
(where the parameters, results and descriptions are defined). A stale, unreadable or unwritable
file only costs the schemas being built again; it is never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import mcp_types as types
import pydantic
from pydantic import ValidationError

import tools

FORMAT = 1


def listing_key(names: Sequence[str]) -> str:
    """A digest of everything the registry's listing is derived from."""
    try:
        version = metadata.version("fast-genai")
    except metadata.PackageNotFoundError:
        version = "0"
    digest = hashlib.sha256()
    digest.update(
        json.dumps([FORMAT, sys.version, pydantic.VERSION, version, list(names)]).encode()
    )
    package = Path(tools.__file__).parent
    for module in sorted(package.rglob("*.py")):
        info = module.stat()
        digest.update(f"{module.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def cached_listing(
    path: Path, names: Sequence[str], build: Callable[[], list[types.Tool]]
) -> list[types.Tool]:
    """The listing stored at ``path`` if it is current, else ``build()`` (then stored)."""
    key = listing_key(names)
    try:
        stored = json.loads(path.read_bytes())
        if isinstance(stored, dict) and stored.get("key") == key:
            return [types.Tool.model_validate(tool) for tool in stored["tools"]]
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        pass
    listing = build()
    _store(path, key, listing)
    return listing


def _store(path: Path, key: str, listing: list[types.Tool]) -> None:
    body = {
        "key": key,
        "tools": [
            tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listing
        ],
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(body))
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
