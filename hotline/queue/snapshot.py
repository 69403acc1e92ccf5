"""The real-time routing state for the console and the dashboard's queue wall."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.auth.models import StaffUser
from hotline.queue.base import CALLBACK_PENDING, Config, loads
from hotline.queue.models import Callback, QueueEntry
from hotline.roster.models import LawyerProfile, Presence
from hotline.roster.service import on_duty
from hotline.timeutil import utcnow


def snapshot(session: Session, now: datetime | None = None, config: Config | None = None) -> dict[str, Any]:
    """Real-time routing state for the console and the dashboard's queue wall."""
    now, config = now or utcnow(), config or Config()
    queues: dict[str, dict[str, Any]] = {}
    for entry in session.execute(select(QueueEntry).where(QueueEntry.status.in_(["waiting", "offered"]))).scalars():
        q = queues.setdefault(entry.skill, {"skill": entry.skill, "waiting": 0, "offered": 0, "longest_wait_s": 0.0})
        q[entry.status] += 1
        q["longest_wait_s"] = max(q["longest_wait_s"], round((now - entry.enqueued_at).total_seconds(), 1))
    duty = on_duty(session, now, config)
    by_lawyer = loads(session)
    names = {u.id: u.display_name for u in session.execute(select(StaffUser).where(StaffUser.role == "lawyer")).scalars()}
    lawyers = []
    for p in session.execute(select(LawyerProfile)).scalars():
        load = by_lawyer.get(p.user_id, {})
        shown = p.state
        if p.state == Presence.available and (load.get("call") or load.get("chat", 0) >= p.chat_capacity):
            shown = Presence.busy
        lawyers.append({"user_id": p.user_id, "name": names.get(p.user_id, ""), "state": shown,
                        "on_duty": p.user_id in duty, "chats": load.get("chat", 0), "calls": load.get("call", 0),
                        "skills": p.skills, "penalty": bool(p.penalty_until and p.penalty_until > now)})
    by_state: dict[str, int] = {}
    for lawyer in lawyers:
        by_state[lawyer["state"]] = by_state.get(lawyer["state"], 0) + 1
    callbacks = session.execute(select(func.count()).select_from(Callback)
                                .where(Callback.status.in_(CALLBACK_PENDING))).scalar()
    return {"at": now.isoformat(), "queues": sorted(queues.values(), key=lambda q: q["skill"]),
            "lawyers": lawyers, "lawyers_by_state": by_state, "callbacks_open": callbacks,
            "waiting_total": sum(q["waiting"] for q in queues.values()),
            "longest_wait_s": max((q["longest_wait_s"] for q in queues.values()), default=0.0)}
