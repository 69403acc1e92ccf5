"""The inspection queue and its life, on SQLite and PostgreSQL: at least N % of each lawyer's
contacts per week are sampled, every dissatisfied rating and every complaint too; an inspector
scores one; the lawyer disputes once; the manager decides; the dashboard figures."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.policy import service as policy
from hotline.quality import review, service
from hotline.quality.models import QualitySample
from tests.followup.test_followup import answered_contact

TZ = ZoneInfo("Asia/Shanghai")


def test_sampling_inspection_dispute_and_decision(engine, staff_users) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        policy.set_value(s, "quality.sample_percent", 20.0, actor="staff:1")
        plain = [answered_contact(s, lawyer.id) for _ in range(10)]
        unhappy = answered_contact(s, lawyer.id)
        contacts.rate(s, contacts.get_contact(s, unhappy), score=2, actor="citizen")
        complained = answered_contact(s, lawyer.id)
        contacts.rate(s, contacts.get_contact(s, complained), score=3, comment="我要投诉这位律师，电话13912345678",
                      actor="citizen")
    with session_scope(engine) as s:
        service.sweep(s, rng=random.Random(7))
        assert service.sweep(s) == []  # nothing twice
    with session_scope(engine) as s:
        samples = {x.contact_id: x for x in s.execute(select(QualitySample)).scalars()}
        random_picks = [c for c in plain + [unhappy, complained] if c in samples and samples[c].reason == "random"]
        assert samples[unhappy].reason == "dissatisfied" and samples[complained].reason == "complaint"
        assert "13912345678" not in samples[complained].note  # redacted
        # at least 20 % of the lawyer's 12 contacts this week, picked at random
        assert len(random_picks) + 2 >= 3 and all(samples[c].week == samples[unhappy].week for c in samples)
        sample_id = samples[unhappy].id
        form = service.ensure_default_form(s)
        form_id = form.id
    answers = {"greeting": "yes", "patience": 3, "accurate": "yes", "complete": 2, "referral": "na",
               "record": "no", "privacy": "yes"}
    with session_scope(engine) as s:
        manager = get_user_by_username(s, "manager1")
        with pytest.raises(Exception, match="answers.privacy"):
            review.inspect(s, sample_id, form_id=form_id, answers={**answers, "privacy": "maybe"}, comment="",
                           inspector=manager)
    with session_scope(engine) as s:
        manager = get_user_by_username(s, "manager1")
        detail = review.material(s, unhappy, TZ)
        assert detail["transcript"][0]["text"] == "公司拖欠工资三个月怎么办"
        done = review.inspect(s, sample_id, form_id=form_id, answers=answers, comment="记录不完整", inspector=manager)
        # (1 + 2·0.6 + 4 + 3·0.4 + 0 + 2) / (1 + 2 + 4 + 3 + 1 + 2) = 9.4 / 13
        assert done.score == pytest.approx(72.31, abs=0.01) and not done.passed
        inspection_id = done.id
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        manager = get_user_by_username(s, "manager1")
        with pytest.raises(PermissionError):
            review.dispute(s, inspection_id, lawyer=manager, reason="x")
        review.dispute(s, inspection_id, lawyer=lawyer, reason="案件记录已在转介单中填写")
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        with pytest.raises(service.QualityError, match="只能申诉一次"):
            review.dispute(s, inspection_id, lawyer=lawyer, reason="again")
    with session_scope(engine) as s:
        manager = get_user_by_username(s, "manager1")
        with pytest.raises(service.QualityError, match="score"):
            review.decide(s, inspection_id, manager=manager, decision="revised", note="", score=None)
        row = review.decide(s, inspection_id, manager=manager, decision="revised", note="记录在转介单中，改分",
                            score=87.5)
        assert row.status == "revised" and row.passed and row.final_score == 87.5
        actions = [e.action for e in s.execute(select(AuditEntry).where(AuditEntry.action.startswith("quality.")))
                   .scalars()]
        assert actions.count("quality.inspected") == 1 and "quality.disputed" in actions and "quality.decided" in actions
        now = datetime.now(TZ)
        figures = review.dashboard(s, now - timedelta(days=1), now + timedelta(days=1))
        assert figures["answered"] == 12 and figures["inspected"] == 1
        assert figures["inspection_rate"] == round(1 / 12, 4) and figures["pass_rate"] == 1.0
        assert figures["per_lawyer"][0]["average"] == 87.5
        assert figures["worst_items"][0]["id"] == "record" and figures["worst_items"][0]["average"] == 0.0
        assert {x["title"] for x in figures["per_section"]} == {"服务规范", "解答质量", "记录与保密"}
