"""Who may do what, once: the access rules as plain predicates and as FastAPI dependencies, the
`SessionDep` / `CurrentUser` aliases and the role-restricted users views declare.

- managers and admins supervise: they may act on any contact, see any case unredacted;
- a lawyer acts on the contacts they handle and sees the cases they own unredacted; everyone
  else sees those cases (and transcripts) redacted;
- a referral is acted on by whoever made it, the case's owner or a supervisor."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException
from sqlmodel import Session

from hotline.auth.models import Role, StaffUser
from hotline.contacts import service as contacts
from hotline.contacts.models import Contact
from hotline.deps import current_user, get_session, require_roles

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CurrentUser = Annotated[StaffUser, Depends(current_user)]
Lawyer = Annotated[StaffUser, Depends(require_roles(Role.lawyer))]
Manager = Annotated[StaffUser, Depends(require_roles(Role.manager))]
Staff = Annotated[StaffUser, Depends(require_roles(Role.lawyer, Role.manager))]  # the hotline's own staff

NOT_YOUR_CONTACT = "您不是该咨询的接待律师"


def supervises(user: StaffUser) -> bool:
    return user.role in (Role.manager, Role.admin)


def may_act_on_contact(user: StaffUser, contact: Contact) -> bool:
    """Manager, admin or the contact's lawyer."""
    return supervises(user) or contact.lawyer_id == user.id


def may_see_case(user: StaffUser, case: Any) -> bool:
    """The case unredacted (summary, facts, transcript): manager, admin or the case's owner."""
    return supervises(user) or case.owner_id == user.id


def may_act_on_referral(user: StaffUser, referral: Any, case: Any) -> bool:
    """Whoever made the referral, the case's owner, a manager or an admin."""
    return supervises(user) or referral.created_by == user.id or case.owner_id == user.id


def load_contact(session: Session, contact_id: int) -> Contact:
    try:
        return contacts.get_contact(session, contact_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=f"联系记录不存在 (contact {contact_id} not found)") from exc


def contact_to_act_on(contact_id: int, session: SessionDep, user: Staff) -> Contact:
    """The path's contact, for its lawyer or a supervisor (404 if there is none, 403 otherwise)."""
    contact = load_contact(session, contact_id)
    if not may_act_on_contact(user, contact):
        raise HTTPException(status_code=403, detail=NOT_YOUR_CONTACT)
    return contact


ActedContact = Annotated[Contact, Depends(contact_to_act_on)]
