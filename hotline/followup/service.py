"""Follow-up tasks: created from the audit log (flows.sweep), listed for whoever is on duty,
claimed, completed with the outcome; the figures (回访率, 回访满意度) and overdue tasks.

Functions work in the caller's transaction and never commit."""
from __future__ import annotations

import random
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.auth.models import StaffUser
from hotline.contacts.models import Contact
from hotline.deadlines import service as deadlines
from hotline.followup.models import REASON_LABELS, STATUS_LABELS, FollowupTask, Reason
from hotline.policy import service as policy
from hotline.privacy import redact
from hotline.timeutil import as_utc, utcnow

NEEDS_FOLLOWUP = "需回访"
METHODS = {"call": "电话回访", "message": "短信/留言回访"}


class FollowupError(ValueError):
    pass


def create(session: Session, contact_id: int, reason: Reason, *, score: int | None = None,
           now: datetime | None = None, actor: str = "system") -> FollowupTask | None:
    """One task per contact and reason (None if it exists already); due in N working days."""
    exists = session.execute(select(FollowupTask.id).where(FollowupTask.contact_id == contact_id,
                                                           FollowupTask.reason == reason)).first()
    contact = session.get(Contact, contact_id)
    if exists is not None or contact is None:
        return None
    now = now or utcnow()
    due = deadlines.calendar(session).due(now, int(policy.get(session, "followup.due_days")), deadlines.hotline_tz())
    task = FollowupTask(contact_id=contact_id, case_id=contact.case_id, lawyer_id=contact.lawyer_id, reason=reason,
                        score=score, created_at=now, due_at=due)
    session.add(task)
    session.flush()
    audit.record(session, action="followup.created", actor=actor, entity="followup", entity_id=task.id,
                 case_id=contact.case_id, contact_id=contact_id,
                 data={"reason": reason, "score": score, "due_at": due.isoformat()})
    return task


def from_entry(session: Session, entry: Any, rng: random.Random | None = None) -> FollowupTask | None:
    """Act on one audit entry: a dissatisfied rating, a 需回访 wrap-up, an answered contact ended
    (sampled at followup.sample_percent)."""
    data = entry.data or {}
    if entry.contact_id is None:
        return None
    if entry.action == "contact.rated":
        score = data.get("score")
        if isinstance(score, int) and score <= int(policy.get(session, "followup.dissatisfied_max_score")):
            return create(session, entry.contact_id, Reason.dissatisfied, score=score)
    elif entry.action == "routing.wrapup" and str(data.get("disposition", "")).strip() == NEEDS_FOLLOWUP:
        return create(session, entry.contact_id, Reason.wrapup)
    elif entry.action == "contact.ended" and data.get("outcome") == "answered":
        percent = float(policy.get(session, "followup.sample_percent"))
        if percent > 0 and (rng or random).random() * 100 < percent:
            return create(session, entry.contact_id, Reason.sample)
    return None


SWEEP_ACTIONS = ("contact.rated", "routing.wrapup", "contact.ended")


def sweep(session: Session) -> list[FollowupTask]:
    return [t for e in list(policy.sweep_entries(session, "followup", SWEEP_ACTIONS))
            if (t := from_entry(session, e)) is not None]


def _task(session: Session, task_id: int) -> FollowupTask:
    task = session.get(FollowupTask, task_id)
    if task is None:
        raise LookupError(f"回访任务不存在 (follow-up task {task_id} not found)")
    return task


def on_duty_ids(session: Session, now: datetime) -> set[int]:
    from types import SimpleNamespace

    from hotline.roster import service as roster

    return set(roster.on_duty(session, now, SimpleNamespace(tz=deadlines.hotline_tz())))


def may_work(session: Session, user: StaffUser, now: datetime) -> bool:
    """Managers always; lawyers while on duty (the duty roster assigns the list)."""
    return user.role in ("manager", "admin") or (user.role == "lawyer" and user.id in on_duty_ids(session, now))


def claim(session: Session, task_id: int, user: StaffUser, now: datetime | None = None) -> FollowupTask:
    now = now or utcnow()
    task = _task(session, task_id)
    if not may_work(session, user, now):
        raise PermissionError("您当前不在值班，不能领取回访任务 (not on duty)")
    if task.status == "done":
        raise FollowupError("回访任务已完成 (already done)")
    if task.status == "claimed" and task.assigned_to != user.id:
        raise FollowupError("回访任务已被他人领取 (claimed by someone else)")
    task.status, task.assigned_to, task.claimed_at = "claimed", user.id, now
    session.add(task)
    audit.record(session, action="followup.claimed", actor=f"staff:{user.id}", entity="followup", entity_id=task.id,
                 case_id=task.case_id, contact_id=task.contact_id)
    return task


