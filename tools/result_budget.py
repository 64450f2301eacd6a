"""The result size budget: how many bytes of JSON a tree-wide tool result may hold.

A tree-wide tool (list_files, search_code, code_outline of a directory) adds items to its answer
as it produces them and stops when the next one would not fit, marking the result truncated and
saying how to get the rest. Memory then grows with the answer, not with the tree, and no MCP
client or model context receives more than ``ToolSettings.max_result_bytes``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass
class ResultBudget:
    """Bytes left for the items of one result (its fixed fields already counted)."""

    left: int

    def take(self, size: int, *, reserve: int = 0) -> bool:
        """Spend ``size`` bytes (plus a separating comma) if they fit with ``reserve`` more
        still free (e.g. for a continuation cursor naming this item); whether they did."""
        if size + 1 + reserve > self.left:
            return False
        self.left -= size + 1
        return True


def json_size(text: str) -> int:
    """Bytes of a JSON text encoded as UTF-8 (what a client receives)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


_PLAIN = re.compile(r'[^\x20-\x7e]|["\\]')
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def string_bytes(text: str) -> int:
    """Bytes of ``text`` as a JSON string (UTF-8, quotes included), counted without writing it
    when it is printable ASCII with nothing to escape (nearly every path and line of code)."""
    if _PLAIN.search(text) is None:
        return len(text) + 2
    return json_size(_dumps(text))
