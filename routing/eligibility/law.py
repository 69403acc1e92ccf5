"""The statute texts the referral rules rest on, quoted from the 法律援助法 (2021-08-20) and the
人民调解法 (2010-08-28), and how to cite them ("法律援助法第三十一条第（五）项").

Pure data: no database, no web. `tests/referrals/test_law_quotes.py` checks every quotation here
against the statute file in the shared data directory, so a typo cannot put words into the law.
"""
from __future__ import annotations

LEGAL_AID_LAW = "法律援助法"
LEGAL_AID_VERSION = "2021-08-20"
LEGAL_AID_ID = "行政法/法律援助法(2021-08-20)"
MEDIATION_LAW = "人民调解法"
MEDIATION_ID = "诉讼与非诉讼程序法/人民调解法(2010-08-28)"

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals as statutes write them (十一, 二十, 三十一)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def article_no(article: int) -> str:
    return f"第{cn_number(article)}条"


def cite(article: int, item: int | None = None, paragraph: int | None = None, law: str = LEGAL_AID_LAW) -> str:
    """法律援助法第三十一条第（五）项; with a paragraph: 第二十五条第一款第（一）项."""
    text = f"{law}{article_no(article)}"
    if paragraph:
        text += f"第{cn_number(paragraph)}款"
    if item:
        text += f"第（{cn_number(item)}）项"
    return text


def article_id(article: int, law: str = LEGAL_AID_LAW) -> str:
    """The id of the article in data/statutes/articles.jsonl (the knowledge base's ids)."""
    prefix = LEGAL_AID_ID if law == LEGAL_AID_LAW else MEDIATION_ID
    return f"{prefix}#{article_no(article)}"


# Quotations (verbatim) of the provisions the rules apply: (article, item) -> text.
QUOTES: dict[tuple[int, int | None], str] = {
    (24, None): "刑事案件的犯罪嫌疑人、被告人因经济困难或者其他原因没有委托辩护人的，本人及其近亲属可以向法律援助机构申请法律援助。",
    (25, None): "刑事案件的犯罪嫌疑人、被告人属于下列人员之一，没有委托辩护人的，人民法院、人民检察院、公安机关应当通知法律援助机构指派律师担任辩护人",
    (25, 1): "未成年人",
    (25, 2): "视力、听力、言语残疾人",
    (25, 3): "不能完全辨认自己行为的成年人",
    (25, 4): "可能被判处无期徒刑、死刑的人",
    (25, 5): "申请法律援助的死刑复核案件被告人",
    (25, 6): "缺席审判案件的被告人",
    (26, None): "对可能被判处无期徒刑、死刑的人，以及死刑复核案件的被告人，法律援助机构收到人民法院、人民检察院、公安机关通知后，应当指派具有三年以上相关执业经历的律师担任辩护人。",
    (28, None): "强制医疗案件的被申请人或者被告人没有委托诉讼代理人的，人民法院应当通知法律援助机构指派律师为其提供法律援助。",
    (29, None): "刑事公诉案件的被害人及其法定代理人或者近亲属，刑事自诉案件的自诉人及其法定代理人，刑事附带民事诉讼案件的原告人及其法定代理人，因经济困难没有委托诉讼代理人的，可以向法律援助机构申请法律援助。",
    (30, None): "值班律师应当依法为没有辩护人的犯罪嫌疑人、被告人提供法律咨询、程序选择建议、申请变更强制措施、对案件处理提出意见等法律帮助。",
    (31, None): "下列事项的当事人，因经济困难没有委托代理人的，可以向法律援助机构申请法律援助",
    (31, 1): "依法请求国家赔偿",
    (31, 2): "请求给予社会保险待遇或者社会救助",
    (31, 3): "请求发给抚恤金",
    (31, 4): "请求给付赡养费、抚养费、扶养费",
    (31, 5): "请求确认劳动关系或者支付劳动报酬",
    (31, 6): "请求认定公民无民事行为能力或者限制民事行为能力",
    (31, 7): "请求工伤事故、交通事故、食品药品安全事故、医疗事故人身损害赔偿",
    (31, 8): "请求环境污染、生态破坏损害赔偿",
    (31, 9): "法律、法规、规章规定的其他情形",
    (32, None): "有下列情形之一，当事人申请法律援助的，不受经济困难条件的限制",
    (32, 1): "英雄烈士近亲属为维护英雄烈士的人格权益",
    (32, 2): "因见义勇为行为主张相关民事权益",
    (32, 3): "再审改判无罪请求国家赔偿",
    (32, 4): "遭受虐待、遗弃或者家庭暴力的受害人主张相关权益",
    (32, 5): "法律、法规、规章规定的其他情形",
    (33, None): "当事人不服司法机关生效裁判或者决定提出申诉或者申请再审，人民法院决定、裁定再审或者人民检察院提出抗诉，因经济困难没有委托辩护人或者诉讼代理人的，本人及其近亲属可以向法律援助机构申请法律援助。",
    (34, None): "经济困难的标准，由省、自治区、直辖市人民政府根据本行政区域经济发展状况和法律援助工作需要确定，并实行动态调整。",
    (41, None): "法律援助机构核查申请人的经济困难状况，可以通过信息共享查询，或者由申请人进行个人诚信承诺。",
    (42, None): "法律援助申请人有材料证明属于下列人员之一的，免予核查经济困难状况",
    (42, 1): "无固定生活来源的未成年人、老年人、残疾人等特定群体",
    (42, 2): "社会救助、司法救助或者优抚对象",
    (42, 3): "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员",
    (42, 4): "法律、法规、规章规定的其他人员",
    (43, None): "法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予法律援助的决定。",
    (44, None): "法律援助机构收到法律援助申请后，发现有下列情形之一的，可以决定先行提供法律援助",
    (44, 1): "距法定时效或者期限届满不足七日，需要及时提起诉讼或者申请仲裁、行政复议",
    (44, 2): "需要立即申请财产保全、证据保全或者先予执行",
    (48, 6): "受援人自行委托律师或者其他代理人",
}

MEDIATION_QUOTES: dict[tuple[int, int | None], str] = {
    (2, None): "本法所称人民调解，是指人民调解委员会通过说服、疏导等方法，促使当事人在平等协商基础上自愿达成调解协议，解决民间纠纷的活动。",
    (3, 1): "在当事人自愿、平等的基础上进行调解",
    (17, None): "当事人可以向人民调解委员会申请调解；人民调解委员会也可以主动调解。当事人一方明确拒绝调解的，不得调解。",
    (26, None): "人民调解员调解纠纷，调解不成的，应当终止调解，并依据有关法律、法规的规定，告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。",
    (27, None): "人民调解员应当记录调解情况。人民调解委员会应当建立调解工作档案，将调解登记、调解工作记录、调解协议书等材料立卷归档。",
    (28, None): "经人民调解委员会调解达成调解协议的，可以制作调解协议书。",
    (31, None): "人民调解委员会应当对调解协议的履行情况进行监督，督促当事人履行约定的义务。",
    (33, None): "经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
}


def quote(article: int, item: int | None = None, law: str = LEGAL_AID_LAW) -> str:
    table = QUOTES if law == LEGAL_AID_LAW else MEDIATION_QUOTES
    return table[(article, item)]
