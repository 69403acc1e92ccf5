"""Staff-side contact API: detail with transcript, lawyer replies, ending a contact."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from hotline.auth.actor import Actor
from hotline.auth.permissions import (NOT_YOUR_CONTACT, ActedContact, SessionDep, Staff, load_contact,
                                      may_act_on_contact)
from hotline.contacts import flows, service
from hotline.contacts.models import Channel, ContactStatus, Utterance
from hotline.database import session_scope
from hotline.events import bus
from hotline.privacy import redact
from hotline.wechat import flows as wechat
from hotline.validation import StrictModel

router = APIRouter(prefix="/api/contacts", tags=["contacts"])


@router.get("/{contact_id}")
def contact_detail(contact_id: int, session: SessionDep, user: Staff) -> dict:
    contact = load_contact(session, contact_id)
    raw = may_act_on_contact(user, contact)
    transcript = [{**service.utterance_event(u), "text": u.text if raw else redact(u.text)}
                  for u in service.transcript(session, contact.id)]
    return {"contact": contact.model_dump(mode="json", exclude={"resume_token_hash"}), "transcript": transcript}


class ReplyIn(StrictModel):
    text: str = Field(min_length=1, max_length=4000)
    client_id: str | None = Field(default=None, max_length=64)


@router.post("/{contact_id}/messages")
def reply(contact_id: int, body: ReplyIn, request: Request, contact: ActedContact, session: SessionDep,
          user: Staff) -> dict:
    if contact.status == ContactStatus.ended:
        raise HTTPException(status_code=409, detail="本次咨询已结束")
    if contact.channel == Channel.wechat:  # WeChat takes replies only within its 48-hour window
        wechat.refuse_outside_window(session, contact)
    utt, created = service.add_utterance(session, contact, speaker="lawyer", text=body.text.strip(),
                                         client_id=body.client_id, source="chat", author_id=user.id)
    event = service.utterance_event(utt)
    session.commit()
    bus.publish(f"contact:{contact_id}", event)
    if contact.channel == Channel.wechat and created:  # as a customer-service message (客服消息)
        event["delivery"] = wechat.deliver_reply(request.app.state, contact, utt)
    return event


class CorrectionIn(StrictModel):
    text: str = Field(min_length=1, max_length=4000)
    reason: str = Field(min_length=1, max_length=200)


@router.patch("/{contact_id}/utterances/{utterance_id}")
def correct_utterance(contact_id: int, utterance_id: int, body: CorrectionIn, session: SessionDep,
                      user: Staff) -> dict:
    contact = load_contact(session, contact_id)
    utt = session.get(Utterance, utterance_id)
    if utt is None or utt.contact_id != contact.id:
        raise HTTPException(status_code=404, detail="该条记录不存在")
    if not may_act_on_contact(user, contact):
        raise HTTPException(status_code=403, detail=NOT_YOUR_CONTACT)
    try:
        service.correct_utterance(session, utt, body.text, actor=Actor.of(user), reason=body.reason)
    except service.ContactError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {**service.utterance_event(utt), "version": utt.version}


class EndIn(StrictModel):
    disposition: str = ""


@router.post("/{contact_id}/end")
async def end(contact_id: int, body: EndIn, request: Request, user: Staff) -> dict:
    state = request.app.state

    def work() -> dict:
        with session_scope(state.engine) as session:
            contact = load_contact(session, contact_id)
            if not may_act_on_contact(user, contact):
                raise HTTPException(status_code=403, detail=NOT_YOUR_CONTACT)
            service.end_contact(session, contact, actor=Actor.of(user), disposition=body.disposition)
            return contact.model_dump(mode="json", exclude={"resume_token_hash"})

    data = await run_in_threadpool(work)
    await flows.contact_ended(state, contact_id)
    return data
