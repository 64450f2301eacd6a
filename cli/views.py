"""Per-result views for ``tools call``, keyed by result model name; JSON is the fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

View = Callable[[Console, Any], None]

VIEWS: dict[str, View] = {}
