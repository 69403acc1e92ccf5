"""Suggestions of a contact over real HTTP, on SQLite and PostgreSQL: only the lawyer the contact
is offered or assigned to (and managers/admins) may read them or act on them; the citizen's words
(the query) reach nobody else unredacted; rating a batch unhelpful again never adds it to the
knowledge-base backlog twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.assist.models import BacklogItem, Suggestion
from hotline.auth.service import create_user, get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.privacy import redact
from hotline.timeutil import utcnow
from hotline.queue import service as routing
from hotline.queue.models import Offer

PHONE = "13912345678"
QUESTION = f"公司拖欠三个月工资，电话{PHONE}，怎么办"


def _offered_contact(engine) -> tuple[int, int, list[int]]:  # noqa: ANN001
    """A chat offered to the demo lawyer (not yet accepted), with one batch of three suggestions."""
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        routing.set_presence(s, lawyer.id, "available")
        contact, _ = contacts.start_chat(s)
        contacts.add_utterance(s, contact, speaker="citizen", text=QUESTION)
        routing.enqueue(s, contact.id, "labour")
        routing.dispatch(s)
        offer = s.execute(select(Offer).where(Offer.contact_id == contact.id)).scalar_one()
        assert offer.user_id == lawyer.id and offer.status == "offered"
        _batch(s, contact.id, 1)
        ids = [r.id for r in s.execute(select(Suggestion).where(Suggestion.contact_id == contact.id)).scalars()]
        return contact.id, offer.id, ids


def _batch(s, contact_id: int, batch: int) -> None:  # noqa: ANN001
    for rank, ref in enumerate(["劳动合同法#第三十条", "劳动法#第五十条", "faq-12"], start=1):
        s.add(Suggestion(contact_id=contact_id, batch=batch, query=QUESTION, kind="faq" if ref.startswith("faq") else "article",
                         ref_id=ref, title=ref, rank=rank, score=1.0 / rank))


def _backlog(engine, contact_id: int) -> list[BacklogItem]:  # noqa: ANN001
    with session_scope(engine) as s:
        rows = list(s.execute(select(BacklogItem).where(BacklogItem.contact_id == contact_id,
                                                        BacklogItem.reason == "all_unhelpful")).scalars())
        s.expunge_all()
        return rows


def test_only_the_assigned_lawyer_and_managers_see_and_act(live_server, staff_users, engine) -> None:  # noqa: ANN001
    contact_id, offer_id, ids = _offered_contact(engine)
    with session_scope(engine) as s:
        create_user(s, username="lawyer2", password="lawyer2-password", role="lawyer", display_name="李律师",
                    actor="test")
    lawyer = live_server.login(*staff_users["lawyer"])
    other = live_server.login("lawyer2", "lawyer2-password")
    manager = live_server.login(*staff_users["manager"])
    admin = live_server.login(*staff_users["admin"])
    legal_aid = live_server.login(*staff_users["legal_aid"])
    mediator = live_server.login(*staff_users["mediation"])
    url = f"/api/contacts/{contact_id}/suggestions"

    # offered to lawyer1: the lawyer sees the citizen's words as they were said
    r = lawyer.get(url)
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()] == ids and r.json()[0]["query"] == QUESTION
    with session_scope(engine) as s:
        routing.accept(s, offer_id, get_user_by_username(s, "lawyer1").id)
    assert lawyer.get(url).json()[0]["query"] == QUESTION
    r = lawyer.post(f"/api/suggestions/{ids[0]}/actions", json={"action": "click"})
    assert r.status_code == 200 and r.json()["clicked_at"] and r.json()["query"] == QUESTION

    # another lawyer, legal-aid and mediation staff: refused, and nothing recorded for them
    for client in (other, legal_aid, mediator):
        assert client.get(url).status_code == 403
        assert client.post(f"/api/suggestions/{ids[1]}/actions", json={"action": "copy"}).status_code == 403
    assert other.get(url).json()["detail"].startswith("您不是该咨询的接待律师")
    with session_scope(engine) as s:
        assert s.get(Suggestion, ids[1]).copied_at is None

    # managers and admins: any contact, the query redacted (they are not the citizen's lawyer)
    for client in (manager, admin):
        r = client.get(url)
        assert r.status_code == 200 and len(r.json()) == 3
        assert PHONE not in r.text and r.json()[0]["query"] == redact(QUESTION) != QUESTION
    r = manager.post(f"/api/suggestions/{ids[1]}/actions", json={"action": "copy"})
    assert r.status_code == 200 and r.json()["copied_at"] and PHONE not in r.text

    # unknown ids; and no anonymous access
    assert manager.get("/api/contacts/999999/suggestions").status_code == 404
    assert lawyer.post("/api/suggestions/999999/actions", json={"action": "click"}).status_code == 404
    assert live_server.client().get(url).status_code == 401


def test_an_expired_offer_gives_no_access(live_server, staff_users, engine) -> None:  # noqa: ANN001
    contact_id, offer_id, _ = _offered_contact(engine)
    lawyer = live_server.login(*staff_users["lawyer"])
    with session_scope(engine) as s:
        offer = s.get(Offer, offer_id)
        offer.expires_at = utcnow() - timedelta(seconds=1)
        s.add(offer)
    assert lawyer.get(f"/api/contacts/{contact_id}/suggestions").status_code == 403


def test_rating_a_batch_unhelpful_again_adds_one_backlog_item(live_server, staff_users, engine) -> None:  # noqa: ANN001
    contact_id, offer_id, ids = _offered_contact(engine)
    with session_scope(engine) as s:
        routing.accept(s, offer_id, get_user_by_username(s, "lawyer1").id)
    lawyer = live_server.login(*staff_users["lawyer"])

    def rate(sid: int, rating: str, reason: str = "") -> None:
        r = lawyer.post(f"/api/suggestions/{sid}/actions", json={"action": "rate", "rating": rating, "reason": reason})
        assert r.status_code == 200, r.text

    for sid in ids:
        rate(sid, "unhelpful", "不相关")
    assert [b.question for b in _backlog(engine, contact_id)] == [QUESTION]
    rate(ids[0], "unhelpful", "已过时")  # another reason
    rate(ids[1], "helpful")
    rate(ids[1], "unhelpful", "不完整")  # all unhelpful again
    assert len(_backlog(engine, contact_id)) == 1

    # a later batch (same question, shown again) that is all unhelpful is its own backlog item
    with session_scope(engine) as s:
        _batch(s, contact_id, 2)
    later = [x["id"] for x in lawyer.get(f"/api/contacts/{contact_id}/suggestions").json()]
    assert len(later) == 3 and not set(later) & set(ids)
    for sid in later:
        rate(sid, "unhelpful", "不准确")
    rate(later[2], "unhelpful", "引用错误")
    assert len(_backlog(engine, contact_id)) == 2
