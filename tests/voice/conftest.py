"""A running hotline with Twilio configured (auth token, public URL), a small real knowledge
base for suggestions, the real Whisper recognizer, and helpers for lawyers and records."""
from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from hotline.auth.service import create_user
from hotline.database import session_scope
import hotline.roster.cache  # noqa: F401 - registers the hooks that bump the roster revision on writes
from hotline.roster.models import LawyerProfile, Shift
from tests.conftest import LiveServer, free_port, make_settings
from tests.knowledge_base.conftest import small_kb_dir  # noqa: F401 - the session-scoped small real KB
from tests.voice.twilio_sim import TOKEN

ALL_SKILLS = ["labour", "family", "inheritance", "contract_debt", "property", "traffic", "consumer", "tort_injury",
              "rural_land", "criminal", "administrative", "other"]


def start_server(tmp_path, database_url: str, **overrides: Any) -> LiveServer:  # noqa: ANN001
    from hotline.database import get_engine, upgrade

    port = free_port()
    values = dict(twilio_auth_token=TOKEN, public_url=f"http://127.0.0.1:{port}", offer_timeout_s=120,
                  asr_workers=1, asr_streams_per_worker=2)
    values.update(overrides)
    settings = make_settings(tmp_path, database_url, **values)
    upgrade(settings)
    server = LiveServer(settings, port=port).start()
    server.engine = get_engine(settings)
    return server


@pytest.fixture
def voice_server(tmp_path, database_url, small_kb_dir):  # noqa: ANN001, ANN201, F811
    server = start_server(tmp_path, database_url, kb_enabled=True, kb_dir=small_kb_dir)
    deadline = time.monotonic() + 120
    while not httpx.get(f"{server.url}/healthz").json()["kb"]["ready"]:
        assert time.monotonic() < deadline, "knowledge base did not load"
        time.sleep(0.2)
    yield server
    server.stop()


@pytest.fixture
def plain_voice_server(tmp_path, database_url):  # noqa: ANN001, ANN201
    """Twilio configured, no knowledge base (signature and bad-input tests)."""
    server = start_server(tmp_path, database_url)
    yield server
    server.stop()


def add_user(engine, username: str, role: str, phone: str = "") -> int:  # noqa: ANN001
    with session_scope(engine) as session:
        return create_user(session, username=username, password="voice-password", role=role, display_name=username,
                           phone=phone).id


def add_lawyer(engine, username: str, phone: str = "", on_duty: bool = True) -> int:  # noqa: ANN001
    user_id = add_user(engine, username, "lawyer", phone)
    with session_scope(engine) as session:
        session.add(LawyerProfile(user_id=user_id, skills=ALL_SKILLS))
        if on_duty:
            session.add(Shift(user_id=user_id, days="all", start="00:00", end="00:00"))
    return user_id


def rows(engine, model, **where: Any) -> list:  # noqa: ANN001
    with Session(engine) as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        found = list(session.execute(query).scalars())
        for row in found:
            session.expunge(row)
        return found


def wait_for(predicate, timeout: float = 60, every: float = 0.2):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(every)
