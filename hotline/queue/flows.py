"""The queue's flows: one transaction per step, its events published after the commit. Contact
flows (`hotline.contacts.flows`), channels and the queue's own views call these; the ticker runs
the timers here."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline import periodic
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.service import list_categories
from hotline.events import bus
from hotline.queue import service
from routing.categorize import categorise

TICK_S = 0.5
Step = Callable[[Session, service.Config], Any]


def publish(events: service.Events) -> None:
    for topic, payload in events.items:
        bus.publish(topic, payload)


def run(state: Any, fn: Step) -> Any:
    """Run `fn(session, config)` in one transaction; publish its events after the commit."""
    config = service.Config.from_settings(state.settings)
    with session_scope(state.engine) as session:
        result = fn(session, config)
    if isinstance(result, service.Events):
        publish(result)
        if result.changed:
            publish_state(state)
    return result


def publish_state(state: Any) -> None:
    config = service.Config.from_settings(state.settings)
    with session_scope(state.engine) as session:
        snapshot = service.snapshot(session, config=config)
    bus.publish("queues", {"type": "state", **snapshot})


def then_dispatch(step: Step) -> Step:
    """`step`, then a dispatch round in the same transaction (the queue changed: offer what waits)."""
    def both(session: Session, config: service.Config) -> service.Events:
        events = step(session, config)
        events.items += service.dispatch(session, config=config).items
        return events

    return both


def route_now(state: Any, contact_id: int, texts: list[str], suggestions: dict | None) -> None:
    """After a citizen's utterance: categorise the contact from its latest texts (and the
    suggestions), queue it if it is still open and offer it; re-categorise it while it waits.
    Blocking: run it off the event loop (`hotline.contacts.said` does)."""
    def work(session: Session, config: service.Config) -> service.Events:
        contact = contacts.get_contact(session, contact_id)
        category = categorise(suggestions, texts[-3:], list_categories(session))
        if contact.status == "open":
            return then_dispatch(lambda s, c: service.enqueue(s, contact_id, category, config=c))(session, config)
        if contact.status == "queued" and category != "other":
            service.recategorise(session, contact_id, category)
        return service.Events()

    run(state, work)


async def route(state: Any, contact_id: int, texts: list[str], suggestions: dict | None) -> None:
    await run_in_threadpool(route_now, state, contact_id, texts, suggestions)


def enqueue_now(state: Any, contact_id: int, category_code: str) -> service.Events:
    """Queue a contact with a given category and offer it (a caller who said nothing recognisable)."""
    return run(state, then_dispatch(lambda s, c: service.enqueue(s, contact_id, category_code, config=c)))


async def contact_ended(state: Any, contact_id: int) -> None:
    """The contact is over: out of the queue, or its lawyer into wrap-up; then offer what waits."""
    await run_in_threadpool(run, state, then_dispatch(lambda s, c: service.contact_ended(s, contact_id, config=c)))


async def start_ticker(state: Any) -> None:
    last_state = 0.0

    async def tick() -> None:
        nonlocal last_state
        events = await run_in_threadpool(run, state, lambda s, c: service.tick(s, config=c))
        now = asyncio.get_running_loop().time()
        if not events.changed and now - last_state >= 1.0:
            await run_in_threadpool(publish_state, state)  # the queue wall's clock: once a second
            last_state = now

    state.routing_task = periodic.every(TICK_S, tick, "routing tick")


async def stop_ticker(state: Any) -> None:
    periodic.cancel(getattr(state, "routing_task", None))
