"""Citations in the eligibility answer (issue 18, item 7): at application the grounds are art. 31
(没有委托代理人) and art. 24 (没有委托辩护人), not art. 48(6); provisions found not to apply are in
`articles_considered` (with why not), not in `articles`; contradictory representation is an
error; and no reason says "可以申请" when the answer is not eligible."""
from __future__ import annotations

import pytest

from routing.eligibility.application import ApplicationError
from routing.eligibility.rules import assess_json
from tests.routing.eligibility.conftest import STANDARDS, TODAY
from tests.routing.eligibility.test_rules import CASES, app

A48_6 = "法律援助法第四十八条第（六）项"


def _considered(result: dict) -> list[str]:
    return [c["article"] for c in result["articles_considered"]]


def test_existing_lawyer_cites_article_31_not_48() -> None:
    result = assess_json(app(["labour_remuneration"], has_representative=True), STANDARDS, TODAY)
    assert result["eligible"] is False
    assert A48_6 not in result["articles"] + _considered(result)
    assert "法律援助法第三十一条" in result["articles"]


def test_existing_defender_cites_article_24() -> None:
    result = assess_json(app([], criminal_defence=True, has_representative=True, criminal={}), STANDARDS, TODAY)
    assert result["eligible"] is False
    assert "法律援助法第二十四条" in result["articles"] and A48_6 not in result["articles"]


def test_contradictory_representation_is_an_error() -> None:
    with pytest.raises(ApplicationError) as exc:
        assess_json(app([], criminal_defence=True, has_representative=False, criminal={"has_defender": True}),
                    STANDARDS, TODAY)
    assert any(e["field"] == "has_representative" for e in exc.value.errors)


def test_passed_deadline_is_considered_not_applied() -> None:
    result = assess_json(app(["child_support"], application_date="2026-06-01", deadline_date="2026-05-20"),
                         STANDARDS, TODAY)
    assert result["urgent"] is False
    a44_1 = "法律援助法第四十四条第（一）项"
    assert a44_1 not in result["articles"] and a44_1 in _considered(result)
    assert next(c for c in result["articles_considered"] if c["article"] == a44_1)["why_not"]


def test_refused_migrant_exemption_is_considered_not_applied() -> None:
    result = assess_json(app(["labour_relationship"], applicant={"migrant_worker": True}), STANDARDS, TODAY)
    a42_3 = "法律援助法第四十二条第（三）项"
    assert a42_3 not in result["articles"] and a42_3 in _considered(result)


def test_urgency_of_an_ineligible_applicant_is_not_applied() -> None:
    result = assess_json(app(["child_support"], has_representative=True, preservation_needed=True), STANDARDS, TODAY)
    assert result["eligible"] is False and result["urgent"] is False
    assert "法律援助法第四十四条第（二）项" in _considered(result)


@pytest.mark.parametrize("application", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_reasons_agree_with_the_outcome(application: dict) -> None:
    try:
        result = assess_json(application, STANDARDS, TODAY)
    except ApplicationError:
        return
    applied = {f["article"] for f in result["findings"] if f["applies"]}
    assert applied == set(result["articles"])
    assert not set(result["articles"]) & set(_considered(result))
    if result["eligible"] is False:
        assert not any("可以申请" in r for r in result["reasons"]), result["reasons"]
