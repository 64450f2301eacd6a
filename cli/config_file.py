"""Reading and writing the flat TOML config file that ``fast-genai config set`` manages."""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any


class ConfigFileError(ValueError):
    """The config file cannot be read or a value cannot be stored in it."""


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"the config file {path} is not valid TOML: {exc}") from exc


def save(path: Path, values: dict[str, Any]) -> None:
    """Write ``values`` atomically, readable only by the owner (it may hold tokens)."""
    lines = ["# fast-genai configuration (written by `fast-genai config set`)"]
    lines += [f"{key} = {_toml_value(key, value)}" for key, value in sorted(values.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        Path(tmp).chmod(0o600)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _toml_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):  # mcp_servers: an array of inline tables
        return "[" + ", ".join(_toml_value(key, item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))} = {_toml_value(key, v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise ConfigFileError(f"{key}: cannot store a {type(value).__name__} in the config file")
