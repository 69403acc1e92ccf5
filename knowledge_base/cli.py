"""`hotline kb ...` commands. `ctx.obj` is the hotline Settings object (duck-typed: data_dir,
var_dir, kb_path, embedding_model, kb_corpus)."""
import typer

app = typer.Typer(help="知识库 Knowledge base: build, search, evaluate, train.", no_args_is_help=True)
