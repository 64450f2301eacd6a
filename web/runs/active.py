"""Runs in progress, by conversation id, so ``/stop`` (or a disconnect) can cancel them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import CancellationToken


@dataclass
class RunRegistry:
    _tokens: dict[uuid.UUID, CancellationToken] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def start(self, conversation_id: uuid.UUID) -> CancellationToken | None:
        """A token for a new run, or ``None`` when one is already running there."""
        if conversation_id in self._tokens:
            return None
        token = CancellationToken()
        self._tokens[conversation_id] = token
        return token

    def finish(self, conversation_id: uuid.UUID, token: CancellationToken) -> None:
        if self._tokens.get(conversation_id) is token:
            del self._tokens[conversation_id]

    def running(self, conversation_id: uuid.UUID) -> bool:
        return conversation_id in self._tokens

    def stop(self, conversation_id: uuid.UUID) -> bool:
        token = self._tokens.get(conversation_id)
        if token is None:
            return False
        token.cancel()
        return True

    def keep(self, conversation_id: uuid.UUID, task: asyncio.Task[Any]) -> None:
        """Hold a reference to a run's task until it ends (the event loop only keeps weak ones)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Stop every run and wait for them to record their state (at shutdown)."""
        for token in list(self._tokens.values()):
            token.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
