"""Search on a small real corpus: right articles for typical hotline questions, citations with
versions, no confident match for nonsense, clear errors for unusable queries."""
from __future__ import annotations

import json
import shutil

import pytest

from knowledge_base.query import build_query
from knowledge_base.service import KnowledgeBase, QueryError


def top_ids(kb, query: str, top: int = 5) -> list[str]:  # noqa: ANN001
    return [h.id for h in kb.search(query, top=top).hits if h.kind == "article"]


def test_wage_question_finds_labour_contract_law(small_kb) -> None:  # noqa: ANN001
    ids = top_ids(small_kb, "我被公司拖欠工资三个月了怎么办")
    wanted = {"社会法/劳动合同法(2012-12-28)#第三十条", "社会法/劳动合同法(2012-12-28)#第八十五条"}
    assert wanted & set(ids), ids
    hit = small_kb.search("我被公司拖欠工资三个月了怎么办").hits[0]
    assert hit.law and hit.article_no.startswith("第") and hit.title


def test_divorce_question_finds_marriage_articles(small_kb) -> None:  # noqa: ANN001
    ids = top_ids(small_kb, "我想和老公离婚，孩子的抚养权和抚养费怎么判？")
    assert any(i.startswith("民法典/婚姻家庭编#") for i in ids), ids


def test_hits_carry_citation_and_version(small_kb) -> None:  # noqa: ANN001
    result = small_kb.search("交通事故对方全责不赔钱怎么办", top=10)
    articles = [h for h in result.hits if h.kind == "article"]
    assert articles and all(0.0 <= h.score <= 1.0 for h in result.hits)
    versioned = [h for h in articles if h.version]
    assert any("版）" in h.citation for h in versioned) or not versioned
    assert any(h.id.startswith("行政法/道路交通安全法") for h in articles)


def test_nonsense_gives_no_confident_match(small_kb) -> None:  # noqa: ANN001
    for query in ("啊啊啊啊啊啊", "qwzx plmk vbnr", "今天天气怎么样我想吃火锅"):
        assert small_kb.search(query).confident is False, query


@pytest.mark.parametrize("query", ["", "   ", "字" * 10_000])
def test_unusable_queries_get_a_clear_error(small_kb, query: str) -> None:  # noqa: ANN001
    with pytest.raises(QueryError) as err:
        small_kb.search(query)
    assert "query" in str(err.value)


def test_conversation_query_drops_fillers_and_keeps_recent_context() -> None:
    q = build_query(["嗯，那个，就是说我在工厂上班", "老板三个月没发工资了", "嗯嗯"])
    assert "嗯" not in q and "那个" not in q and "就是说" not in q
    assert "工厂上班" in q and "三个月没发工资" in q
    long = build_query(["旧的话" * 300, "最新的问题：押金不退"], max_chars=50)
    assert long.endswith("最新的问题：押金不退") and len(long) <= 60


def test_published_faq_is_found_and_survives_reload(small_kb_dir, tmp_path) -> None:  # noqa: ANN001
    copy = tmp_path / "kb"
    shutil.copytree(small_kb_dir, copy)
    kb = KnowledgeBase.load(copy)
    faq = kb.add_faq("hotline-1", "外卖骑手被平台扣钱不发工资找谁",
                     "可以向劳动保障监察机构投诉，或申请劳动仲裁。", ["社会法/劳动合同法(2012-12-28)#第三十条"])
    hits = kb.search("外卖骑手被平台扣钱不发工资", top=10).hits
    assert any(h.kind == "faq" and h.id == faq.id for h in hits)
    with pytest.raises(ValueError):
        kb.add_faq("hotline-2", "问", "答", ["不存在的法条#第一条"])
    again = KnowledgeBase.load(copy)
    assert any(f.id == "hotline-1" for f in again.data.faq.faqs)
    again.remove_faq("hotline-1")
    assert not any(f.id == "hotline-1" for f in KnowledgeBase.load(copy).data.faq.faqs)


def test_manifest_records_sources_and_model(small_kb_dir) -> None:  # noqa: ANN001
    manifest = json.loads((small_kb_dir / "manifest.json").read_text())
    assert manifest["articles"] > 500 and manifest["faqs"] > 0
    assert len(manifest["sources"]["articles"]["sha256"]) == 64
    assert "usem-static" in manifest["model"]


def test_loading_an_index_again_leaves_the_tokeniser_as_it_was(small_kb_dir) -> None:  # noqa: ANN001
    """Each build and load adds the corpus's law names to jieba; adding them again must not shift
    jieba's word probabilities (it adds every frequency to its total), or the same index ranks
    differently after a second load in the same process."""
    from knowledge_base.text import _get_tokenizer, add_terms

    terms = ["劳动合同法", "中华人民共和国劳动合同法", "某某条例"]
    KnowledgeBase.load(small_kb_dir)
    add_terms(terms)
    tok = _get_tokenizer()
    total, freq = tok.total, dict(tok.FREQ)
    KnowledgeBase.load(small_kb_dir)
    add_terms(terms)
    assert tok.total == total and tok.FREQ == freq
