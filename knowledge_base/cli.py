"""`hotline kb ...` commands. `ctx.obj` is the hotline Settings object (duck-typed: data_dir,
var_dir, kb_path, embedding_model, kb_corpus)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import typer

app = typer.Typer(help="知识库 Knowledge base: build, search, evaluate, train.", no_args_is_help=True)


def _paths(settings):  # noqa: ANN001, ANN202
    from knowledge_base.corpus import consultations_path, faq_path, statutes_path

    return statutes_path(settings.data_dir), faq_path(settings.data_dir), consultations_path(settings.data_dir)


def build_and_tune(settings, corpus: str | None = None, model: str | None = None, tune: bool = True,  # noqa: ANN001
                   progress: bool = True) -> dict:
    """Build the index in settings.kb_path, then tune fusion/confidence on the dev split."""
    from knowledge_base.corpus import load_questions
    from knowledge_base.encoder import resolve_model
    from knowledge_base.index import build_index
    from knowledge_base.service import KnowledgeBase
    from knowledge_base.tuning import save_fusion
    from knowledge_base.tuning import tune as run_tune

    articles, faqs, consultations = _paths(settings)
    model_name = model or resolve_model(settings.var_dir, settings.embedding_model, progress)
    manifest = build_index(settings.kb_path, articles_path=articles, faq_path=faqs, model_name=model_name,
                           corpus=corpus or settings.kb_corpus, progress=progress)
    if tune and consultations.exists():
        started = time.monotonic()
        kb = KnowledgeBase.load(settings.kb_path)
        fusion = run_tune(kb, load_questions(settings.data_dir), progress=progress)
        save_fusion(settings.kb_path, fusion)
        manifest["tuning_seconds"] = round(time.monotonic() - started, 1)
        manifest["fusion"] = fusion
    return manifest


@app.command("build")
def build(ctx: typer.Context,
          if_missing: bool = typer.Option(False, "--if-missing", help="only build when no index exists"),
          corpus: str = typer.Option(None, help="all | core (default: setting kb_corpus)"),
          no_tune: bool = typer.Option(False, "--no-tune", help="skip tuning the fusion on the dev split")) -> None:
    """Build the BM25 + faiss indexes (progress bar), write the manifest, tune the fusion."""
    from knowledge_base.index import index_exists

    settings = ctx.obj
    if if_missing and index_exists(settings.kb_path):
        typer.echo(f"knowledge base present at {settings.kb_path}")
        return
    started = time.monotonic()
    manifest = build_and_tune(settings, corpus=corpus, tune=not no_tune)
    typer.echo(f"built {manifest['articles']} articles ({manifest['core_articles']} core) and {manifest['faqs']} FAQ "
               f"with {manifest['model']} in {time.monotonic() - started:.1f} s → {settings.kb_path}")
    typer.echo(json.dumps({k: manifest[k] for k in ("timings", "reused_embeddings")}, ensure_ascii=False))


@app.command("search")
def search(ctx: typer.Context, query: str, top: int = typer.Option(10, "--top"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Search the knowledge base."""
    from knowledge_base.service import KnowledgeBase, QueryError

    try:
        kb = KnowledgeBase.load(ctx.obj.kb_path)
        result = kb.search(query, top=top)
    except (QueryError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    typer.echo(f"查询: {result.query}")
    typer.echo("置信: " + ("是" if result.confident else "否（无可信匹配 no confident match）") + f" ({result.confidence:.2f})")
    for rank, hit in enumerate(result.hits, start=1):
        text = hit.question if hit.kind == "faq" else hit.text
        typer.echo(f"{rank:2d}. [{hit.score:.3f}] {hit.citation}  {hit.id}\n    {text[:120]}")


def _print_figures(result: dict, k: int, title: str = "") -> None:
    if title:
        typer.echo(title)
    typer.echo(f"{'':8s} {'recall@1':>9s} {'recall@5':>9s} {'recall@10':>9s} {'recall@100':>10s} {'mrr@10':>7s}   n")
    for mode, vals in result.items():
        typer.echo(f"{mode:8s} {vals['recall@1']:9.4f} {vals['recall@5']:9.4f} {vals['recall@10']:9.4f} "
                   f"{vals['recall@100']:10.4f} {vals['mrr@10']:7.4f} {vals['n']:4d}")
    typer.echo(f"hybrid recall@{k}: {result['hybrid'].get(f'recall@{k}', float('nan'))}")


@app.command("eval")
def evaluate_cmd(ctx: typer.Context,
                 queries: Path = typer.Option(None, "--queries", exists=True, dir_okay=False,
                                              help="one JSONL of {id, question, relevant}; default: both "
                                                   "shared sets (consultations, narratives)"),
                 k: int = typer.Option(10, "--k", help="the k the summary line reports"),
                 split: str = typer.Option(None, help="only questions of this split (train|dev|test); "
                                                      "default: test for the shared sets, all for --queries"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """recall@1/5/10/100 and MRR@10 for hybrid, BM25 alone and dense alone (FAQ twins masked).
    Without --queries: both shared sets' test splits in one run, `{set: {hybrid, bm25, dense}}`."""
    from knowledge_base.corpus import eval_sets, read_jsonl
    from knowledge_base.evaluate import evaluate
    from knowledge_base.service import KnowledgeBase
    from knowledge_base.splits import split_of

    if split not in (None, "", "train", "dev", "test"):
        typer.echo(f"error: --split must be train, dev or test, not {split!r}", err=True)
        raise typer.Exit(2)
    sets = {"": queries} if queries else eval_sets(ctx.obj.data_dir)
    if not sets:
        typer.echo(f"error: no evaluation sets under {ctx.obj.data_dir}/data/eval", err=True)
        raise typer.Exit(2)
    wanted = split if split is not None else ("" if queries else "test")
    kb = KnowledgeBase.load(ctx.obj.kb_path)
    results = {}
    for name, path in sets.items():
        rows = [r for r in read_jsonl(path) if not wanted or split_of(r["id"]) == wanted]
        results[name] = evaluate(kb, rows, progress=not as_json)
    if as_json:
        typer.echo(json.dumps(results[""] if queries else results, ensure_ascii=False))
        return
    for name, result in results.items():
        _print_figures(result, k, f"{name} ({wanted or 'all'} split)" if name else "")


@app.command("train")
def train_cmd(ctx: typer.Context, epochs: int = typer.Option(3), minutes: float = typer.Option(25.0),
              rebuild: bool = typer.Option(True, help="rebuild the index with the new model"),
              if_missing: bool = typer.Option(False, "--if-missing",
                                              help="only what is missing: the fine-tuned model, or "
                                                   "a re-ranker for the index as it is")) -> None:
    """Fine-tune the default encoder on the training split (before/after on the dev split), rebuild
    the index with it, then fit the re-ranker (cross-fitted on the training split, plus dev).
    With --if-missing, an encoder already fine-tuned is kept, and only a missing or outdated
    re-ranker (fitted for other features, as after an upgrade) is fitted again."""
    from knowledge_base.encoder import BASE_NAME, models_dir
    from knowledge_base.train import fit_reranker, reranker_fitted, train

    if if_missing and ctx.obj.embedding_model:
        typer.echo("encoder: configured (HOTLINE_EMBEDDING_MODEL); not training")
        return
    if if_missing and any(models_dir(ctx.obj.var_dir).glob(f"{BASE_NAME}-ft-*")):
        if reranker_fitted(ctx.obj.kb_path):
            typer.echo("encoder fine-tuned and re-ranker fitted; not training")
            return
        typer.echo("encoder already fine-tuned; fitting the re-ranker for this index")
        typer.echo(json.dumps({"reranker": fit_reranker(ctx.obj, epochs=epochs, max_minutes=minutes)},
                              ensure_ascii=False, indent=1))
        return
    started = time.monotonic()
    report = train(ctx.obj, epochs=epochs, max_minutes=minutes * 0.5)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    if rebuild:
        manifest = build_and_tune(ctx.obj, model=report["model"])
        typer.echo(f"index rebuilt with {manifest['model']}")
        left = max(1.0, minutes - (time.monotonic() - started) / 60)
        typer.echo(json.dumps({"reranker": fit_reranker(ctx.obj, epochs=epochs, max_minutes=left)},
                              ensure_ascii=False, indent=1))
    typer.echo(f"kb train: {(time.monotonic() - started) / 60:.1f} min in all")
