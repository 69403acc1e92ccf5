"""Index building through the CLI: incremental re-ingest, eval output format, search output."""
from __future__ import annotations

import json
import shutil

from tests.conftest import make_settings, run_cli
from tests.knowledge_base.conftest import write_small_corpus


def test_cli_build_incremental_search_and_eval(tmp_path, small_kb_dir) -> None:  # noqa: ANN001
    data = tmp_path / "shared"
    articles, _ = write_small_corpus(data, extra_other=50)
    shutil.copytree(small_kb_dir.parent / "models", tmp_path / "var" / "models")  # reuse the built encoder
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=data)

    first = run_cli(settings, "kb", "build", "--no-tune")
    assert first.returncode == 0, first.stderr
    assert run_cli(settings, "kb", "build", "--if-missing").stdout.startswith("knowledge base present")

    # change one article: only it is re-embedded
    lines = articles.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["text"] += "（测试修订）"
    lines[0] = json.dumps(row, ensure_ascii=False)
    articles.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = run_cli(settings, "kb", "build", "--no-tune")
    assert second.returncode == 0, second.stderr
    manifest = json.loads((settings.kb_path / "manifest.json").read_text())
    assert manifest["reused_embeddings"] == manifest["articles"] - 1

    out = run_cli(settings, "kb", "search", "我被公司拖欠工资三个月了怎么办", "--top", "5", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["hits"]) == 5 and "confident" in result
    assert run_cli(settings, "kb", "search", "").returncode == 2

    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "t1", "question": "老板拖欠工资怎么办", "relevant": ["社会法/劳动合同法(2012-12-28)#第三十条"]},
        {"id": "t2", "question": "离婚后孩子归谁抚养", "relevant": ["民法典/婚姻家庭编#第一千零八十四条"]},
    ]), encoding="utf-8")
    ev = run_cli(settings, "kb", "eval", "--queries", str(queries), "--json")
    assert ev.returncode == 0, ev.stderr
    figures = json.loads(ev.stdout)
    assert set(figures) == {"hybrid", "bm25", "dense"}
    for mode in figures.values():
        assert set(mode) == {"recall@1", "recall@5", "recall@10", "recall@100", "mrr@10", "n"} and mode["n"] == 2
        assert 0 <= mode["recall@1"] <= mode["recall@5"] <= mode["recall@10"] <= mode["recall@100"] <= 1

    # without --queries: both shared sets' test splits, one entry per set with the same keys
    (data / "data" / "eval").mkdir(parents=True, exist_ok=True)
    for name, rows in {
        "consultations": [("q0003", "老板拖欠工资怎么办", "社会法/劳动合同法(2012-12-28)#第三十条"),
                          ("q0000", "训练集的问题不算", "社会法/劳动合同法(2012-12-28)#第三十条")],
        "narratives": [("nar0000", "我在工地干了半年，老板一直拖着不发工资，说工程款没结，请问我该怎么办？",
                        "社会法/劳动合同法(2012-12-28)#第三十条"),
                       ("nar0001", "和老公结婚五年，现在闹离婚，孩子三岁，孩子归谁抚养？", "民法典/婚姻家庭编#第一千零八十四条")],
    }.items():
        (data / "data" / "eval" / f"{name}.jsonl").write_text("\n".join(
            json.dumps({"id": i, "question": q, "relevant": [r]}, ensure_ascii=False) for i, q, r in rows),
            encoding="utf-8")
    both = run_cli(settings, "kb", "eval", "--json")
    assert both.returncode == 0, both.stderr
    sets = json.loads(both.stdout)
    assert set(sets) == {"consultations", "narratives"}
    assert sets["consultations"]["hybrid"]["n"] == 1 and sets["narratives"]["hybrid"]["n"] == 2  # test split only
    assert set(sets["narratives"]) == {"hybrid", "bm25", "dense"}
    assert run_cli(settings, "kb", "eval", "--split", "nope").returncode == 2
