"""`hotline referral assess FILE`: the pure rules from the command line; nothing stored."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlmodel import Session

from hotline.referrals.models import HardshipStandard, Referral
from tests.conftest import run_cli
from tests.referrals.conftest import WAGES


def test_cli_assess(settings, tmp_path) -> None:  # noqa: ANN001
    good = tmp_path / "wages.json"
    good.write_text(json.dumps({**WAGES, "application_date": "2025-06-01", "deadline_date": "2025-06-05"},
                               ensure_ascii=False), encoding="utf-8")
    r = run_cli(settings, "referral", "assess", str(good), "--today", "2025-06-02")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["eligible"] is True and out["economic_review"] == "exempt" and out["urgent"] is True
    assert "法律援助法第四十四条第（一）项" in out["articles"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"province": "火星省", "matter_types": ["labour_remuneration"],
                               "economy": {"household_size": 2, "household_monthly_income": -3}}), encoding="utf-8")
    r = run_cli(settings, "referral", "assess", str(bad))
    assert r.returncode == 2
    errors = json.loads(r.stdout)["errors"]
    assert {e["field"] for e in errors} >= {"province", "economy.household_monthly_income"}
    broken = tmp_path / "broken.json"
    broken.write_text("{\"province\": ", encoding="utf-8")
    r = run_cli(settings, "referral", "assess", str(broken))
    assert r.returncode == 2 and "不是有效的 JSON" in r.stdout
    from hotline.database import get_engine

    with Session(get_engine(settings)) as s:  # nothing stored but the seeded reference table
        assert s.execute(select(func.count()).select_from(Referral)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(HardshipStandard)).scalar_one() == 6
