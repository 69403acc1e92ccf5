"""Search by sound for transcribed speech (knowledge_base/phonetic.py): 工商认定 finds the articles on
工伤认定, on a small corpus of real statutes and inside the knowledge base's fusion."""
from __future__ import annotations

import json

from knowledge_base.corpus import Article
from knowledge_base.phonetic import PhoneticIndex, sound_tokens
from tests.conftest import SHARED


def _articles(*sources: str, other_every: int = 40) -> list[Article]:
    out = []
    with open(SHARED / "data" / "statutes" / "articles.jsonl", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            row = json.loads(line)
            if any(s in row["id"] for s in sources) or n % other_every == 0:
                out.append(Article(**row))
    return out


def test_sound_tokens_fold_the_confusions_and_read_numbers() -> None:
    assert sound_tokens("工商认定") == sound_tokens("工伤认定") == ["gong_san", "san_ren", "ren_din"]
    assert sound_tokens("福养费") == sound_tokens("抚养费")
    assert sound_tokens("伤残9级") == sound_tokens("伤残九级")


def test_gongshang_rending_finds_the_work_injury_determination_articles() -> None:
    articles = _articles("工伤保险条例", "劳动合同法", "民法典/婚姻家庭编")
    index = PhoneticIndex([a.index_text() for a in articles], list(range(len(articles))))
    top = [articles[i] for i in index.rank("我想申请工商认定", depth=5)]
    assert top and all("工伤认定" in a.text for a in top[:3]), [(a.id, a.text[:30]) for a in top]
    assert not any("工商" in a.text for a in top[:3])


def test_spoken_search_fuses_the_sound_channel(small_kb) -> None:  # noqa: ANN001
    query = "老板拖欠我的工商医疗费"  # heard for 工伤医疗费 (劳动争议调解仲裁法 articles 9, 16, 44, 47)
    ranking = small_kb.rank(query, spoken=True)
    assert ranking.phonetic, "the sound channel ranks articles"
    first = small_kb.data.articles[ranking.phonetic[0]]
    assert "工伤医疗费" in first.text, first.text
    spoken = [h.id for h in small_kb.search(query, top=10, spoken=True).hits if h.kind == "article"]
    assert any("工伤医疗费" in small_kb.get_article(i).text for i in spoken[:5]), spoken
    assert small_kb.rank(query).phonetic == []  # typed text: no sound channel
