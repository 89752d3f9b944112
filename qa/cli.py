"""Command line: python -m qa ingest|ask|serve|remove|stats|articles|build-model.

Errors are one line on stderr with a non-zero exit code, never a traceback: 2 for what the user
can fix (a bad question, a missing or damaged index, a full disk), 3 for a bug. Whatever comes from
the index or a file (titles, ids, paths) is printed as text, never read as rich markup.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import QAError
from qa.types import Answer

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long


def _assistant(args: argparse.Namespace, create: bool = True) -> Assistant:
    settings = args.settings
    options = {
        "backend": args.backend,
        "model_name": args.model,
        "index_kind": args.index_kind,
        "model_dir": settings.model_dir,
    }
    index = args.index or settings.index_url
    if index:
        return Assistant.open(index, create=create, **options)
    return Assistant.default(settings.default_index_dir(args.model), **options)


def print_answer(answer: Answer) -> None:
    console.print(Text(answer.message, style="bold"))
    if answer.rewritten:
        console.print(Text(f"(effective query: {answer.effective_query})", style="dim"))
    if answer.abstained:
        return
    if answer.short_answer is not None:
        console.print(Text(answer.short_answer.text, style="bold"))
    for number, quote in enumerate(answer.quotes, 1):
        text = Text(quote.text)
        for start, end in quote.highlights:
            text.stylize("bold black on yellow", start, end)
        console.print(Text(f"\n[{number}] ", style="cyan").append(text))
        cite = (
            f"    — {quote.title}"
            + (f", {quote.date}" if quote.date else "")
            + (f" · {quote.url}" if quote.url else "")
        )
        console.print(Text(cite + f" · passage {quote.position + 1} · score {quote.score:.2f}", style="dim"))


def cmd_ingest(args) -> int:
    assistant = _assistant(args)
    report = assistant.add(args.paths, progress=not args.quiet)
    for source, reason in report.failed:
        err.print(f"[yellow]skipped[/] {escape(source)}: {escape(reason)}")
    for source, twin in report.duplicates:
        err.print(f"[dim]duplicate[/] {escape(source)} (same text as {escape(twin)})")
    console.print(report.summary())
    stats = assistant.stats()
    console.print(
        f"index: {stats['folder']} — {stats['articles']} articles, {stats['passages']} passages",
        markup=False,
        highlight=False,
    )
    return 0 if report.added or report.updated or not report.failed else 1


def cmd_ask(args) -> int:
    assistant = _assistant(args, create=False)
    answer = assistant.ask(args.question, history=args.history or None, k=args.k, since=args.since, until=args.until)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return 0


def cmd_remove(args) -> int:
    assistant = _assistant(args, create=False)
    if not assistant.remove(args.article_id):
        err.print(f"error: no article {args.article_id!r} in the index", markup=False, highlight=False)
        return 1
    console.print(f"removed {args.article_id}", markup=False, highlight=False)
    return 0


def cmd_stats(args) -> int:
    stats = _assistant(args, create=False).stats()
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            console.print(f"{key:>14}: {value}", markup=False, highlight=False)
    return 0


def cmd_articles(args) -> int:
    for a in _assistant(args, create=False).articles():
        line = f"{a['id']}  {a['date'] or '          '}  {a['passages']:>3} passages  {a['title']}"
        console.print(line, markup=False, highlight=False)
    return 0


def cmd_serve(args) -> int:
    from qa.page import launch

    launch(
        index=args.index,
        host=args.host,
        port=args.port,
        backend=args.backend,
        model_name=args.model,
        admin_token=args.admin_token or args.settings.admin_token,
        allow_remote_uploads=args.allow_remote_uploads,
    )
    return 0


def cmd_build_model(args) -> int:
    from embeddings import build_model

    folder = build_model(args.settings.model_dir, force=args.force)
    console.print(f"model ready in {folder}", markup=False, highlight=False)
    return 0


def add_operator_options(parser: argparse.ArgumentParser) -> None:
    """The chat page's operator options, shared by `python -m qa serve` and `python app.py`."""
    parser.add_argument(
        "--admin-token",
        default=None,
        help="enable uploads on the page for whoever gives this token (or set $NEWSQA_ADMIN_TOKEN); "
        "without it the page is read-only",
    )
    parser.add_argument(
        "--allow-remote-uploads",
        action="store_true",
        help="let a page listening beyond localhost (--host 0.0.0.0) take uploads",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa", description="Question answering over news articles.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index",
        help="index folder or postgresql:// URL (default: $NEWSQA_INDEX_URL, else the built-in articles' index)",
    )
    common.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch"], help="embedding backend")
    common.add_argument("--model", default=None, help="another sentence-transformers model (path or hub id)")
    common.add_argument(
        "--index-kind",
        default="auto",
        choices=["auto", "flat", "hnsw"],
        help="exact (flat) or approximate (hnsw) vector search; auto switches to hnsw past 60,000 passages",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add .txt/.md/.html/.jsonl files or folders")
    p.add_argument("paths", nargs="+")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="ask a question (Vietnamese or English)")
    p.add_argument("question")
    p.add_argument("--history", action="append", help="an earlier question of the conversation (repeatable)")
    p.add_argument("--k", type=int, default=3, help="how many quotes at most (1 to 20)")
    p.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    p.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", help="only articles published on or before this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", parents=[common], help="start the chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    add_operator_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("remove", parents=[common], help="remove an article by id")
    p.add_argument("article_id")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("stats", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("articles", parents=[common], help="list the indexed articles")
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("build-model", help="build the embedding model ahead of time ($NEWSQA_MODEL_DIR)")
    p.add_argument("--force", action="store_true", help="rebuild even if it is complete")
    p.set_defaults(func=cmd_build_model)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.settings = Settings.from_env()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except (QAError, ValueError, OSError) as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted: everything committed before the interruption is kept")
        return 130
    except Exception as exc:  # the command line's last resort: a bug is still one line
        if os.environ.get("NEWSQA_DEBUG"):
            raise
        err.print(
            f"error: internal error ({type(exc).__name__}: {exc}); NEWSQA_DEBUG=1 shows the traceback",
            highlight=False,
            markup=False,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
