"""A contact's category from its first utterances: the statute articles the knowledge base
suggests vote for the category whose laws they belong to (rank-weighted); FAQ hits vote with
the articles they cite. Without suggestions, keywords decide; otherwise 其他 (other)."""
from __future__ import annotations

from typing import Any

KEYWORDS = {
    "labour": ["工资", "欠薪", "劳动", "辞退", "开除", "加班", "社保", "工伤", "老板", "公司", "厂里", "单位", "试用期", "仲裁"],
    "family": ["离婚", "抚养", "赡养", "老公", "老婆", "丈夫", "妻子", "家暴", "孩子", "结婚", "彩礼"],
    "inheritance": ["遗产", "继承", "遗嘱", "过世", "去世"],
    "contract_debt": ["借钱", "欠钱", "借款", "借条", "欠条", "还钱", "合同", "利息", "担保"],
    "property": ["物业", "房东", "租房", "房租", "押金", "装修", "邻居", "漏水", "买房", "房产"],
    "traffic": ["车祸", "交通事故", "撞", "交警", "保险公司", "肇事"],
    "consumer": ["退货", "商家", "网购", "假货", "消费", "退款", "预付卡", "会员卡"],
    "tort_injury": ["打伤", "受伤", "医疗事故", "狗咬", "人身损害", "赔偿"],
    "rural_land": ["宅基地", "承包地", "土地", "村委会", "征地"],
    "criminal": ["报警", "诈骗", "被骗", "坐牢", "判刑", "拘留", "偷"],
    "administrative": ["信访", "行政", "政府", "罚款", "复议"],
}


def _category_for_id(article_id: str, categories: list[Any]) -> str | None:
    source = article_id.split("#", 1)[0]
    best, best_len = None, 0
    for category in categories:
        for law in category.laws or []:
            if law and law in source and len(law) > best_len:
                best, best_len = category.code, len(law)
    return best


def categorise(suggestions: dict[str, Any] | None, texts: list[str], categories: list[Any], top: int = 8) -> str:
    votes: dict[str, float] = {}
    if suggestions:
        for rank, item in enumerate(suggestions.get("items", [])[:top], start=1):
            ids = item.get("statutes", []) if item.get("kind") == "faq" else [item.get("id", "")]
            for article_id in ids:
                code = _category_for_id(article_id, categories)
                if code:
                    votes[code] = votes.get(code, 0.0) + 1.0 / rank
    if not votes:
        text = " ".join(texts)
        for code, words in KEYWORDS.items():
            hits = sum(text.count(w) for w in words)
            if hits:
                votes[code] = float(hits)
    known = {c.code for c in categories}
    ranked = [code for code in sorted(votes, key=lambda c: -votes[c]) if code in known]
    return ranked[0] if ranked else "other"
