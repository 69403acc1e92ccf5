"""Staff-side contact API: detail with transcript, lawyer replies, ending a contact."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from hotline.auth.models import Role, StaffUser
from hotline.contacts import service
from hotline.contacts.models import Channel, Contact, ContactStatus
from hotline.deps import actor_of, get_session, require_roles
from hotline.events import bus
from hotline.privacy import redact
from hotline.wechat import flows as wechat

router = APIRouter(prefix="/api/contacts", tags=["contacts"])
staff = require_roles(Role.lawyer, Role.manager)


def _load(session: Session, contact_id: int) -> Contact:
    try:
        return service.get_contact(session, contact_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)") from exc


def _may_act(user: StaffUser, contact: Contact) -> bool:
    return user.role in (Role.manager, Role.admin) or contact.lawyer_id == user.id


@router.get("/{contact_id}")
def contact_detail(contact_id: int, session: Session = Depends(get_session, scope="function"), user: StaffUser = Depends(staff)) -> dict:
    contact = _load(session, contact_id)
    raw = _may_act(user, contact)
    transcript = [{**service.utterance_event(u), "text": u.text if raw else redact(u.text)}
                  for u in service.transcript(session, contact.id)]
    return {"contact": contact.model_dump(mode="json", exclude={"resume_token_hash"}), "transcript": transcript}


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_id: str | None = Field(default=None, max_length=64)


@router.post("/{contact_id}/messages")
def reply(contact_id: int, body: ReplyIn, request: Request, session: Session = Depends(get_session, scope="function"),
          user: StaffUser = Depends(staff)) -> dict:
    contact = _load(session, contact_id)
    if not _may_act(user, contact):
        raise HTTPException(status_code=403, detail="您不是该咨询的接待律师")
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


class CorrectionIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    reason: str = Field(min_length=1, max_length=200)


@router.patch("/{contact_id}/utterances/{utterance_id}")
def correct_utterance(contact_id: int, utterance_id: int, body: CorrectionIn, session: Session = Depends(get_session, scope="function"),
                      user: StaffUser = Depends(staff)) -> dict:
    from hotline.contacts.models import Utterance

    contact = _load(session, contact_id)
    utt = session.get(Utterance, utterance_id)
    if utt is None or utt.contact_id != contact.id:
        raise HTTPException(status_code=404, detail="该条记录不存在")
    if not _may_act(user, contact):
        raise HTTPException(status_code=403, detail="您不是该咨询的接待律师")
    try:
        service.correct_utterance(session, utt, body.text, actor=actor_of(user), reason=body.reason)
    except service.ContactError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {**service.utterance_event(utt), "version": utt.version}


class EndIn(BaseModel):
    disposition: str = ""


@router.post("/{contact_id}/end")
async def end(contact_id: int, body: EndIn, request: Request, user: StaffUser = Depends(staff)) -> dict:
    from starlette.concurrency import run_in_threadpool

    from hotline.database import session_scope

    state = request.app.state

    def work() -> dict:
        with session_scope(state.engine) as session:
            contact = _load(session, contact_id)
            if not _may_act(user, contact):
                raise HTTPException(status_code=403, detail="您不是该咨询的接待律师")
            service.end_contact(session, contact, actor=actor_of(user), disposition=body.disposition)
            return contact.model_dump(mode="json", exclude={"resume_token_hash"})

    data = await run_in_threadpool(work)
    for hook in state.contact_end_hooks:
        await hook(state, contact_id)
    bus.publish(f"contact:{contact_id}", {"type": "status", "contact_id": contact_id, "status": "ended"})
    bus.publish("contacts", {"type": "contact_ended", "contact_id": contact_id})
    return data
