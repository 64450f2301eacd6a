"""Tool arguments from the command line: ``--args '{"json": 1}'`` and ``key=value`` pairs."""

from __future__ import annotations

import json
from typing import Any


class ArgumentError(ValueError):
    """The command-line arguments cannot be turned into tool arguments."""


def parse_tool_arguments(
    args_json: str | None, pairs: list[str], *, string_fields: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Merge a JSON object and ``key=value`` pairs (pairs win).

    For a parameter in ``string_fields`` the value is taken as it is (``query=42`` searches for
    "42"); otherwise it is read as JSON when it parses (``limit=5``, ``regex=true``,
    ``labels=["a","b"]``) and as a plain string when it does not.
    """
    arguments: dict[str, Any] = {}
    if args_json:
        try:
            loaded = json.loads(args_json)
        except json.JSONDecodeError as exc:
            raise ArgumentError(
                f"--args is not valid JSON: {exc.msg} at column {exc.colno}"
            ) from exc
        if not isinstance(loaded, dict):
            raise ArgumentError('--args must be a JSON object, like \'{"path": "src"}\'')
        arguments.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ArgumentError(f"expected key=value, got {pair!r}")
        name = key.strip()
        arguments[name] = raw if name in string_fields else _value(raw)
    return arguments


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
