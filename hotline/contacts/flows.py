"""One flow per domain event of a contact, the same for every channel (chat, voice, any later one):

- `citizen_said`: a citizen's utterance was stored (a chat message, a final ASR result) and
  acknowledged: off the event loop (`hotline.contacts.said`), the citizen's latest texts are read
  once; suggestions for the console come from them (searched outside any transaction), then
  routing categorises the contact, queues it while it is open and offers it
  (`hotline.queue.flows.route_now`);
- `contact_answered`: a lawyer accepted the contact's offer: it is theirs, the case too (首问负责);
  the channel hears it on the bus (`status` active: the chat shows the lawyer, a call is bridged);
- `contact_ended`: after the commit of a contact's end: out of the queue or its lawyer into
  wrap-up, then the events.

Channels store the utterance or end the contact in their own transaction, then call these."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from hotline.assist import service as assist
from hotline.contacts import service as contacts
from hotline.contacts.models import Channel, Contact, ContactStatus, Utterance
from hotline.contacts.said import SaidQueue
from hotline.database import session_scope
from hotline.events import bus
from hotline.queue import flows as queue_flows
from hotline.queue import service as queue
from hotline.safety import flows as safety

log = logging.getLogger("hotline.contacts.flows")


def citizen_said(state: Any, contact_id: int, utterance_id: int, search: bool = True) -> dict[str, Any] | None:
    """Suggestions (published on `contact:<id>`), then routing; returns the suggestions event.
    Blocking (database, knowledge base): `start` runs it in the `SaidQueue`'s threads.
    `search` False: the queue is over its bound, route without searching."""
    settings = state.settings

    def read() -> tuple[list[str], bool]:
        with session_scope(state.engine) as session:
            contact = contacts.get_contact(session, contact_id)
            return contacts.citizen_texts(session, contact_id), contact.channel == Channel.call

    texts, spoken = read()
    event = None
    kb = state.kb.kb
    if search and settings.assist_test_delay_s:  # tests only: the search made slow on purpose
        time.sleep(settings.assist_test_delay_s)
    if search and kb is not None:
        try:
            found = assist.search(kb, texts, spoken=spoken, top=settings.suggestion_top)
            if found is not None:
                with session_scope(state.engine) as session:
                    event = assist.store_suggestions(session, contact_id, utterance_id, *found,
                                                     top=settings.suggestion_top)
        except Exception:
            log.exception("suggestions failed for contact %s", contact_id)
    if event is not None:
        bus.publish(f"contact:{contact_id}", event)
    try:
        queue_flows.route_now(state, contact_id, texts, event)
    except Exception:
        log.exception("routing failed for contact %s", contact_id)
    return event


def install(state: Any) -> SaidQueue:
    """The app's queue for the work after utterances (`create_app` calls this)."""
    settings = state.settings
    state.said = SaidQueue(lambda c, u, s: citizen_said(state, c, u, s), workers=settings.assist_workers,
                           limit=settings.assist_queue)
    return state.said


def start(state: Any, contact_id: int, utterance_id: int) -> asyncio.Task:
    """After a stored utterance (the caller has already answered the citizen): the safety rules
    first (cheap, and not behind the suggestion queue: danger's guidance and priority come at
    once), then the suggestions and routing through `state.said`. The task completes when both
    are done (the voice stream waits for its own before it reports being finished); the app
    holds it until then (the event loop keeps only a weak reference)."""
    async def run() -> Any:
        await safety.check(state, contact_id, utterance_id)  # danger first: guidance, priority, flag
        return await state.said.submit(contact_id, utterance_id)

    task = asyncio.create_task(run())
    state.background_tasks.add(task)
    task.add_done_callback(state.background_tasks.discard)
    return task


async def resume_unrouted(state: Any) -> None:
    """Start-up hook: chats whose citizen had written but that were never queued (the previous
    process stopped between storing a message, which the citizen saw acknowledged, and routing
    it) go through `citizen_said` now, from their latest message. Calls are left alone: their
    Twilio leg ended with the process that held the stream."""
    def work() -> list[tuple[int, int]]:
        with session_scope(state.engine) as session:
            return [(c, u) for c, u in session.execute(
                select(Contact.id, func.max(Utterance.id)).join(Utterance, Utterance.contact_id == Contact.id)
                .where(Contact.channel.in_([Channel.chat, Channel.wechat]), Contact.status == ContactStatus.open,
                       Utterance.speaker == "citizen")
                .group_by(Contact.id).order_by(Contact.id)).all()]

    pending = await run_in_threadpool(work)
    if pending:
        log.warning("routing %d chat(s) left unrouted by the previous process", len(pending))
    for contact_id, utterance_id in pending:
        start(state, contact_id, utterance_id)


def contact_answered(state: Any, offer_id: int, user_id: int) -> queue.Events:
    """The lawyer accepts the offer, in one transaction; its events after the commit. Refusals
    (expired, off duty, on a break) are the queue's RoutingError; an unknown offer a LookupError."""
    return queue_flows.run(state, lambda s, c: queue.accept(s, offer_id, user_id, config=c))


async def contact_ended(state: Any, contact_id: int) -> None:
    """After the commit of a contact's end (chat or call, by the citizen, the lawyer or the
    presence sweep): the queue lets it go (routing.abandoned, offers cancelled, wrap-up), then the
    events. A failure of the queue step is logged: the contact has ended all the same."""
    try:
        await queue_flows.contact_ended(state, contact_id)
    except Exception:
        log.exception("queue step failed for the end of contact %s", contact_id)
    bus.publish(f"contact:{contact_id}", {"type": "status", "contact_id": contact_id, "status": "ended"})
    bus.publish("contacts", {"type": "contact_ended", "contact_id": contact_id})
