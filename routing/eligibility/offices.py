"""Which office receives a referral: the directory of offices by area and category.

Pure rule over office rows (anything with id, kind, areas, categories, active). An office serves
an area when one of its `areas` is a prefix of the citizen's area ("广东省深圳市宝安区" serves
"广东省深圳市宝安区新安街道"); `""` is the fallback that serves everywhere. An office with
`categories` takes only those case categories; an empty list takes all.

Order: the longest matching area wins (most specific first); at the same area, an office
specialised in the category beats a general one; then the lower id (the older entry).
No match is an answer too: the caller must refuse the referral, never drop it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Referral type -> the office kind that receives it.
TYPE_KIND = {
    "legal_aid": "legal_aid",
    "criminal_defence": "legal_aid",
    "mediation": "mediation",
    "justice_bureau": "justice_bureau",
    "petitions": "petitions",
    "court": "court",
}
TYPE_LABELS = {
    "legal_aid": "法律援助（民事、行政）",
    "criminal_defence": "刑事法律援助（辩护）",
    "mediation": "人民调解",
    "justice_bureau": "司法所",
    "petitions": "信访",
    "court": "诉讼（人民法院）",
}
KIND_LABELS = {"legal_aid": "法律援助机构", "mediation": "人民调解委员会", "justice_bureau": "司法所",
               "petitions": "信访部门", "court": "人民法院"}


@dataclass(frozen=True)
class OfficeMatch:
    office: Any
    matched_area: str
    specialised: bool


def normalise_area(area: str | None) -> str:
    return "".join((area or "").split())


def candidates(offices: Iterable[Any], kind: str, area: str | None, category: str | None) -> list[OfficeMatch]:
    """Every active office of `kind` serving `area` and `category`, best first."""
    area = normalise_area(area)
    found: list[tuple[tuple[int, int, int], OfficeMatch]] = []
    for office in offices:
        if office.kind != kind or not office.active:
            continue
        cats = list(office.categories or [])
        if cats and category not in cats:
            continue
        served = [a for a in (normalise_area(x) for x in (office.areas or [])) if area.startswith(a)]
        if not served:
            continue
        best = max(served, key=len)
        match = OfficeMatch(office, best, bool(cats))
        found.append(((len(best), 1 if cats else 0, -(office.id or 0)), match))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [m for _, m in found]


def match_office(offices: Iterable[Any], referral_type: str, area: str | None,
                 category: str | None) -> OfficeMatch | None:
    found = candidates(offices, TYPE_KIND[referral_type], area, category)
    return found[0] if found else None


def no_office_message(referral_type: str, area: str | None, category_name: str | None) -> str:
    where = normalise_area(area) or "（未填写地区）"
    what = f"「{category_name}」类" if category_name else ""
    return (f"没有可接收该转介的{KIND_LABELS[TYPE_KIND[referral_type]]}：地区 {where}、{what}{TYPE_LABELS[referral_type]}"
            "未配置接收机构。请核实当事人所在地区，或请管理员在机构目录中配置后再转介，本次转介未提交 "
            "(no receiving office configured for this area and type; nothing was stored)")
