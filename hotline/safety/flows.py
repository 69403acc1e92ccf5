"""After a citizen's utterance is stored: the safety rules are checked first, in their own short
transaction, so the guidance reaches the citizen before suggestions and routing run."""
from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from hotline.contacts.models import Utterance
from hotline.database import session_scope
from hotline.events import bus
from hotline.safety import service

log = logging.getLogger("hotline.safety")


async def check(state: Any, contact_id: int, utterance_id: int) -> bool:
    """Check the utterance against the rules; returns whether any fired. Never raises."""
    def work() -> list[tuple[str, dict]]:
        with session_scope(state.engine) as session:
            utt = session.get(Utterance, utterance_id)
            if utt is None or utt.speaker != "citizen":
                return []
            return service.check_utterance(session, contact_id, utterance_id, utt.text)

    try:
        events = await run_in_threadpool(work)
    except Exception:
        log.exception("safety check failed for contact %s", contact_id)
        return False
    for topic, payload in events:
        bus.publish(topic, payload)
    return bool(events)


async def seed(state: Any) -> None:
    """Start-up hook: the default rules into an empty table."""
    def work() -> int:
        with session_scope(state.engine) as session:
            return service.seed_defaults(session)

    if await run_in_threadpool(work):
        log.info("safety rules seeded with the defaults")
