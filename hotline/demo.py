"""Demo accounts for `make run` (a fresh install is usable at once)."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from hotline.auth.service import create_user, get_user_by_username
from hotline.config import Settings
from hotline.directory import service as directory
from hotline.directory.models import Office

DEMO_PASSWORD = "demo-12348"


def seed_demo(session: Session, settings: Settings) -> list[tuple[str, str, str]]:
    directory.seed_defaults(session)
    la = session.execute(select(Office).where(Office.code == "la-default")).scalar_one()
    med = session.execute(select(Office).where(Office.code == "med-default")).scalar_one()
    accounts = [
        ("admin", settings.demo_admin_password, "admin", "系统管理员", None),
        ("lawyer1", DEMO_PASSWORD, "lawyer", "张律师", None),
        ("manager1", DEMO_PASSWORD, "manager", "王主任", None),
        ("legalaid1", DEMO_PASSWORD, "legal_aid", "法援中心李老师", la.id),
        ("mediator1", DEMO_PASSWORD, "mediation", "调解员赵老师", med.id),
    ]
    for username, password, role, name, office_id in accounts:
        if get_user_by_username(session, username) is None:
            create_user(session, username=username, password=password, role=role, display_name=name,
                        office_id=office_id, actor="demo-seed")
    lawyer = get_user_by_username(session, "lawyer1")
    from hotline.roster.models import Shift
    from hotline.roster.service import profile

    row = profile(session, lawyer.id)
    row.skills = [c.code for c in directory.list_categories(session)]
    session.add(row)
    if session.execute(select(Shift).where(Shift.user_id == lawyer.id)).first() is None:
        session.add(Shift(user_id=lawyer.id, days="all", start="00:00", end="00:00", note="演示：全天值班"))
    return [(u, p, r) for u, p, r, _, _ in accounts]
