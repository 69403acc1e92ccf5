"""The statute quotations the rules show are verbatim from the shared statute file, citations
are formed correctly, and the office directory matches most specific area first."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from routing.eligibility.law import MEDIATION_QUOTES, QUOTES, article_id, cite, cn_number
from routing.eligibility.offices import candidates, match_office, no_office_message
from tests.conftest import SHARED


@pytest.fixture(scope="module")
def statutes() -> dict[str, str]:
    path = SHARED / "data" / "statutes" / "articles.jsonl"
    if not path.exists():
        pytest.fail(f"statute file missing: {path}")
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if "法律援助法" in line or "人民调解法" in line:
                row = json.loads(line)
                out[row["id"]] = row["text"]
    return out


def test_quotes_are_verbatim(statutes: dict[str, str]) -> None:
    for (article, _), text in QUOTES.items():
        source = statutes[article_id(article)]
        assert text.rstrip("。") in source, (article, text)
    for (article, _), text in MEDIATION_QUOTES.items():
        source = statutes[article_id(article, law="人民调解法")]
        assert text.rstrip("。") in source, (article, text)


def test_items_are_the_right_items(statutes: dict[str, str]) -> None:
    """Item n of an article is the text after （n） in the statute."""
    for (article, item), text in QUOTES.items():
        if item:
            source = statutes[article_id(article)]
            assert f"（{cn_number(item)}）{text}" in source, (article, item)


def test_citations() -> None:
    assert cn_number(31) == "三十一" and cn_number(10) == "十" and cn_number(42) == "四十二" and cn_number(7) == "七"
    assert cite(31, 5) == "法律援助法第三十一条第（五）项"
    assert cite(25, 1, paragraph=1) == "法律援助法第二十五条第一款第（一）项"
    assert cite(17, law="人民调解法") == "人民调解法第十七条"


def office(id_: int, kind: str, areas: list[str], categories: list[str] | None = None, active: bool = True):  # noqa: ANN201
    return SimpleNamespace(id=id_, kind=kind, areas=areas, categories=categories or [], active=active, name=f"o{id_}")


OFFICES = [
    office(1, "mediation", [""]),
    office(2, "mediation", ["广东省深圳市南山区"]),
    office(3, "mediation", ["广东省深圳市南山区南头街道"]),
    office(4, "mediation", ["广东省深圳市南山区"], ["property"]),
    office(5, "mediation", ["广东省深圳市"], ["traffic"]),
    office(6, "mediation", ["广东省深圳市南山区蛇口街道"], active=False),
    office(7, "justice_bureau", ["广东省深圳市南山区南头街道"]),
]


@pytest.mark.parametrize(("kind", "area", "category", "expected"), [
    ("mediation", "广东省深圳市南山区南头街道", "property", 3),  # most specific area first
    ("mediation", "广东省深圳市南山区粤海街道", "property", 4),  # same area: the specialised committee
    ("mediation", "广东省深圳市南山区粤海街道", "family", 2),
    ("mediation", "广东省深圳市福田区", "traffic", 5),
    ("mediation", "广东省深圳市南山区蛇口街道", "family", 2),  # the street committee is inactive
    ("mediation", "北京市朝阳区", "family", 1),  # the fallback
    ("mediation", "", "family", 1),
    ("justice_bureau", " 广东省深圳市 南山区南头街道 ", None, 7),  # spaces in the area are ignored
])
def test_office_matching(kind: str, area: str, category: str | None, expected: int) -> None:
    referral_type = "mediation" if kind == "mediation" else "justice_bureau"
    match = match_office(OFFICES, referral_type, area, category)
    assert match is not None and match.office.id == expected


def test_no_office_is_an_answer() -> None:
    offices = [o for o in OFFICES if o.id != 1]
    assert match_office(offices, "mediation", "北京市朝阳区", "family") is None
    assert match_office(offices, "court", "广东省深圳市南山区", None) is None
    assert [m.office.id for m in candidates(offices, "mediation", "广东省深圳市南山区南头街道", "property")] == [3, 4, 2]
    message = no_office_message("mediation", "北京市朝阳区", "婚姻家庭")
    assert "北京市朝阳区" in message and "人民调解委员会" in message and "nothing was stored" in message