def complete(session: Session, task_id: int, user: StaffUser, *, method: str, reached: bool,
             satisfied: bool | None, solved: bool | None, open_case: bool, note: str,
             now: datetime | None = None) -> FollowupTask:
    """Record the outcome. Not reached: satisfied/solved stay unknown. `open_case`: a new matter
    came up, a new case is opened for the citizen. The case moves to 回访 when it was closed."""
    from hotline.cases import service as cases
    from hotline.cases.models import Case, CaseStatus

    now = now or utcnow()
    if method not in METHODS:
        raise FollowupError(f"method 须为 {'/'.join(METHODS)} (method)")
    task = _task(session, task_id)
    if task.status == "done":
        raise FollowupError("回访任务已完成 (already done)")
    if task.assigned_to != user.id:
        claim(session, task_id, user, now)
    task.method, task.reached, task.note = method, reached, note[:1000]
    task.satisfied, task.solved = (satisfied, solved) if reached else (None, None)
    actor = f"staff:{user.id}"
    if open_case and reached:
        contact = session.get(Contact, task.contact_id)
        new = cases.open_case(session, citizen_id=contact.citizen_id, actor=actor, received_at=now,
                              summary=f"回访中提出的新问题：{note[:200]}")
        task.new_case_id = new.id
    task.status, task.done_at = "done", now
    session.add(task)
    case = session.get(Case, task.case_id) if task.case_id else None
    if case is not None and case.status == CaseStatus.closed and reached:
        cases.move(session, case, CaseStatus.followed_up, actor=actor, reason="回访完成")
    audit.record(session, action="followup.done", actor=actor, entity="followup", entity_id=task.id,
                 case_id=task.case_id, contact_id=task.contact_id,
                 data={"method": method, "reached": reached, "satisfied": task.satisfied, "solved": task.solved,
                       "new_case_id": task.new_case_id, "note": note, "overdue": now > as_utc(task.due_at)})
    return task


def overdue(session: Session, now: datetime | None = None) -> list[FollowupTask]:
    return list(session.execute(select(FollowupTask).where(FollowupTask.status != "done",
                                                           FollowupTask.due_at < (now or utcnow()))
                                .order_by(FollowupTask.due_at)).scalars())


def task_dict(session: Session, task: FollowupTask, tz: ZoneInfo, now: datetime, names: dict[int, str]) -> dict:
    from hotline.cases.models import Case
    from hotline.contacts.service import transcript

    case = session.get(Case, task.case_id) if task.case_id else None
    citizen_lines = [redact(u.text) for u in transcript(session, task.contact_id) if u.speaker == "citizen"][:3]
    return {"id": task.id, "contact_id": task.contact_id, "case_id": task.case_id,
            "case_reference": case.reference if case else "", "reason": task.reason,
            "reason_label": REASON_LABELS.get(task.reason, task.reason), "score": task.score,
            "status": task.status, "status_label": STATUS_LABELS.get(task.status, task.status),
            "lawyer": names.get(task.lawyer_id, "") if task.lawyer_id else "",
            "assigned_to": task.assigned_to, "assignee": names.get(task.assigned_to, "") if task.assigned_to else "",
            "created_local": deadlines.local_text(task.created_at, tz), "due_at": as_utc(task.due_at).isoformat(),
            "due_local": deadlines.local_text(task.due_at, tz),
            "overdue": task.status != "done" and as_utc(task.due_at) < now,
            "method": task.method, "reached": task.reached, "satisfied": task.satisfied, "solved": task.solved,
            "new_case_id": task.new_case_id, "note": redact(task.note),
            "summary": redact(case.summary)[:120] if case and case.summary else "", "citizen_said": citizen_lines}


def listing(session: Session, tz: ZoneInfo, *, status: str | None = None, now: datetime | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    now = now or utcnow()
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    query = select(FollowupTask)
    if status == "pending":
        query = query.where(FollowupTask.status != "done")
    elif status:
        query = query.where(FollowupTask.status == status)
    rows = session.execute(query.order_by(FollowupTask.due_at, FollowupTask.id).limit(limit)).scalars()
    return [task_dict(session, t, tz, now, names) for t in rows]


def figures(session: Session, start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Any]:
    """回访率: tasks created in [start, end) that are done and reached, over all of them;
    回访满意度: satisfied over reached with an answer; plus overdue and per-reason counts."""
    now = now or utcnow()
    rows = list(session.execute(select(FollowupTask).where(FollowupTask.created_at >= start,
                                                           FollowupTask.created_at < end)).scalars())
    done = [t for t in rows if t.status == "done"]
    reached = [t for t in done if t.reached]
    answered = [t for t in reached if t.satisfied is not None]

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {"tasks": len(rows), "done": len(done), "reached": len(reached),
            "followup_rate": ratio(len(reached), len(rows)), "done_rate": ratio(len(done), len(rows)),
            "satisfaction": ratio(sum(1 for t in answered if t.satisfied), len(answered)),
            "solved_rate": ratio(sum(1 for t in reached if t.solved), len(reached)),
            "overdue": sum(1 for t in rows if t.status != "done" and as_utc(t.due_at) < now),
            "done_late": sum(1 for t in done if as_utc(t.done_at) > as_utc(t.due_at)),
            "by_reason": {REASON_LABELS[r]: sum(1 for t in rows if t.reason == r) for r in REASON_LABELS},
            "open_total": session.execute(select(func.count()).select_from(FollowupTask)
                                          .where(FollowupTask.status != "done")).scalar_one()}
