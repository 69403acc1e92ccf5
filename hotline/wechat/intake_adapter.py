"""The one place the WeChat channel calls the shared intake (suggestions, categorisation,
queueing). Today that is `hotline.intake`; when it moves to `hotline.contacts.flows`
(`citizen_said`), only this function changes."""
from __future__ import annotations

import asyncio
from typing import Any

from hotline import intake


def citizen_said(state: Any, contact_id: int, utterance_id: int) -> asyncio.Task:
    """After the commit of a citizen's utterance: intake in the background (the citizen, here
    WeChat's server, has already been answered)."""
    return intake.start(state, contact_id, utterance_id)

