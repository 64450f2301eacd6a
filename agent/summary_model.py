"""The model ``summarize`` uses, built on the first call that needs one.

Building it loads pydantic-ai and google-genai (about two seconds), so the MCP server does not
build it at start-up: tools with ``credential="model"`` get it on their first call. Without a
configured key the tools run without a model (``summarize`` then gives a structural summary).
Use it as an async context manager: leaving closes the model's HTTP client.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from pydantic_ai.models import Model


@dataclass
class LazySummaryModel:
    """``await provider.get()``: the configured summary model, or ``None`` without a key."""

    _model: Model | None = None
    _built: bool = False
    _lock: anyio.Lock = field(default_factory=anyio.Lock)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def __aenter__(self) -> LazySummaryModel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def get(self) -> Model | None:
        async with self._lock:
            if not self._built:
                model = self._build()
                self._model = await self._stack.enter_async_context(model) if model else None
                self._built = True
            return self._model

    @staticmethod
    def _build() -> Model | None:
        from agent.errors import MissingModelKey
        from agent.model import build_model
        from agent.settings import AgentSettings

        settings = AgentSettings()
        try:
            return build_model(settings, settings.summary_model)
        except MissingModelKey:
            return None
