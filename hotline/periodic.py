"""The app's background loops (the chat presence sweep, the routing ticker): one step every few
seconds; a failed step is logged and the loop goes on."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def every(seconds: float, step: Callable[[], Awaitable[None]], what: str) -> asyncio.Task:
    """Run `step` every `seconds` (after the first wait) until the task is cancelled."""
    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await step()
            except Exception:
                log.exception("%s failed", what)

    return asyncio.create_task(loop())


def cancel(task: asyncio.Task | None) -> None:
    """Stop a loop started by `every` (None: it never started)."""
    if task is not None:
        task.cancel()
