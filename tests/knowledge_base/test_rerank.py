"""The learned re-ranker: fitted on real candidate rows of the small knowledge base, its numpy
tree walk gives scikit-learn's probabilities, it re-orders the fused candidates, and a saved
re-ranker is used only with the encoder it was fitted for."""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from knowledge_base.rerank import CANDIDATES, FEATURES, LAYOUT, Forest, History, Reranker, candidate_features, fit

QUESTIONS = [
    ("老板拖欠工资三个月不给怎么办", "劳动合同法"), ("公司不签劳动合同要赔双倍工资吗", "劳动合同法"),
    ("离婚后孩子抚养权归谁", "婚姻家庭编"), ("老公家暴可以离婚吗", "婚姻家庭编"),
    ("父亲去世没有遗嘱房子怎么分", "继承编"), ("网购买到假货商家不退款", "消费者权益保护法"),
    ("被车撞了对方不赔钱怎么办", "道路交通安全法"), ("借钱不还有借条能起诉吗", "合同编"),
]


def test_forest_matches_scikit_learn_on_random_data() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, len(FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 3] - X[:, 7] + rng.normal(scale=0.5, size=3000) > 1).astype(int)
    model = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, random_state=0).fit(X, y)
    forest = Forest(model)
    assert np.allclose(forest.predict_proba(X), model.predict_proba(X)[:, 1], atol=1e-9)
    other = HistGradientBoostingClassifier(max_iter=40, max_depth=4, random_state=1).fit(X, y)
    raw = (model._raw_predict(X)[:, 0] + other._raw_predict(X)[:, 0]) / 2
    assert np.allclose(Forest([model, other]).predict_proba(X), 1 / (1 + np.exp(-raw)), atol=1e-9)


def test_history_counts_laws_articles_and_co_citations() -> None:
    history = History.of([{"relevant": ["民法典/合同编#第一条", "民法典/合同编#第二条"]},
                          {"relevant": ["民法典/合同编#第一条", "刑法/刑法#第三条"]}, {"relevant": []}])
    assert history.law_counts == {"民法典/合同编": 3, "刑法/刑法": 1}
    assert history.article_counts["民法典/合同编#第一条"] == 2
    assert history.cocited["民法典/合同编#第一条"] == {"民法典/合同编#第二条": 1, "刑法/刑法#第三条": 1}
    assert "民法典/合同编#第一条" in history.cocited["刑法/刑法#第三条"]


def test_candidate_features_see_neighbours_and_co_citations(small_kb) -> None:  # noqa: ANN001
    kb = small_kb
    ranking = kb.rank("老板拖欠工资三个月不给怎么办")
    fused = kb.fuse(ranking, "hybrid")[:CANDIDATES]
    top, other = fused[0][0], fused[-1][0]
    history = History(cocited={kb.data.articles[top].id: {kb.data.articles[other].id: 3}})
    rows = candidate_features(kb, ranking, fused, history)
    column = {name: rows[:, j] for j, name in enumerate(FEATURES)}
    assert column["cocited"][-1] == 3.0 and column["cocited"][0] == 0.0
    assert np.isclose(column["bm25_score"][0], ranking.bm25_scores[top])
    assert np.isclose(column["dense_sim"][0], float(kb.data.vectors[top] @ ranking.qvec), atol=1e-5)
    ids = [i for i, _ in fused]
    for r, i in enumerate(ids):  # a candidate whose next article (same law) is also a candidate
        nxt = i + 1
        if nxt in ids and kb.sources[nxt] == kb.sources[i]:
            assert column["neighbour"][r] >= 1.0 / (ids.index(nxt) + 1) - 1e-6
            break
    else:
        raise AssertionError("no adjacent candidates in the small knowledge base")


def test_fit_rerank_and_load_only_for_its_encoder(small_kb, tmp_path) -> None:  # noqa: ANN001
    kb = small_kb
    rows, labels = [], []
    for question, law in QUESTIONS:
        ranking = kb.rank(question)
        fused = kb.fuse(ranking, "hybrid")[:CANDIDATES]
        rows.append(candidate_features(kb, ranking, fused, History()))
        labels.append(np.array([law in kb.data.articles[i].id for i, _ in fused], dtype=np.int8))
    assert all(len(r) == len(lab) and r.shape[1] == len(FEATURES) for r, lab in zip(rows, labels))
    encoder = kb.data.manifest["model"]
    reranker = fit(rows, labels, encoder=encoder, history=History(), report={})

    ranking = kb.rank("工资被拖欠了")
    fused = kb.fuse(ranking, "hybrid")
    reordered = reranker.rerank(kb, ranking, fused)
    assert sorted(i for i, _ in reordered) == sorted(i for i, _ in fused)  # a permutation, nothing lost
    head = [p for _, p in reordered[:CANDIDATES]]
    assert head == sorted(head, reverse=True) and all(0.0 <= p <= 1.0 for p in head)

    reranker.save(tmp_path)
    assert isinstance(Reranker.load(tmp_path, encoder), Reranker)
    assert Reranker.load(tmp_path, "some-other-encoder") is None  # fitted for another encoder: unused
    reranker.features = FEATURES[:-1]
    reranker.save(tmp_path)
    assert Reranker.load(tmp_path, encoder) is None  # fitted on other features (an older release): unused
    reranker.features, reranker.layout = list(FEATURES), LAYOUT - 1
    reranker.save(tmp_path)
    assert Reranker.load(tmp_path, encoder) is None  # trees stored in another layout: unused
    (tmp_path / "reranker.pkl").write_bytes(b"broken")
    assert Reranker.load(tmp_path, encoder) is None  # a broken file costs the re-ranking, not the search
