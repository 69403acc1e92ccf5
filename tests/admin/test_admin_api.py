"""The admin API over real HTTP to a running hotline, on SQLite and PostgreSQL: directory edits
(validated, audited, nothing lost on bad input), roster listings and removals, the report's
date filter, and CSV exports with personal data redacted."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.auth.service import get_user_by_username
from hotline.contacts import service as contacts
from hotline.database import session_scope
from hotline.directory.models import Category, Office
from hotline.queue import service as routing

PHONE, ID_NUMBER = "13912345678", "110101199003071234"


def actions(engine, prefix: str) -> list[AuditEntry]:  # noqa: ANN001
    with session_scope(engine) as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                              .order_by(AuditEntry.seq)).scalars())


def test_directory_edits_are_validated_and_audited(live_server, staff_users, engine) -> None:  # noqa: ANN001
    manager = live_server.login(*staff_users["manager"])
    r = manager.put("/api/admin/categories/labour", json={"time_limit_hours": 48, "laws": ["劳动合同法", " 劳动法 ", ""]})
    assert r.status_code == 200, r.text
    assert r.json()["time_limit_hours"] == 48 and r.json()["laws"] == ["劳动合同法", "劳动法"]
    entry = actions(engine, "directory.category_updated")[-1]
    assert entry.before["time_limit_hours"] == 72 and entry.after["time_limit_hours"] == 48

    # bad input: refused with a clear message, nothing stored or changed
    assert manager.post("/api/admin/categories", json={"code": "Bad Code", "name": "x"}).status_code == 422
    assert manager.put("/api/admin/categories/labour", json={"time_limit_hours": 0}).status_code == 422
    assert manager.put("/api/admin/categories/nope", json={"name": "x"}).status_code == 404
    r = manager.post("/api/admin/categories", json={"code": "medical", "name": "医疗纠纷", "time_limit_hours": 96,
                                                    "mediable": True})
    assert r.status_code == 201, r.text
    dup = manager.post("/api/admin/categories", json={"code": "medical", "name": "重复"})
    assert dup.status_code == 422 and "已存在" in dup.json()["detail"]
    with session_scope(engine) as s:
        assert s.get(Category, "labour").time_limit_hours == 48
        assert s.get(Category, "medical").name == "医疗纠纷"

    body = {"code": "med-baoan-medical", "name": "宝安区医疗纠纷人民调解委员会", "kind": "mediation",
            "areas": ["广东省深圳市宝安区"], "categories": ["medical"], "phone": "0755-12348"}
    assert manager.post("/api/admin/offices", json={**body, "kind": "bank"}).status_code == 422
    assert manager.post("/api/admin/offices", json={**body, "categories": ["nope"]}).status_code == 422
    r = manager.post("/api/admin/offices", json=body)
    assert r.status_code == 201, r.text
    office_id = r.json()["id"]
    assert r.json()["kind_label"] == "人民调解委员会"
    r = manager.put(f"/api/admin/offices/{office_id}", json={"areas": ["广东省深圳市宝安区", ""], "active": False})
    assert r.status_code == 200 and r.json()["areas"] == ["广东省深圳市宝安区", ""]
    assert manager.put("/api/admin/offices/999999", json={"name": "x"}).status_code == 404
    with session_scope(engine) as s:
        office = s.get(Office, office_id)
        assert office.active is False and office.categories == ["medical"]
    assert [e.action for e in actions(engine, "directory.office_")] == ["directory.office_added",
                                                                        "directory.office_updated"]

    lawyer = live_server.login(*staff_users["lawyer"])
    assert lawyer.post("/api/admin/categories", json={"code": "x1", "name": "x"}).status_code == 403
    assert lawyer.get("/api/admin/report").status_code == 403
    assert live_server.client().get("/api/admin/report").status_code == 401
    assert lawyer.get("/api/admin/categories").status_code == 200  # the console reads categories


def test_roster_listings_and_removals(live_server, staff_users, engine) -> None:  # noqa: ANN001
    manager = live_server.login(*staff_users["manager"])
    lawyers = manager.get("/api/routing/lawyers").json()
    lawyer_id = lawyers[0]["user_id"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    r = manager.post("/api/routing/exceptions", json={"user_id": lawyer_id, "day": today, "kind": "off", "note": "病假"})
    assert r.status_code == 200, r.text
    listed = manager.get("/api/admin/roster/exceptions").json()
    assert [(x["day"], x["kind"], x["note"]) for x in listed] == [(today, "off", "病假")]
    assert manager.get("/api/routing/duty").json()["now"] == []  # on leave today: nobody on duty
    assert manager.delete(f"/api/admin/roster/exceptions/{listed[0]['id']}").status_code == 200
    assert manager.delete(f"/api/admin/roster/exceptions/{listed[0]['id']}").status_code == 404
    assert [d["user_id"] for d in manager.get("/api/routing/duty").json()["now"]] == [lawyer_id]
    assert actions(engine, "roster.exception_removed")[-1].before["note"] == "病假"

    assert manager.post("/api/routing/holidays", json={"day": today, "name": "测试假日"}).status_code == 200
    assert [h["name"] for h in manager.get("/api/admin/roster/holidays").json()] == ["测试假日"]
    assert manager.delete(f"/api/admin/roster/holidays/{today}").status_code == 200
    assert manager.get("/api/admin/roster/holidays").json() == []
    assert manager.delete("/api/admin/roster/holidays/not-a-date").status_code == 422


def _one_answered_contact(engine, disposition: str = f"已解答，回访电话{PHONE}",  # noqa: ANN001
                          comment: str = f"很好，我的身份证号{ID_NUMBER}") -> int:
    """A chat answered by the demo lawyer, ended, wrapped up and rated, with personal data in the
    free text (the disposition and the rating comment)."""
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        routing.set_presence(s, lawyer.id, "available")
        contact, _ = contacts.start_chat(s)
        contacts.add_utterance(s, contact, speaker="citizen", text=f"我叫王五，电话{PHONE}，公司欠薪")
        routing.enqueue(s, contact.id, "labour")
        routing.dispatch(s)
    with session_scope(engine) as s:
        from hotline.queue.models import Offer

        offer = s.execute(select(Offer).where(Offer.contact_id == contact.id)).scalar_one()
        routing.accept(s, offer.id, lawyer.id)
    with session_scope(engine) as s:
        c = contacts.get_contact(s, contact.id)
        contacts.end_contact(s, c, actor="test")
        routing.contact_ended(s, c.id)
        routing.finish_wrapup(s, lawyer.id, disposition)
        contacts.rate(s, c, score=4, comment=comment, actor="citizen")
    return contact.id


def test_report_filter_and_redacted_csv_exports(live_server, staff_users, engine) -> None:  # noqa: ANN001
    contact_id = _one_answered_contact(engine)
    manager = live_server.login(*staff_users["manager"])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    report = manager.get("/api/admin/report", params={"start": today, "end": today}).json()
    sl = report["service_levels"]
    assert (sl["offered"], sl["answered"], sl["rated"], sl["mean_score"]) == (1, 1, 1, 4.0)
    assert report["range"]["start_day"] == today and report["per_lawyer"][0]["name"] == "张律师"
    assert manager.get("/api/admin/report", params={"start": "2020-01-01", "end": "2020-01-31"}).json()[
        "service_levels"]["offered"] == 0
    assert manager.get("/api/admin/report", params={"start": "yesterday"}).status_code == 422
    assert manager.get("/api/admin/report", params={"start": today, "end": "2020-01-01"}).status_code == 422
    assert manager.get("/api/admin/report", params={"granularity": "minute"}).status_code == 422

    r = manager.get("/api/admin/export/contacts.csv", params={"start": today, "end": today})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    assert PHONE not in text and ID_NUMBER not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "联系编号" and len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["联系编号"] == str(contact_id) and row["结果"] == "接通" and row["接待律师"] == "张律师"
    assert row["评分"] == "4" and "【身份证号】" in row["评价内容"] and "【手机号】" in row["处理结果"]

    r = manager.get("/api/admin/export/service-levels.csv", params={"start": today, "end": today})
    text = r.content.decode("utf-8-sig")
    assert "接通率" in text and "张律师" in text and PHONE not in text
    assert [e.action for e in actions(engine, "export.")] == ["export.contacts", "export.service_levels"]


def test_csv_cells_cannot_run_as_formulas() -> None:
    from admin.exports import _csv

    text = _csv([["=1+1", "+86 phone", "-2+3", "@SUM(A1)", "\tx", "\rx", "正常", "a=b", -5, 0.5, None]])
    row = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert row == ["'=1+1", "'+86 phone", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "正常", "a=b", "-5", "0.5", ""]


def test_csv_exports_neutralise_formulas_and_name_the_threshold(live_server, staff_users, engine) -> None:  # noqa: ANN001
    evil = '=HYPERLINK("http://example.invalid/x","点此查看")'
    _one_answered_contact(engine, disposition="@SUM(1+1) 已解答", comment=evil)
    manager = live_server.login(*staff_users["manager"])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    text = manager.get("/api/admin/export/contacts.csv", params={"start": today, "end": today}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    row = dict(zip(rows[0], rows[1]))
    assert row["评价内容"] == "'" + evil and row["处理结果"] == "'@SUM(1+1) 已解答"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)

    # the service-level labels name the threshold the figures were computed with
    def labels(**params: object) -> list[str]:
        r = manager.get("/api/admin/export/service-levels.csv", params={"start": today, "end": today, **params})
        assert r.status_code == 200, r.text
        return [r[0] for r in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) if r]

    default = labels()
    assert "20秒内接通量" in default and "服务水平(20秒接通率)" in default and "短时放弃(5秒内，不计入)" in default
    custom = labels(sl=30, short=2.5)
    assert "30秒内接通量" in custom and "服务水平(30秒接通率)" in custom and "短时放弃(2.5秒内，不计入)" in custom
    assert not any("20秒" in label for label in custom)


def test_kb_admin_without_a_knowledge_base_says_so(live_server, staff_users) -> None:  # noqa: ANN001
    manager = live_server.login(*staff_users["manager"])
    assert manager.get("/api/admin/kb/backlog").json() == []
    r = manager.post("/api/admin/kb/faqs", json={"question": "拖欠工资怎么办？", "answer": "可以申请劳动仲裁……" * 3,
                                                 "statutes": ["x"]})
    assert r.status_code == 503 and "知识库尚未就绪" in r.json()["detail"]
    assert manager.post("/api/admin/kb/faqs", json={"question": "短", "answer": "", "statutes": []}).status_code == 422
