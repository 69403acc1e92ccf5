"""Referral test helpers: staff at given offices, a case opened the way intake opens one."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from hotline.audit.models import AuditEntry
from hotline.auth.service import create_user
from hotline.cases.models import Case
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.models import Office
from hotline.referrals.models import Referral, ReferralEvent, ReferralRecord

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


WAGES = {"province": "广东省", "matter_types": ["labour_remuneration"], "applicant": {"migrant_worker": True},
         "economy": {"integrity_pledge": True}}


def counts(engine) -> dict[str, int]:  # noqa: ANN001
    with Session(engine) as s:
        return {"referrals": s.execute(select(func.count()).select_from(Referral)).scalar_one(),
                "events": s.execute(select(func.count()).select_from(ReferralEvent)).scalar_one(),
                "records": s.execute(select(func.count()).select_from(ReferralRecord)).scalar_one(),
                "created": s.execute(select(func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.action == "referral.created")).scalar_one()}


def actions(engine, case_id: int) -> list[str]:  # noqa: ANN001
    with Session(engine) as s:
        return list(s.execute(select(AuditEntry.action).where(AuditEntry.case_id == case_id)
                              .order_by(AuditEntry.seq)).scalars())


def case_status(engine, case_id: int) -> str:  # noqa: ANN001
    with Session(engine) as s:
        return s.get(Case, case_id).status


@pytest.fixture
def people(db, staff_users, live_server):  # noqa: ANN001, ANN201
    """Signed-in clients: the demo lawyer and manager, another lawyer, legal-aid staff of the 南山
    centre, mediators of the 南头 committee and of another committee."""
    add_staff(db, "lawyer2", "lawyer")
    add_staff(db, "la-nanshan", "legal_aid", "la-sz-nanshan")
    add_staff(db, "med-nantou", "mediation", "med-sz-nanshan-nantou")
    add_staff(db, "med-other", "mediation", "med-sz-baoan-xinan")
    add_staff(db, "la-noofice", "legal_aid")

    def login(name: str, password: str = PASSWORD):  # noqa: ANN202
        return live_server.login(name, password)

    return {"lawyer": login(*staff_users["lawyer"]), "manager": login(*staff_users["manager"]),
            "admin": login(*staff_users["admin"]), "lawyer2": login("lawyer2"), "la": login("la-nanshan"),
            "med": login("med-nantou"), "med_other": login("med-other"), "la_none": login("la-noofice"),
            "lawyer_id": _user_id(db, staff_users["lawyer"][0])}


def _user_id(engine, username: str) -> int:  # noqa: ANN001
    from hotline.auth.models import StaffUser

    with Session(engine) as s:
        return s.execute(select(StaffUser.id).where(StaffUser.username == username)).scalar_one()
