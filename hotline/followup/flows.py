"""The follow-up sweep: every few seconds, read the audit log past the sweep's cursor (ratings,
wrap-ups, ended contacts) and create the follow-up tasks they call for. The log is the record,
so a restarted or second worker carries on from the cursor and no entry is acted on twice."""
from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.database import session_scope
from hotline.events import bus

SWEEP_S = 1.0


def run_once(engine: Any) -> int:
    from hotline.followup import service

    with session_scope(engine) as session:
        created = service.sweep(session)
        return len(created)


async def start(state: Any) -> None:
    async def step() -> None:
        if await run_in_threadpool(run_once, state.engine):
            bus.publish("followup", {"type": "followup_changed"})

    state.followup_task = periodic.every(SWEEP_S, step, "follow-up sweep")


async def stop(state: Any) -> None:
    periodic.cancel(getattr(state, "followup_task", None))
