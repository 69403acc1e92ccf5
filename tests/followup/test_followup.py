"""Follow-up tasks (回访) from the audit log, on SQLite and PostgreSQL: a dissatisfied rating and a
需回访 wrap-up each make one task (never twice), due in N working days on the statutory calendar;
only whoever is on duty takes it; the outcome, the figures, overdue flags and the escalation."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import create_user, get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.deadlines import service as deadlines
from hotline.followup import service as followup
from hotline.followup.models import FollowupTask
from hotline.queue import service as routing

TZ = ZoneInfo("Asia/Shanghai")


def answered_contact(session, lawyer_id: int, text: str = "公司拖欠工资三个月怎么办") -> int:  # noqa: ANN001
    contact, _ = contacts.start_chat(session)
    contacts.add_utterance(session, contact, speaker="citizen", text=text)
    contacts.mark_answered(session, contact, lawyer_id)
    contacts.end_contact(session, contact, actor=f"staff:{lawyer_id}")
    return contact.id


def test_tasks_from_ratings_and_wrapups(engine, staff_users) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        off_duty = create_user(s, username="lawyer2", password="pw-lawyer-2", role="lawyer", display_name="李律师",
                               actor="test")
        unhappy = answered_contact(s, lawyer.id)
        contacts.rate(s, contacts.get_contact(s, unhappy), score=1, comment="没解决", actor="citizen")
        happy = answered_contact(s, lawyer.id)
        contacts.rate(s, contacts.get_contact(s, happy), score=5, actor="citizen")
        wrapped = answered_contact(s, lawyer.id)
        routing.contact_ended(s, wrapped)
        routing.finish_wrapup(s, lawyer.id, "需回访")
        ids = (lawyer.id, off_duty.id)
    with session_scope(engine) as s:
        created = followup.sweep(s)
        assert sorted((t.contact_id, t.reason) for t in created) == sorted([(unhappy, "dissatisfied"),
                                                                              (wrapped, "wrapup")])
    with session_scope(engine) as s:
        assert followup.sweep(s) == []  # the cursor moved: nothing twice
        tasks = {t.reason: t for t in s.execute(select(FollowupTask)).scalars()}
        task = tasks["dissatisfied"]
        assert task.score == 1 and task.lawyer_id == ids[0]
        # due in 3 working days (the default) on the statutory calendar, at local midnight
        created_at = task.created_at
        expected = deadlines.calendar(s).due(created_at, 3, TZ)
        assert task.due_at == expected and expected.astimezone(TZ).hour == 0
        task_id = task.id
    with session_scope(engine) as s:
        lawyer2 = get_user_by_username(s, "lawyer2")
        with pytest.raises(PermissionError):  # no shift: not on duty
            followup.claim(s, task_id, lawyer2)
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")  # on duty all day (demo shift)
        with pytest.raises(followup.FollowupError):
            followup.complete(s, task_id, lawyer, method="fax", reached=True, satisfied=True, solved=True,
                              open_case=False, note="")
        followup.complete(s, task_id, lawyer, method="call", reached=True, satisfied=True, solved=True,
                          open_case=True, note="已再次说明劳动仲裁流程")
    with session_scope(engine) as s:
        task = s.get(FollowupTask, task_id)
        assert task.status == "done" and task.assigned_to == ids[0] and task.new_case_id is not None
        done = s.execute(select(AuditEntry).where(AuditEntry.action == "followup.done")).scalars().one()
        assert done.data["reached"] is True and done.contact_id == unhappy
        start, end = datetime.now(TZ) - timedelta(days=1), datetime.now(TZ) + timedelta(days=1)
        figures = followup.figures(s, start, end)
        assert figures["tasks"] == 2 and figures["done"] == 1 and figures["followup_rate"] == 0.5
        assert figures["satisfaction"] == 1.0 and figures["overdue"] == 0
        # a week later the wrap-up task is overdue and raised on the wallboard
        later = datetime.now(TZ) + timedelta(days=10)
        assert [t.reason for t in followup.overdue(s, later)] == ["wrapup"]
        items = deadlines.escalations(s, TZ, later)
        assert any(i["kind"] == "followup" and i["label"] == "回访超时" for i in items)
        assert followup.figures(s, start, end, now=later)["overdue"] == 1


def test_case_deadline_counts_working_days_once_the_category_has_limits(engine, staff_users) -> None:  # noqa: ANN001
    from hotline.cases import service as cases

    with session_scope(engine) as s:
        received = datetime(2026, 2, 13, 10, tzinfo=TZ)  # Friday before the Spring Festival
        hours_case = cases.open_case(s, citizen_id=contacts.start_chat(s)[0].citizen_id, actor="test",
                                     received_at=received, category_code="labour")
        assert hours_case.deadline_at == received + timedelta(hours=72)  # no limits: the hour limit
        deadlines.set_limits(s, "labour", {"answer_days": 5, "complex_days": 15, "handover_days": 1,
                                           "urgent_hours": 1}, actor="staff:1")
        s.flush()
        s.refresh(hours_case)
        assert hours_case.deadline_at.astimezone(TZ) == datetime(2026, 2, 28, tzinfo=TZ)  # open cases recomputed
        deadlines.mark(s, hours_case, complex=True, urgent=True, reason="涉及多名工人", actor="staff:1")
        assert hours_case.deadline_at.astimezone(TZ) == datetime(2026, 3, 13, tzinfo=TZ)  # 15 working days: to 12 Mar
        assert deadlines.handover_deadline(s, hours_case, TZ) == received + timedelta(hours=1)
        marked = s.execute(select(AuditEntry).where(AuditEntry.action == "deadline.case_marked")).scalars().one()
        assert marked.after["complex"] is True
        items = deadlines.escalations(s, TZ, datetime(2026, 3, 20, tzinfo=TZ))
        assert [(i["kind"], i["id"]) for i in items if i["entity"] == "case"] == [("handover", hours_case.id)]
