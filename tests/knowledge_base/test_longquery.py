"""Long, narrative queries: a story told around the question finds what the question finds, a
story that changes topic is answered on its last question, and the pieces behind it (clauses,
weights, one weighted BM25 pass, the conversation query)."""
from __future__ import annotations

import numpy as np

from knowledge_base.longquery import Weights, clause_weights, clauses, parse, term_weight, weighted_bm25
from knowledge_base.query import build_query
from knowledge_base.text import expand_lay_terms, tokenize

WAGE_QUESTION = "公司拖欠我三个月工资不发怎么办？"
WAGE_STORY = (
    "我今年四十二岁，老家在河南农村，家里有两个孩子在上学，老婆身体不好一直在家养病，父母年纪也大了，"
    "全家主要靠我一个人在外面打工挣钱养活，每年过年才回去一次，平时就住在工地旁边租的小房子里。前年经老乡介绍，我到城里一家建筑装修公司做水电工，"
    "刚开始的时候每个月都能按时拿到钱，大家相处得也还可以。从今年三月份开始，老板就说工程款还没有结下来，"
    "让我们先等一等，到了五月又说甲方资金紧张，过段时间一定一起补上，六月份干脆电话也不接了，"
    "去工地找他，他说再闹就让我们走人，一分钱都拿不到。到现在已经整整三个月没有发工资了，"
    "一共差不多两万多块钱，家里孩子的学费和老人的药费都等着用，我跟几个工友都很着急，"
    "有人说去找劳动部门，有人说去法院，大家也不知道该听谁的，老板还说合同上写的是包工头的名字，跟他没有关系。"
    "请问公司拖欠我三个月工资不发，我应该怎么办，能不能要求公司支付拖欠的工资和赔偿？"
)
TOPIC_CHANGE = (
    "我和前妻是二零一五年结的婚，婚后生了一个女儿，因为性格不合经常吵架，她嫌我挣钱少，"
    "去年我们在民政局协议离婚了，孩子归她抚养，我每个月给一千五百元抚养费，房子归她，车子归我，"
    "离婚手续都办完了，这些事情我们也都没有争议。我现在想问的是另外一件事："
    "前年我借给朋友五万元，写了借条，约定一年后还钱，现在过了还款期限他一直拖着不还，"
    "借钱不还怎么办，能不能起诉要求他还款并支付利息？"
)


def article_ids(kb, query: str, top: int = 5) -> list[str]:  # noqa: ANN001
    return [h.id for h in kb.search(query, top=top + 3).hits if h.kind == "article"][:top]


def is_wage_article(kb, article_id: str) -> bool:  # noqa: ANN001
    text = kb.get_article(article_id).text
    return "劳动报酬" in text or "工资" in text


def is_loan_article(kb, article_id: str) -> bool:  # noqa: ANN001
    text = kb.get_article(article_id).text
    return article_id.startswith("民法典/合同编#") and any(w in text for w in ("借款", "利息", "还款"))


LABOUR_LAWS = ("劳动合同法", "劳动争议调解仲裁法", "保障农民工工资支付条例")


def test_wage_story_finds_the_wage_articles_the_one_line_question_finds(small_kb) -> None:  # noqa: ANN001
    assert 380 <= len(WAGE_STORY) <= 440
    short = [a for a in article_ids(small_kb, WAGE_QUESTION) if is_wage_article(small_kb, a)]
    story = article_ids(small_kb, WAGE_STORY)
    assert len(short) >= 3, "the one-line question must find wage articles"
    assert len(set(short) & set(story)) >= 2, (short, story)  # the same wage articles
    # the family background (children, wife, parents) pulls in nothing from family law
    assert all(any(law in a for law in LABOUR_LAWS) for a in story), story


def test_story_that_changes_topic_is_answered_on_its_last_question(small_kb) -> None:  # noqa: ANN001
    ids = article_ids(small_kb, TOPIC_CHANGE, top=3)
    assert len(ids) == 3 and all(is_loan_article(small_kb, a) for a in ids), ids


def test_the_same_story_without_its_question_is_about_the_divorce(small_kb) -> None:  # noqa: ANN001
    story = TOPIC_CHANGE.split("我现在想问的是")[0]
    ids = article_ids(small_kb, story, top=3)
    assert any(a.startswith("民法典/婚姻家庭编#") for a in ids), ids


def test_clauses_and_their_weights() -> None:
    parts = clauses("我在工厂上班，老板三个月没发工资。后来他说没钱！请问怎么办？")
    assert parts == ["我在工厂上班", "老板三个月没发工资", "后来他说没钱", "请问怎么办"]
    weights = clause_weights(parts, Weights())
    assert weights[0] < weights[1] < weights[2] < weights[3]  # later more, the question most
    assert weights[3] >= 3 * weights[2]


def test_a_short_question_is_searched_as_typed() -> None:
    query = "老板拖欠工资，怎么申请劳动仲裁？"
    parsed = parse(query, Weights())
    assert parsed.strength == 0.0 and set(parsed.weights) == {1.0}
    assert set(parsed.terms) == set(tokenize(expand_lay_terms(query)))


def test_weights_of_a_long_query_favour_its_question() -> None:
    parsed = parse(WAGE_STORY, Weights())
    assert parsed.strength == 1.0
    assert parsed.terms["拖欠"] > 2 * parsed.terms["老家"]  # said once each: in the question, in the opening
    assert term_weight("后来", Weights()) < term_weight("老家", Weights()) <= term_weight("劳动报酬", Weights())


def test_weighted_bm25_equals_bm25s_for_unit_weights(small_kb) -> None:  # noqa: ANN001
    bm25 = small_kb.data.bm25
    tokens = [t for t in dict.fromkeys(tokenize("拖欠劳动报酬 用人单位 解除劳动合同")) if t in bm25.vocab_dict]
    ours = weighted_bm25(bm25, {t: 1.0 for t in tokens})
    assert np.allclose(ours, bm25.get_scores(tokens), atol=1e-4)
    doubled = weighted_bm25(bm25, {t: 2.0 for t in tokens})
    assert np.allclose(doubled, 2 * ours, atol=1e-4)


def test_conversation_query_keeps_the_latest_question_and_drops_acknowledgements() -> None:
    utterances = ["您好", "我想问一下离婚的事情", "嗯嗯", "好的", "孩子抚养权归谁？",
                  "我老公平时不怎么管孩子" * 10, "对"]
    q = build_query(utterances, max_chars=120)
    assert "孩子抚养权归谁？" in q and "好的" not in q and not q.endswith("对")
    assert len(q) <= 125
    # repeats (caller or recogniser) are said once
    assert build_query(["工资没发", "工资没发", "怎么办"]) == "工资没发。怎么办"
