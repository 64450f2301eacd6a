"""Showing an agent run in the terminal as it happens.

The answer streams to stdout as the model writes it; each tool call is one short line on stderr
(tool, key argument, then result size or failure), so ``ask ... > answer.md`` keeps only the answer.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from pydantic_ai.messages import (
    AgentStreamEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
)

KEY_ARGUMENTS = ("path", "query", "pattern", "url", "repo", "title", "summary", "name", "text")


def key_argument(args: dict[str, Any]) -> str:
    """The argument that best says what a call is about, shortened."""
    for name in KEY_ARGUMENTS:
        value = args.get(name)
        if isinstance(value, str) and value:
            return f"{name}={_short(value)!r}"
    for name, value in args.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return f"{name}={_short(str(value))!r}"
    return ""


def human_size(chars: int) -> str:
    if chars < 1000:
        return f"{chars} chars"
    if chars < 1_000_000:
        return f"{chars / 1000:.1f}k chars"
    return f"{chars / 1_000_000:.1f}M chars"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ToolLine:
    """One tool call as the JSON output reports it."""

    tool: str
    args: dict[str, Any]
    outcome: str = "pending"
    size: int = 0
    message: str | None = None


@dataclass
class StreamView:
    """An ``on_event`` handler for ``agent.run.run_agent``; quiet mode only records."""

    quiet: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    calls: dict[str, ToolLine] = field(default_factory=dict)
    progress_interval: float = 1.0
    _at_line_start: bool = True
    _last_progress: float = float("-inf")

    async def __call__(self, event: AgentStreamEvent) -> None:
        if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
            self._text(event.part.content)
        elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
            self._text(event.delta.content_delta)
        elif isinstance(event, FunctionToolCallEvent):
            self._call(event)
        elif isinstance(event, FunctionToolResultEvent):
            self._result(event)

    def end_answer(self) -> None:
        """End the streamed answer with a newline, if it did not end with one."""
        if not self._at_line_start:
            self._write(self.out, "\n")
            self._at_line_start = True

    def note(self, message: str, *, always: bool = False) -> None:
        """A line on stderr (tool calls, notices), after any open answer line.

        Quiet mode (``--json``) drops it unless ``always`` (approval questions).
        """
        if self.quiet and not always:
            return
        self.end_answer()
        self._write(self.err, message + "\n")

    def progress(self, done: float, total: float | None, message: str | None) -> None:
        """A progress line from a long tool, at most one per ``progress_interval`` seconds."""
        now = time.monotonic()
        finished = total is not None and done >= total
        if now - self._last_progress < self.progress_interval and not finished:
            return
        self._last_progress = now
        amount = f"{done:g}/{total:g}" if total else f"{done:g}"
        self.note(f"  … {message or amount}")

    def _text(self, text: str) -> None:
        if self.quiet or not text:
            return
        self._write(self.out, text)
        self._at_line_start = text.endswith("\n")

    def _call(self, event: FunctionToolCallEvent) -> None:
        part = event.part
        args = part.args_as_dict()
        self.calls[part.tool_call_id] = ToolLine(tool=part.tool_name, args=args)
        if event.args_valid is None:  # resumed deferred call: shown when approved
            return
        self.note(f"→ {part.tool_name} {key_argument(args)}".rstrip())

    def _result(self, event: FunctionToolResultEvent) -> None:
        part = event.part
        line = self.calls.setdefault(part.tool_call_id, ToolLine(tool=part.tool_name, args={}))
        content = part.model_response_str(wrap_if_error=False)
        line.outcome = part.outcome
        line.size = len(content)
        if part.outcome == "success":
            self.note(f"  ← {part.tool_name}: {human_size(line.size)}")
            return
        line.message = _short(content, 200)
        self.note(f"  ← {part.tool_name} {part.outcome}: {line.message}")

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()


def call_json(line: ToolLine) -> dict[str, Any]:
    data: dict[str, Any] = {"tool": line.tool, "args": line.args, "outcome": line.outcome}
    data["result_chars"] = line.size
    if line.message:
        data["message"] = line.message
    return data


def args_text(args: dict[str, Any]) -> str:
    return json.dumps(args, ensure_ascii=False, indent=2, default=str)
