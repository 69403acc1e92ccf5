"""The access rules in one place (hotline.auth.permissions), the Actor value, and the audited
before/after edit (hotline.audit.service.record_update)."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from hotline.audit import service as audit
from hotline.audit.models import AuditEntry
from hotline.auth.actor import Actor
from hotline.auth.permissions import may_act_on_contact, may_act_on_referral, may_see_case, supervises
from hotline.auth.service import create_user
from hotline.database import session_scope
from hotline.roster.models import LawyerProfile


def user(uid: int, role: str) -> SimpleNamespace:
    return SimpleNamespace(id=uid, role=role)


def test_actor_names_staff_as_the_log_always_did() -> None:
    assert Actor.of(user(7, "lawyer")) == "staff:7" == Actor.staff(7)
    assert isinstance(Actor.staff(7), str) and Actor.staff(7).user_id == 7
    assert Actor("routing").user_id is None


def test_who_may_act_and_see() -> None:
    lawyer, other, manager, admin = user(1, "lawyer"), user(2, "lawyer"), user(3, "manager"), user(4, "admin")
    legal_aid = user(5, "legal_aid")
    contact, case = SimpleNamespace(lawyer_id=1), SimpleNamespace(owner_id=1)
    referral = SimpleNamespace(created_by=2)
    assert [supervises(u) for u in (lawyer, manager, admin, legal_aid)] == [False, True, True, False]
    assert [may_act_on_contact(u, contact) for u in (lawyer, other, manager, admin, legal_aid)] == \
        [True, False, True, True, False]
    assert [may_see_case(u, case) for u in (lawyer, other, manager, admin, legal_aid)] == \
        [True, False, True, True, False]
    # the referral's maker, the case's owner, a supervisor
    assert [may_act_on_referral(u, referral, case) for u in (lawyer, other, manager, legal_aid)] == \
        [True, True, True, False]


def test_record_update_applies_the_changes_and_logs_before_and_after(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        uid = create_user(session, username="l1", password="password-1", role="lawyer").id
        session.add(LawyerProfile(user_id=uid, skills=["labour"], chat_capacity=3))
    with session_scope(engine) as session:
        row = session.get(LawyerProfile, uid)
        audit.record_update(session, row, {"skills": ["family"], "chat_capacity": 2}, action="roster.lawyer_updated",
                            actor=Actor.staff(99), entity="lawyer", entity_id=uid)
    with session_scope(engine) as session:
        row = session.get(LawyerProfile, uid)
        assert (row.skills, row.chat_capacity) == (["family"], 2)
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "roster.lawyer_updated")).scalar_one()
        assert entry.actor == "staff:99" and entry.entity_id == str(uid)
        assert entry.before == {"skills": ["labour"], "chat_capacity": 3}
        assert entry.after == {"skills": ["family"], "chat_capacity": 2}
