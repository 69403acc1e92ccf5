"""The quality sampling sweep: every few seconds, read the audit log past the sweep's cursor
(contacts ended, ratings) and fill the inspection queue; from the database alone, so a
restarted or second worker carries on and nothing is sampled twice."""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.database import session_scope

SWEEP_S = 1.0


def run_once(engine: Any) -> int:
    from hotline.quality import service

    with session_scope(engine) as session:
        return len(service.sweep(session))


async def start(state: Any) -> None:
    async def step() -> None:
        await run_in_threadpool(run_once, state.engine)

    state.quality_task = periodic.every(SWEEP_S, step, "quality sampling sweep")


async def stop(state: Any) -> None:
    periodic.cancel(getattr(state, "quality_task", None))
