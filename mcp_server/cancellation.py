"""A tool call that knows at once when its request is cancelled.

On ``notifications/cancelled`` the SDK cancels the request's handler. A tool may take a while to
unwind (a worker finishing its file, a shielded clean-up), and whatever it reports meanwhile
must not reach the client: the request is over for it. ``run_call`` runs the tool in a child
task while the handler waits, so the cancellation lands on the waiting handler first and turns
``CallState.live`` off before the tool has unwound; progress checks it and stays silent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

T = TypeVar("T")


@dataclass
class CallState:
    """Whether the request is still live: not cancelled, not answered."""

    live: bool = True


async def run_call(work: Callable[[], Awaitable[T]], state: CallState) -> T:
    """``await work()``; ``state.live`` is ``False`` from the instant the call is cancelled."""
    outcome: list[T] = []
    finished = anyio.Event()

    async def body() -> None:
        try:
            outcome.append(await work())
        finally:
            finished.set()

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(body)
            try:
                await finished.wait()
            except anyio.get_cancelled_exc_class():
                state.live = False
                raise
    finally:
        state.live = False
    return outcome[0]
