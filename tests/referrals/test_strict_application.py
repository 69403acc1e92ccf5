"""Strict validation of legal-aid applications and referrals (issue 18, item 5), against a running
server on SQLite and PostgreSQL: each probe of the report gets a 422 naming the field, and a
referral carrying a bad application stores nothing."""
from __future__ import annotations

import json

from tests.core.test_strict_input import BIG, fields as _fields
from tests.referrals.conftest import WAGES, counts, open_chat_case


def test_legal_aid_application_types_are_strict(db, live_server, people) -> None:  # noqa: ANN001
    lawyer = people["lawyer"]
    probes = [
        ({"economy": {"household_size": True, "integrity_pledge": True}}, "economy.household_size"),
        ({"economy": {"household_size": "3", "integrity_pledge": True}}, "economy.household_size"),
        ({"application_date": 1764720000}, "application_date"),
        ({"application_date": "621-01-01"}, "application_date"),
        ({"applicant": {"migrant_worker": "yes"}}, "applicant.migrant_worker"),
        ({"applicant": {"migrant_worker": True, "age": "30"}}, "applicant.age"),
        ({"economy": {"household_size": 2, "household_monthly_income": 1e308, "integrity_pledge": True}},
         "economy.household_monthly_income"),
        ({"applicant": {"migrant_worker": True, "name": "张\x00三"}}, "applicant.name"),
    ]
    for change, field in probes:
        body = {**WAGES, **change}
        r = lawyer.post("/api/referrals/assess", json=body)
        assert r.status_code == 422, (change, r.text)
        assert field in _fields(r), (change, r.json())
    # Infinity is not JSON, but Python's parser takes it: refused, never printed back as invalid JSON
    raw = json.dumps({**WAGES, "economy": {"household_size": 2, "household_monthly_income": float("inf"),
                                           "integrity_pledge": True}})
    assert "Infinity" in raw
    r = lawyer.post("/api/referrals/assess", content=raw.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and "economy.household_monthly_income" in _fields(r), r.text

    # a referral carrying such an application stores nothing
    case = open_chat_case(db, ["老板拖欠我三个月工资"], owner_id=people["lawyer_id"])
    before = counts(db)
    r = lawyer.post(f"/api/cases/{case['case_id']}/referrals",
                    json={"type": "legal_aid", "application": {**WAGES, "economy": {"household_size": True}},
                          "consent": {"given": True, "method": "chat"}})
    assert r.status_code == 422, r.text
    r = lawyer.post(f"/api/cases/{case['case_id']}/referrals", json={"type": "legal_aid", "contact_id": False})
    assert r.status_code == 422 and "contact_id" in _fields(r), r.text
    r = lawyer.post(f"/api/cases/{case['case_id']}/referrals", json={"type": "legal_aid", "contact_id": BIG})
    assert r.status_code == 422, r.text
    assert counts(db) == before
