"""SIGKILL the server in the middle of a chat: every acknowledged message survives the restart."""
from __future__ import annotations

import threading
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer
from tests.core.chat_client import ChatClient


@pytest.fixture
def unlimited_server(settings):  # noqa: ANN001, ANN201
    """The server without chat rate limits: the test streams messages as fast as it can."""
    server = LiveServer(settings.model_copy(update={"chat_rate_per_socket": 0, "chat_rate_per_address": 0})).start()
    yield server
    server.stop()


def test_acknowledged_messages_survive_sigkill(unlimited_server):  # noqa: ANN001
    live_server = unlimited_server
    chat = ChatClient(live_server.ws_url)
    resume = chat.session["resume_token"]
    acked: list[str] = []
    sent_after_kill: list[str] = []
    killer = threading.Timer(1.0, live_server.kill)  # kill while messages are streaming in
    killer.start()
    try:
        for i in range(100_000):
            text = f"第{i}条：公司拖欠工资，我该怎么维权？"
            cid = uuid.uuid4().hex
            try:
                chat.send({"type": "message", "client_id": cid, "text": text})
                frame = chat.recv(timeout=5)
                while frame["type"] not in ("ack", "error"):  # the routing, queue and callback notices
                    frame = chat.recv(timeout=5)
            except (ConnectionClosed, TimeoutError, OSError):
                sent_after_kill.append(text)
                break
            assert frame["type"] == "ack" and frame["client_id"] == cid
            acked.append(text)
    finally:
        killer.join()
    assert live_server.proc.poll() is not None, "server should have been killed"
    assert len(acked) > 5, "the kill came before any traffic"

    live_server.start()
    resumed = ChatClient(live_server.ws_url, resume_token=resume)
    history = [u["text"] for u in resumed.session["history"] if u["speaker"] == "citizen"] if len(acked) < 150 else None
    if history is None:  # the resume history is capped; read the whole transcript from the database
        from sqlalchemy import select
        from sqlmodel import Session

        from hotline.contacts.models import Utterance
        from hotline.database import get_engine

        with Session(get_engine(live_server.settings)) as session:
            history = list(session.execute(select(Utterance.text).where(
                Utterance.contact_id == resumed.session["contact_id"], Utterance.speaker == "citizen")
                .order_by(Utterance.id)).scalars())
    assert resumed.session["contact_id"] == chat.session["contact_id"]
    # every acknowledged message is there, in order; at most the one in flight may also be there
    assert history[: len(acked)] == acked
    assert len(history) - len(acked) <= 1
    resumed.say("服务器重启后还能继续咨询吗？")


def test_message_stored_but_never_routed_is_routed_after_restart(live_server):  # noqa: ANN001
    """The process dies between storing (and acknowledging) a citizen's first message and
    routing it: the restarted server queues the chat from that message."""
    from sqlalchemy import select
    from sqlmodel import Session

    import hotline.models_registry  # noqa: F401 - every table, for the foreign keys
    from hotline.audit.models import AuditEntry
    from hotline.contacts import service as contacts
    from hotline.contacts.models import Contact
    from hotline.database import get_engine, session_scope

    live_server.kill()
    engine = get_engine(live_server.settings)
    with session_scope(engine) as session:  # what the killed process had committed: message, no routing
        contact, resume = contacts.start_chat(session)
        contacts.add_utterance(session, contact, speaker="citizen", text="老板拖欠工资三个月，我想申请劳动仲裁",
                               client_id="c1")
        contact_id = contact.id
    live_server.start()
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(engine) as session:
            status = session.get(Contact, contact_id).status
        if status != "open":
            break
        time.sleep(0.1)
    assert status in ("queued", "offered"), status
    with Session(engine) as session:
        actions = set(session.execute(select(AuditEntry.action).where(AuditEntry.contact_id == contact_id)).scalars())
    assert "routing.enqueued" in actions or "routing.callback" in actions, actions
    resumed = ChatClient(live_server.ws_url, resume_token=resume)  # the citizen carries on in the same chat
    assert resumed.session["contact_id"] == contact_id
