"""Departed citizens: a background task ends the chats whose citizen stays away past
`chat_abandon_after_s` / `chat_idle_end_after_s`, through the same end path as an `end` frame
(the socket itself is `hotline.chat.views`)."""
from __future__ import annotations

import functools
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.chat import waiting
from hotline.contacts import flows
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.events import bus

log = logging.getLogger("hotline.chat")
SWEEP_S = 1.0  # how often each process looks for chats whose citizen has gone


# -- departed citizens ------------------------------------------------------------------------------
async def sweep_once(state: Any) -> list[int]:
    """End the chats whose citizen has been gone past the grace period (see
    contacts.service.sweep_departed_chats); returns their ids."""
    present = list(state.chat_bound)
    settings = state.settings

    def work() -> list[tuple[int, dict[str, Any]]]:
        with session_scope(state.engine) as session:
            return contacts.sweep_departed_chats(session, abandon_after_s=settings.chat_abandon_after_s,
                                                 idle_end_after_s=settings.chat_idle_end_after_s, present=present)

    ended = await run_in_threadpool(work)
    for contact_id, notice in ended:
        log.info("chat contact %s ended: the citizen did not come back", contact_id)
        bus.publish(f"contact:{contact_id}", notice)  # 市民已离开会话 for the lawyer's console
        await flows.contact_ended(state, contact_id)
    return [contact_id for contact_id, _ in ended]


async def start_presence(state: Any) -> None:
    """Start-up: chats left running by the previous process lost their sockets with it (citizens
    still there reconnect within seconds and clear the mark); then sweep periodically."""
    def mark() -> int:
        with session_scope(state.engine) as session:
            return contacts.mark_chats_departed(session)

    marked = await run_in_threadpool(mark)
    if marked:
        log.info("%d running chat(s) wait for their citizen to reconnect", marked)

    state.chat_sweep_task = periodic.every(SWEEP_S, functools.partial(sweep_once, state), "chat presence sweep")
    await waiting.start(state)  # waiting citizens hear their place in the queue


async def stop_presence(state: Any) -> None:
    periodic.cancel(getattr(state, "chat_sweep_task", None))
    await waiting.stop(state)
