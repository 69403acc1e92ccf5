"""What happens after a citizen's utterance is stored (chat message or final ASR result):
suggestions are refreshed and pushed to the console, then the routing hooks run (categorise,
queue); and after a contact ends. One path for chats and calls."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from hotline.assist import service as assist
from hotline.database import session_scope
from hotline.events import bus

log = logging.getLogger("hotline.intake")

# A hook gets (app_state, contact_id, utterance_id, suggestions_event or None).
IntakeHook = Callable[[Any, int, int, dict[str, Any] | None], Awaitable[None]]


async def citizen_utterance(state: Any, contact_id: int, utterance_id: int) -> dict[str, Any] | None:
    event = None
    kb = state.kb.kb
    if kb is not None:
        def work() -> dict[str, Any] | None:
            with session_scope(state.engine) as session:
                return assist.suggest_for_contact(session, kb, contact_id, utterance_id,
                                                  top=state.settings.suggestion_top)
        try:
            event = await run_in_threadpool(work)
        except Exception:
            log.exception("suggestions failed for contact %s", contact_id)
        if event is not None:
            bus.publish(f"contact:{contact_id}", event)
    for hook in state.intake_hooks:
        try:
            await hook(state, contact_id, utterance_id, event)
        except Exception:
            log.exception("intake hook %s failed for contact %s", getattr(hook, "__name__", hook), contact_id)
    return event


def start(state: Any, contact_id: int, utterance_id: int) -> asyncio.Task:
    """Run `citizen_utterance` in the background (the caller has already answered the citizen).
    The app holds the task until it is done: the event loop keeps only a weak reference, and a
    task nobody holds can vanish before it has routed the contact."""
    task = asyncio.create_task(citizen_utterance(state, contact_id, utterance_id))
    state.background_tasks.add(task)
    task.add_done_callback(state.background_tasks.discard)
    return task


async def resume_unrouted(state: Any) -> None:
    """Start-up hook: chats (web and WeChat) whose citizen had written but that were never queued (the previous
    process stopped between storing a message, which the citizen saw acknowledged, and routing
    it) go through intake now, from their latest message. Calls are left alone: their Twilio
    leg ended with the process that held the stream."""
    from hotline.contacts.models import Channel, Contact, ContactStatus, Utterance

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


async def contact_ended(state: Any, contact_id: int) -> None:
    """After the commit of a contact's end (chat or call): the contact-end hooks (routing:
    routing.abandoned, offers cancelled, wrap-up), then the events."""
    for hook in state.contact_end_hooks:
        try:
            await hook(state, contact_id)
        except Exception:
            log.exception("contact end hook failed for contact %s", contact_id)
    bus.publish(f"contact:{contact_id}", {"type": "status", "contact_id": contact_id, "status": "ended"})
    bus.publish("contacts", {"type": "contact_ended", "contact_id": contact_id})
