"""Referral test helpers: staff at given offices, a case opened the way intake opens one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.service import create_user
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.models import Office

PASSWORD = "referral-test-pw"


def office_id(engine, code: str) -> int:  # noqa: ANN001
    with session_scope(engine) as session:
        return session.execute(select(Office.id).where(Office.code == code)).scalar_one()


def add_staff(engine, username: str, role: str, office_code: str | None = None) -> int:  # noqa: ANN001
    with session_scope(engine) as session:
        oid = None
        if office_code:
            oid = session.execute(select(Office.id).where(Office.code == office_code)).scalar_one()
        user = create_user(session, username=username, password=PASSWORD, role=role, display_name=username,
                           office_id=oid, actor="test")
        return user.id


def open_chat_case(engine, texts: list[str], *, owner_id: int | None = None, area: str = "",  # noqa: ANN001
                   name: str = "", phone: str = "", category: str | None = None, summary: str = "") -> dict:
    """A chat contact with citizen messages, as intake stores them; optionally answered by a lawyer
    (who then owns the case: 首问负责)."""
    with session_scope(engine) as session:
        contact, _ = contacts.start_chat(session)
        for text in texts:
            contacts.add_utterance(session, contact, speaker="citizen", text=text)
        citizen = contacts.get_contact(session, contact.id)
        from hotline.cases.models import Case
        from hotline.contacts.models import Citizen

        cit = session.get(Citizen, citizen.citizen_id)
        cit.area, cit.name, cit.phone = area, name, phone or None
        session.add(cit)
        case = session.get(Case, contact.case_id)
        if category:
            case.category_code = category
        case.summary = summary
        session.add(case)
        if owner_id is not None:
            contacts.mark_answered(session, contact, owner_id)
        return {"contact_id": contact.id, "case_id": case.id, "citizen_id": cit.id}


@pytest.fixture
def db(engine):  # noqa: ANN001, ANN201
    """The migrated database with the default directory seeded (as at start-up)."""
    from hotline.directory.service import seed_defaults
    from hotline.referrals.hardship import seed_defaults as seed_hardship

    with session_scope(engine) as session:
        seed_defaults(session)
        seed_hardship(session)
    return engine
